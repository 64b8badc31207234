import { Module } from '@nestjs/common';
import { OutboxHandlers } from './outbox';
import { OutboxDeliveryService } from './outbox-delivery';
import { OutboxRepository } from './outbox.repository';

/**
 * The outbox: its repository (every capability that sends something out writes its rows in its own
 * transaction), the handler registry and the delivery. The engine's effects, notifications, licensing,
 * organizational life and the worker import it to write, handle or deliver outbox rows.
 */
@Module({
  providers: [OutboxHandlers, OutboxRepository, OutboxDeliveryService],
  exports: [OutboxHandlers, OutboxRepository, OutboxDeliveryService],
})
export class OutboxModule {}
