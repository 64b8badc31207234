import { Injectable } from '@nestjs/common';
import { EffectContext, EffectHandler, EffectOf } from '../engine/engine-extensions';
import { AppraisalsRepository } from '../registry/appraisals.repository';

/** The annual review's results (read back by ResultsService): an organization's grade and the commendations. */
@Injectable()
export class AppraisalEffects {
  constructor(private readonly appraisals: AppraisalsRepository) {}

  @EffectHandler('org.recordGrade')
  async recordGrade(effect: EffectOf<'org.recordGrade'>, ctx: EffectContext): Promise<void> {
    await this.appraisals.recordGrade(ctx.em, { ...effect, caseId: ctx.caseId, at: ctx.at });
  }

  @EffectHandler('commendation.add')
  async commend(effect: EffectOf<'commendation.add'>, ctx: EffectContext): Promise<void> {
    await this.appraisals.commend(ctx.em, { ...effect, caseId: ctx.caseId, at: ctx.at });
  }
}
