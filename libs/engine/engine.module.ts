import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { WORKFLOW_DEFINITIONS } from '../../workflows';
import { CalendarModule } from '../calendar/calendar.module';
import { PolicyModule } from '../policy/policy.module';
import { CaseLabelsRepository } from './case-labels.repository';
import { CaseViewsRepository } from './case-views.repository';
import { RegistryModule } from '../registry/registry.module';
import { CasesRepository } from './cases.repository';
import { IdempotencyKeysRepository } from './idempotency-keys.repository';
import { TimersRepository } from './timers.repository';
import { CaseQueryService } from './case-query.service';
import { TasksRepository } from './tasks.repository';
import { Clock } from './clock';
import { ClockSync } from './clock-sync.service';
import { EngineClockRepository } from './engine-clock.repository';
import { DeadlinePlanner } from './deadline-planner';
import { EffectsService } from './effects.service';
import { EngineEffects } from './engine-effects';
import { EngineExtensions } from './engine-extensions';
import { EngineService } from './engine.service';
import { FactsService } from './facts.service';
import { FollowUpsRepository } from './follow-ups.repository';
import { PolicyService } from './policy.service';
import { WorkflowRegistry } from './workflow-registry';
import { OutboxModule } from '../outbox/outbox.module';

@Module({
  imports: [OutboxModule, CalendarModule, PolicyModule, RegistryModule, DiscoveryModule],
  providers: [
    {
      provide: WorkflowRegistry,
      useFactory: () => {
        const registry = new WorkflowRegistry();
        WORKFLOW_DEFINITIONS.forEach((d) => registry.register(d));
        return registry;
      },
    },
    CasesRepository,
    TimersRepository,
    IdempotencyKeysRepository,
    Clock,
    EngineClockRepository,
    ClockSync,
    DeadlinePlanner,
    FactsService,
    EffectsService,
    EngineExtensions,
    EngineEffects,
    PolicyService,
    EngineService,
    CaseQueryService,
    FollowUpsRepository,
    CaseLabelsRepository,
    CaseViewsRepository,
    TasksRepository,
  ],
  exports: [
    FollowUpsRepository,
    CasesRepository,
    TimersRepository,
    RegistryModule,
    CalendarModule,
    PolicyModule,
    WorkflowRegistry,
    Clock,
    ClockSync,
    EngineService,
    CaseQueryService,
    CaseLabelsRepository,
    PolicyService,
    DeadlinePlanner,
  ],
})
export class EngineModule {}
