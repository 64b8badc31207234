export * from './org-life-watch.machine';
export * from './org-life-watch.definition';
