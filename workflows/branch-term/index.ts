export * from './branch-term.events';
export * from './branch-term.machine';
export * from './branch-term.definition';
