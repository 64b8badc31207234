import { Global, Module } from '@nestjs/common';
import { OutboxHandlers } from './outbox';

/** The outbox handler registry, shared by every capability that sends something out. */
@Global()
@Module({ providers: [OutboxHandlers], exports: [OutboxHandlers] })
export class OutboxModule {}
