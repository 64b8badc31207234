import { Module, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { parseCidrs } from '../common/outbound-http';
import { AppConfig } from '../../config/app-config';
import { CalendarModule } from '../calendar/calendar.module';
import { OutboxHandlers } from '../outbox/outbox';
import { EmailNotificationHandler } from './channels/email.handler';
import { WebhookNotificationHandler } from './channels/webhook.handler';
import { channelLookup, NotificationChannelsService } from './notification-channels.service';
import { EMAIL_TOPIC, WEBHOOK_TOPIC } from './notification.types';
import { NotificationsService } from './notifications.service';
import { NotificationChannelsRepository } from './notification-channels.repository';
import { NotificationsRepository } from './notifications.repository';
import { OutboxModule } from '../outbox/outbox.module';
import { EngineModule } from '../engine/engine.module';

export const DEFAULT_MAIL_FROM = 'PartyFlow <noreply@partyflow.local>';

/**
 * Notifications: in-app rows (always on), e-mail over SMTP and signed webhooks, chosen per user or
 * organization. The timer handler (worker) and the API both import it for `NotificationsService`. The
 * outbound channels are outbox topics whose handlers are registered here at boot.
 */
@Module({
  imports: [EngineModule, OutboxModule, CalendarModule],
  providers: [
    NotificationsRepository,
    NotificationChannelsRepository,
    NotificationsService,
    NotificationChannelsService,
    {
      provide: EmailNotificationHandler,
      inject: [NotificationChannelsRepository, AppConfig],
      useFactory: (channels: NotificationChannelsRepository, config: AppConfig) =>
        new EmailNotificationHandler(channelLookup(channels), {
          smtpUrl: config.SMTP_URL,
          from: config.MAIL_FROM || DEFAULT_MAIL_FROM,
        }),
    },
    {
      provide: WebhookNotificationHandler,
      inject: [NotificationChannelsRepository, AppConfig],
      useFactory: (channels: NotificationChannelsRepository, config: AppConfig) =>
        new WebhookNotificationHandler(channelLookup(channels), { allow: parseCidrs(config.WEBHOOK_ALLOW_CIDRS) }),
    },
  ],
  exports: [NotificationsService, NotificationChannelsService],
})
export class NotificationsModule implements OnModuleInit, OnModuleDestroy {
  constructor(
    private readonly handlers: OutboxHandlers,
    private readonly email: EmailNotificationHandler,
    private readonly webhook: WebhookNotificationHandler,
  ) {}

  onModuleInit() {
    this.handlers.register(EMAIL_TOPIC, this.email);
    this.handlers.register(WEBHOOK_TOPIC, this.webhook);
  }

  onModuleDestroy() {
    this.email.close();
  }
}
