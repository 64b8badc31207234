export * from './notification.entity';
export * from './notification-channel.entity';
