import { Injectable } from '@nestjs/common';
import { EffectContext, EffectHandler, EffectOf } from '../engine/engine-extensions';
import { OrganizationsRepository } from '../registry/organizations.repository';

/** Effect `org.setTerm` of the branch-term procedure: the secretary and current term, stored on the organization. */
@Injectable()
export class BranchTermEffects {
  constructor(private readonly orgs: OrganizationsRepository) {}

  @EffectHandler('org.setTerm')
  async setTerm(effect: EffectOf<'org.setTerm'>, ctx: EffectContext): Promise<void> {
    await this.orgs.setTerm(ctx.em, effect.orgId, {
      secretaryId: effect.secretaryId,
      termStartedOn: effect.termStartedOn,
      termEndsOn: effect.termEndsOn,
    });
  }
}
