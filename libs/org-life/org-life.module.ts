import { Module } from '@nestjs/common';
import { NotificationsModule } from '../notifications/notifications.module';
import { RegistryModule } from '../registry/registry.module';
import { BranchTermEffects } from './branch-term.effects';
import { BranchTermService } from './branch-term.service';
import { InactivityDetectorService } from './inactivity-detector.service';
import { InactivityFlagsRepository } from './inactivity-flags.repository';
import { OrgLifeWatchService } from './org-life-watch.service';
import { OrgLifeRepository } from './org-life.repository';
import { OrgLifeService } from './org-life.service';
import { QuarterRemindersService } from './quarter-reminders.service';
import { EngineModule } from '../engine/engine.module';
import { OutboxModule } from '../outbox/outbox.module';

/**
 * Organizational life: the records, their import, the compliance report, and the daily checks (the
 * inactivity detector) run by each city committee's `org-life-watch` case. Imported by both roles: the
 * worker delivers the daily job.
 */
@Module({
  imports: [OutboxModule, EngineModule, RegistryModule, NotificationsModule],
  providers: [
    OrgLifeRepository,
    OrgLifeService,
    InactivityFlagsRepository,
    OrgLifeWatchService,
    InactivityDetectorService,
    QuarterRemindersService,
    BranchTermService,
    BranchTermEffects,
  ],
  exports: [BranchTermService, OrgLifeService, OrgLifeRepository, InactivityDetectorService, OrgLifeWatchService],
})
export class OrgLifeModule {}
