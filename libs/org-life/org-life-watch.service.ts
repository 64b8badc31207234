import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ORG_LIFE_WATCH_KEY } from '../../workflows/org-life-watch';
import { SYSTEM_PRINCIPAL } from '../auth/principal';
import { AppError } from '../common/app-error';
import { EngineService } from '../engine/engine.service';
import { WorkflowRegistry } from '../engine/workflow-registry';
import { OrganizationsRepository } from '../registry/organizations.repository';

/**
 * Starts the daily organizational-life checks of a city committee: its `org-life-watch` case, whose deadline
 * is the durable daily timer. Started by the first record entered under the committee — before any record
 * exists nothing can be concluded, and a detector run over no records would flag every member.
 */
@Injectable()
export class OrgLifeWatchService {
  private readonly logger = new Logger(OrgLifeWatchService.name);
  /** committees known to have their watch (only saves a look-up; the once-key is the guarantee) */
  private readonly started = new Set<string>();

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly engine: EngineService,
    private readonly registry: WorkflowRegistry,
    private readonly orgs: OrganizationsRepository,
  ) {}

  /** Opens the watch of the city committee over `orgId` unless it exists; the case id when opened now. */
  async ensureFor(orgId: string): Promise<string | null> {
    const committee = await this.orgs.cityCommitteeAbove(orgId);
    if (!committee || this.started.has(committee.id)) return null;
    try {
      const record = await this.ds.transaction((em) =>
        this.engine.openCaseIn(
          em,
          SYSTEM_PRINCIPAL,
          this.registry.latest(ORG_LIFE_WATCH_KEY),
          { orgId: committee.id },
          {},
          'org-life',
        ),
      );
      this.started.add(committee.id);
      this.logger.log(`组织生活监测已启动：${committee.id}（case ${record.id}）`);
      return record.id;
    } catch (e) {
      // already watched (409 DUPLICATE, or a concurrent first record won the once-key)
      if (e instanceof AppError && e.code === 'DUPLICATE') {
        this.started.add(committee.id);
        return null;
      }
      throw e;
    }
  }
}
