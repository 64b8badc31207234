export * from './grade-upgrade.events';
export * from './grade-upgrade.machine';
export * from './grade-upgrade.definition';
