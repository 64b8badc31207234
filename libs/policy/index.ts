export * from './policy.types';
export * from './policy-validation';
export * from './policy-store';
export * from './policy.module';
