import { Injectable, Logger } from '@nestjs/common';

/**
 * A message to the outside world, written in the same transaction as the change that caused it
 * (`OutboxRepository.enqueue`).
 */
export interface OutboxMessage {
  topic: string;
  payload: Record<string, unknown>;
  /** Same key twice → stored once (e.g. one reminder per recipient and channel). */
  dedupeKey?: string;
  caseId?: string;
  /** Do not deliver before this instant (quiet hours, scheduled sends). */
  notBefore?: Date;
}

export interface OutboxDelivery {
  id: string;
  topic: string;
  payload: Record<string, any>;
  attempts: number;
  caseId: string | null;
}

/** Delivers one message of a topic; throwing means "failed, retry later with backoff". */
export interface OutboxHandler {
  deliver(message: OutboxDelivery): Promise<void>;
}

/** Topic → handler. Capability modules register their handlers at boot (onModuleInit). */
@Injectable()
export class OutboxHandlers {
  private readonly logger = new Logger(OutboxHandlers.name);
  private readonly handlers = new Map<string, OutboxHandler>();

  register(topic: string, handler: OutboxHandler): void {
    if (this.handlers.has(topic)) throw new Error(`outbox topic ${topic} registered twice`);
    this.handlers.set(topic, handler);
    this.logger.debug(`outbox topic ${topic} registered`);
  }

  get(topic: string): OutboxHandler | undefined {
    return this.handlers.get(topic);
  }

  topics(): string[] {
    return [...this.handlers.keys()];
  }
}

/** Retry delay after `attempts` failures: 5 s, 10 s, 20 s … capped at one hour; never gives up. */
export function outboxBackoffMs(attempts: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}
