import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuditService } from '../../libs/audit/audit.service';
import { AuthModule } from '../../libs/auth/auth.module';
import { DocumentsModule } from '../../libs/documents/documents.module';
import { RegistryService } from '../../libs/registry/registry.service';
import { AuditController } from './audit.controller';
import { AuthController } from './auth.controller';
import { CalendarController } from './calendar.controller';
import { CasesController } from './cases.controller';
import { DocumentsController } from './documents.controller';
import { HealthController } from './health.controller';
import { LicensingController } from './licensing.controller';
import { NotificationsController } from './notifications.controller';
import { RegistryController } from './registry.controller';
import { ReportsController } from './reports.controller';
import { UsersController } from './users.controller';
import { WorkflowsController } from './workflows.controller';

/** The HTTP application: controllers only; the work happens in libs/. */
@Module({
  imports: [AuthModule, TerminusModule, DocumentsModule],
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
  ],
  providers: [RegistryService, AuditService],
})
export class ApiModule {}
