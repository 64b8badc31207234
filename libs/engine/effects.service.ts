import { Injectable, Logger } from '@nestjs/common';
import type { Effect } from '../../workflows/kernel/definition';
import { EffectContext, EngineExtensions } from './engine-extensions';

export type { EffectContext };

/**
 * Performs the effects a transition asked for, one after the other in the order the machine listed them, each
 * by the `@EffectHandler` of its kind (engine-extensions.ts) inside the transition's transaction (`ctx.em`).
 * Registry changes happen there; anything external is written to the outbox and delivered after commit.
 */
@Injectable()
export class EffectsService {
  private readonly logger = new Logger(EffectsService.name);

  constructor(private readonly extensions: EngineExtensions) {}

  async apply(effect: Effect, ctx: EffectContext): Promise<void> {
    const handler = this.extensions.effect(effect.kind);
    if (!handler) {
      this.logger.error(`unknown effect ${effect.kind} from ${ctx.workflow}`);
      throw new Error(`unknown effect ${effect.kind}`);
    }
    await handler(effect, ctx);
  }
}
