export * from './nonconforming.definition';
export * from './nonconforming.machine';
export * from './nonconforming.events';
