export * from './recruitment.definition';
export * from './recruitment.machine';
export * from './recruitment.events';
export * from './recruitment.context';
export * from './recruitment.rules';
