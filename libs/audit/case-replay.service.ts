import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { CaseQueryService } from '../engine/case-query.service';
import { EngineService } from '../engine/engine.service';
import { PolicyService } from '../engine/policy.service';
import { WorkflowRegistry } from '../engine/workflow-registry';
import { canonicalJson } from '../engine/canonical-json';
import { currentStepsTitle } from '../engine/state-paths';
import { replayCase, ReplayRow } from './case-replay';

/** `GET /audit/cases/:id/replay?seq=`: a case as it stood at one of its history rows. */
@Injectable()
export class CaseReplayService {
  constructor(
    private readonly ds: DataSource,
    private readonly engine: EngineService,
    private readonly cases: CaseQueryService,
    private readonly registry: WorkflowRegistry,
    private readonly policies: PolicyService,
  ) {}

  async replay(principal: Principal, caseId: string, seq?: number) {
    const record = await this.engine.findCase(principal, caseId);
    const rows = (await this.cases.history(principal, caseId)) as ReplayRow[];
    const last = rows[rows.length - 1]?.seq ?? 0;
    const at = seq ?? last;
    if (!rows.some((r) => r.seq === at))
      throw AppError.validation(
        [{ field: 'seq', errors: [`历史记录序号应在 1 至 ${last} 之间`] }],
        `没有第 ${at} 条历史记录`,
      );
    const def = this.registry.get(record.workflow, record.definitionVersion);
    const replayed = replayCase({
      def,
      subject: record.subject,
      parties: record.parties,
      policyParams: this.policies.byId(record.policyVersion, def).params,
      rows,
      seq: at,
    });
    const eventTitle = replayed.type === 'OPEN' ? '发起' : (def.events[replayed.type]?.title ?? replayed.type);
    return {
      caseId,
      workflow: record.workflow,
      workflowTitle: def.title,
      lastSeq: last,
      ...replayed,
      stateTitle: currentStepsTitle(def, replayed.statePaths),
      eventTitle,
      // at the last row the replay must land where the case is: a check that the history explains the case
      matchesCurrent:
        at === last
          ? canonicalJson(replayed.context) === canonicalJson(record.snapshot.context) &&
            canonicalJson(replayed.state) === canonicalJson(record.state)
          : null,
    };
  }
}
