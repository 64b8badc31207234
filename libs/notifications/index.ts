export * from './notification.types';
export * from './templates';
export * from './quiet-hours';
export * from './notifications.service';
export * from './notification-channels.service';
export * from './channels/email.handler';
export * from './channels/webhook.handler';
export * from './notifications.module';
