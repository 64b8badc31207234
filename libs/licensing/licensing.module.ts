import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { DisciplineHandler } from './handlers/discipline.handler';
import { FirmEventsHandler } from './handlers/firm.handler';
import { PracticeCancelledHandler } from './handlers/practice-cancelled.handler';
import { PracticeEventsHandler } from './handlers/practice.handler';
import { LicensingApplicationsRepository } from './licensing-applications.repository';
import { LicensingCallbackHandler } from './licensing-callback.handler';
import { LicensingEventsRepository } from './licensing-events.repository';
import { LicensingOversightRepository } from './licensing-oversight.repository';
import { LicensingProcessor } from './licensing-processor';
import { LicensingRegistryRepository } from './licensing-registry.repository';
import { LicensingSteps } from './licensing-steps';
import { LicensingService } from './licensing.service';
import { LicensingStatusEffect } from './licensing-status.effect';
import { RegistryModule } from '../registry/registry.module';
import { EngineModule } from '../engine/engine.module';
import { OutboxModule } from '../outbox/outbox.module';

/**
 * The licensing integration: signed inbound events mapped onto the procedures (one handler per event family,
 * found by `@LicensingEventHandler`), application status for gating, and the `licensing.status` outbox handler
 * (registered in every role: the worker delivers).
 */
@Module({
  imports: [OutboxModule, EngineModule, RegistryModule, DiscoveryModule],
  providers: [
    LicensingService,
    LicensingProcessor,
    LicensingSteps,
    PracticeEventsHandler,
    PracticeCancelledHandler,
    DisciplineHandler,
    FirmEventsHandler,
    LicensingCallbackHandler,
    LicensingStatusEffect,
    LicensingApplicationsRepository,
    LicensingEventsRepository,
    LicensingRegistryRepository,
    LicensingOversightRepository,
  ],
  exports: [LicensingService, LicensingCallbackHandler, LicensingOversightRepository],
})
export class LicensingModule {}
