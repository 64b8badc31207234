import { HttpStatus, Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { EntityManager } from 'typeorm';
import { Clock } from '../engine/clock';
import { LicensingEventDto } from './dto';
import { LICENSING_EVENT_TYPES } from './licensing.constants';
import { licensingError } from './licensing-errors';
import type { ApplicationChanges, ApplicationToLock } from './licensing-applications.repository';
import type { FirmsAndLawyerRequest } from './licensing-registry.repository';
import { LicensingEventFamily, LicensingEventHandler } from './licensing-event-handler';
import { LicensingEventResult, LicensingRun } from './licensing-run';

export type { LicensingEventResult } from './licensing-run';

/**
 * Maps one validated licensing event onto the registry and the procedures, inside the caller's transaction
 * (the event row is already inserted there), through the handler of its family (`@LicensingEventHandler`),
 * collecting the application's changes (written once, with the answer).
 */
@Injectable()
export class LicensingProcessor implements OnModuleInit {
  private readonly handlers = new Map<string, LicensingEventFamily>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly clock: Clock,
  ) {}

  onModuleInit() {
    for (const wrapper of this.discovery.getProviders({ metadataKey: LicensingEventHandler.KEY })) {
      if (!wrapper.instance) continue;
      for (const type of this.discovery.getMetadataByDecorator(LicensingEventHandler, wrapper) ?? []) {
        if (this.handlers.has(type)) throw new Error(`licensing event type ${type} has two handlers`);
        this.handlers.set(type, wrapper.instance as LicensingEventFamily);
      }
    }
    const missing = LICENSING_EVENT_TYPES.filter((t) => !this.handlers.has(t));
    if (missing.length) throw new Error(`licensing event types without a handler: ${missing.join(', ')}`);
  }

  /**
   * The run of one event (its clock reading), and the application its handler will lock first when that is
   * known up front, for the event's insert to lock with it (LicensingEventsRepository.insertProcessed) —
   * and then what the handler reads of the registry first, when known, for the insert to read too.
   */
  start(
    em: EntityManager,
    ev: LicensingEventDto,
  ): { run: LicensingRun; lock?: ApplicationToLock; read?: FirmsAndLawyerRequest } {
    const run = new LicensingRun(em, ev, this.clock.now());
    const handler = ev.applicationRef ? this.handlerOf(ev) : undefined;
    const kind = handler?.applicationKind?.(ev);
    if (!handler || !kind) return { run };
    return { run, lock: { ref: ev.applicationRef!, kind, now: run.now }, read: handler.registryRead?.(ev) };
  }

  /**
   * The event's answer, and its application's collected changes (written by the caller with the answer, in
   * one statement: LicensingEventsRepository.storeResult).
   */
  async process(run: LicensingRun): Promise<{ result: LicensingEventResult; application?: ApplicationChanges }> {
    await this.handlerOf(run.ev).handle(run);
    const application = run.app
      ? { ref: run.ref!, eventId: run.ev.eventId, now: run.now, patch: run.patch }
      : undefined;
    return { result: run.result(), application };
  }

  private handlerOf(ev: LicensingEventDto): LicensingEventFamily {
    const handler = this.handlers.get(ev.type);
    if (!handler)
      throw licensingError(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'UNKNOWN_EVENT_TYPE',
        `未知的执业管理事件类型：${String(ev.type)}`,
      );
    return handler;
  }
}
