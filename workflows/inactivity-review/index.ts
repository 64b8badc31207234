export * from './inactivity-review.events';
export * from './inactivity-review.machine';
export * from './inactivity-review.definition';
