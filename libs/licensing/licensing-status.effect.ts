import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { EffectContext, EffectHandler, EffectOf } from '../engine/engine-extensions';
import { OutboxRepository } from '../outbox/outbox.repository';
import { LICENSING_STATUS_TOPIC } from './licensing.constants';

/** Effect `licensing.statusChanged`: a case opened from a licensing application announces its party transfer status. */
@Injectable()
export class LicensingStatusEffect {
  constructor(
    private readonly config: AppConfig,
    private readonly outbox: OutboxRepository,
  ) {}

  /**
   * Only with a receiver configured (docs/api.md: "when set") and for cases opened from a licensing application;
   * keyed like the licensing module's own status messages, so each status is announced once. Delivered by
   * LicensingCallbackHandler after commit.
   */
  @EffectHandler('licensing.statusChanged')
  async statusChanged(effect: EffectOf<'licensing.statusChanged'>, ctx: EffectContext): Promise<void> {
    const ref: string | undefined = ctx.context.licensingRef ?? undefined;
    if (!this.config.LICENSING_CALLBACK_URL || !ref) return;
    await this.outbox.enqueue(ctx.em, {
      topic: LICENSING_STATUS_TOPIC,
      caseId: ctx.caseId,
      dedupeKey: `licensing:${ref}:${effect.status}`,
      payload: { caseId: ctx.caseId, applicationRef: ref, partyTransfer: effect.status, at: ctx.at.toISOString() },
    });
  }
}
