export * from './annual-review.definition';
export * from './annual-review.machine';
export * from './annual-review.events';
