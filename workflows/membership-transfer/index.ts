export * from './membership-transfer.definition';
export * from './membership-transfer.machine';
export * from './membership-transfer.events';
export * from './receiving-org';
