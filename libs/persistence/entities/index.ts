export * from './org.entity';
export * from './firm.entity';
export * from './member.entity';
export * from './user.entity';
export * from './case.entity';
export * from './case-history.entity';
export * from './timer.entity';
export * from './outbox.entity';
