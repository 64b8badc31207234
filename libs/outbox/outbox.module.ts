import { Global, Module } from '@nestjs/common';
import { OutboxHandlers } from './outbox';
import { OutboxDeliveryService } from './outbox-delivery';
import { OutboxRepository } from './outbox.repository';

/**
 * The outbox: its repository (every capability that sends something out writes its rows in its own
 * transaction), the handler registry and the delivery. Global like a shared infrastructure provider: the
 * engine's effects, notifications, licensing and the worker all write or deliver outbox rows.
 */
@Global()
@Module({
  providers: [OutboxHandlers, OutboxRepository, OutboxDeliveryService],
  exports: [OutboxHandlers, OutboxRepository, OutboxDeliveryService],
})
export class OutboxModule {}
