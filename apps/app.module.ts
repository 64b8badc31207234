import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { RedisModule } from '../libs/common/redis.module';
import { AuditJobsModule } from '../libs/audit/audit-jobs.module';
import { HistoryCheckpointModule } from '../libs/audit/history-checkpoint.module';
import { DemoCaseSeeder } from '../libs/demo/demo-case-seeder';
import { DemoSeeder } from '../libs/demo/demo-seeder';
import { EngineModule } from '../libs/engine/engine.module';
import { LicensingModule } from '../libs/licensing/licensing.module';
import { NotificationsModule } from '../libs/notifications/notifications.module';
import { OutboxModule } from '../libs/outbox/outbox.module';
import { PersistenceModule } from '../libs/persistence/persistence.module';
import { RegistryEffectsModule } from '../libs/registry-effects/registry-effects.module';
import { ReportsModule } from '../libs/reports/reports.module';
import { CampaignsModule } from '../libs/campaigns/campaigns.module';
import { OrgLifeModule } from '../libs/org-life/org-life.module';
import { ApiModule } from './api/api.module';
import { ClockModule } from './api/clock.controller';
import { WorkerModule } from './worker/worker.module';
import { TimersModule } from '../libs/timers/timers.module';

/** Composes the process: shared engine and persistence, plus the api and/or worker roles. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    const roles: DynamicModule['imports'] = [];
    if (config.ROLE !== 'worker') roles.push(ApiModule);
    // the clock endpoint does not exist unless explicitly enabled
    if (config.ROLE !== 'worker' && config.CLOCK_CONTROL) roles.push(ClockModule);
    if (config.ROLE !== 'api') roles.push(WorkerModule);
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        PersistenceModule,
        RedisModule,
        EngineModule,
        OutboxModule,
        NotificationsModule,
        TimersModule,
        LicensingModule,
        ReportsModule,
        CampaignsModule,
        // both roles: the worker delivers the daily organizational-life job
        OrgLifeModule,
        // the registry's effect handlers and fact loaders (the engine finds them at boot)
        RegistryEffectsModule,
        HistoryCheckpointModule,
        // both roles: the api admits and serves audit jobs, the worker runs them
        AuditJobsModule,
        ...roles,
      ],
      providers: [DemoSeeder, DemoCaseSeeder],
    };
  }
}
