import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { FactName } from '../../workflows/kernel/definition';
import { EngineExtensions, FactScope } from './engine-extensions';

export type { FactScope };

/**
 * Read-only queries a machine may need to decide (declared per event as `facts`, and as `openingFacts`). The
 * engine knows none of them: each is a `@FactLoader` of the module that owns the data (engine-extensions.ts).
 */
@Injectable()
export class FactsService {
  constructor(private readonly extensions: EngineExtensions) {}

  async load(
    em: EntityManager,
    names: FactName[] | undefined,
    scope: FactScope,
  ): Promise<Partial<Record<FactName, unknown>>> {
    const out: Partial<Record<FactName, unknown>> = {};
    for (const name of names ?? []) {
      const loader = this.extensions.fact(name);
      // unreachable after boot (a declared fact without a loader fails it), kept as a clear failure
      if (!loader) throw new Error(`fact ${name} has no loader`);
      out[name] = await loader(em, scope);
    }
    return out;
  }
}
