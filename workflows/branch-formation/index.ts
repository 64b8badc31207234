export * from './branch-formation.definition';
export * from './branch-formation.machine';
export * from './branch-formation.events';
