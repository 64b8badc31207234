import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuditJobsModule } from '../../libs/audit/audit-jobs.module';
import { AuditModule } from '../../libs/audit/audit.module';
import { SupervisionModule } from '../../libs/supervision/supervision.module';
import { DatabaseRepository } from '../../libs/persistence/database.repository';
import { LicensingOversightService } from '../../libs/licensing/licensing-oversight.service';
import { DashboardRepository } from '../../libs/reports/dashboard.repository';
import { DashboardService } from '../../libs/reports/dashboard.service';
import { PolicyOverviewService } from '../../libs/reports/policy-overview.service';
import { PolicyRegionsRepository } from '../../libs/reports/policy-regions.repository';
import { DashboardController } from './dashboard.controller';
import { PoliciesController } from './policies.controller';
import { AuthModule } from '../../libs/auth/auth.module';
import { DocumentsModule } from '../../libs/documents/documents.module';
import { RegistryModule } from '../../libs/registry/registry.module';
import { ReportsModule } from '../../libs/reports/reports.module';
import { AuditController } from './audit.controller';
import { AuthController } from './auth.controller';
import { CalendarController } from './calendar.controller';
import { CampaignsController } from './campaigns.controller';
import { MemberRecordsController } from './member-records.controller';
import { OrgLifeController } from './org-life.controller';
import { OrgLifeModule } from '../../libs/org-life/org-life.module';
import { CasesController } from './cases.controller';
import { DocumentsController } from './documents.controller';
import { HealthController } from './health.controller';
import { LicensingController } from './licensing.controller';
import { NotificationsController } from './notifications.controller';
import { RegistryController } from './registry.controller';
import { ReportsController } from './reports.controller';
import { UsersController } from './users.controller';
import { WorkflowsController } from './workflows.controller';
import { EngineModule } from '../../libs/engine/engine.module';
import { NotificationsModule } from '../../libs/notifications/notifications.module';
import { LicensingModule } from '../../libs/licensing/licensing.module';
import { CampaignsModule } from '../../libs/campaigns/campaigns.module';
import { OutboxModule } from '../../libs/outbox/outbox.module';
import { TimersModule } from '../../libs/timers/timers.module';

/** The HTTP application: controllers only; the work happens in libs/. */
@Module({
  imports: [
    TimersModule,
    OutboxModule,
    CampaignsModule,
    LicensingModule,
    NotificationsModule,
    EngineModule,
    AuthModule,
    TerminusModule,
    DocumentsModule,
    RegistryModule,
    ReportsModule,
    OrgLifeModule,
    AuditModule,
    SupervisionModule,
    AuditJobsModule,
  ],
  controllers: [
    CalendarController,
    AuthController,
    UsersController,
    RegistryController,
    WorkflowsController,
    CasesController,
    DocumentsController,
    AuditController,
    HealthController,
    NotificationsController,
    LicensingController,
    ReportsController,
    DashboardController,
    PoliciesController,
    CampaignsController,
    MemberRecordsController,
    OrgLifeController,
  ],
  providers: [
    DatabaseRepository,
    DashboardRepository,
    DashboardService,
    PolicyRegionsRepository,
    PolicyOverviewService,
    LicensingOversightService,
  ],
})
export class ApiModule {}
