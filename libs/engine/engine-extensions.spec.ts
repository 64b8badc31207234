import { Injectable, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { EntityManager } from 'typeorm';
import { EFFECT_KINDS, EffectKind, WorkflowDefinition } from '../../workflows/kernel/definition';
import {
  EffectContext,
  EffectHandler,
  EffectOf,
  EngineExtensions,
  FactLoader,
  handlerTable,
} from './engine-extensions';
import { WorkflowRegistry } from './workflow-registry';

/** A registry with one definition declaring `facts` (no machine needed: the extensions read only the metadata). */
function workflowsDeclaring(facts: string[]): WorkflowRegistry {
  const registry = new WorkflowRegistry();
  const def = { key: 'demo', version: 1, openingFacts: [], events: { GO: { title: '办理', facts } } };
  jest.spyOn(registry, 'allVersions').mockReturnValue([def as unknown as WorkflowDefinition]);
  return registry;
}

const calls: string[] = [];

/** Handles every effect kind but the ones listed, by one method each. */
function allEffectsBut(...skip: EffectKind[]) {
  @Injectable()
  class AllEffects {}
  for (const kind of EFFECT_KINDS.filter((k) => !skip.includes(k))) {
    const method = `do_${kind.replace('.', '_')}`;
    const fn = async (e: EffectOf<EffectKind>, _ctx: EffectContext) => void calls.push(`${e.kind}`);
    Object.defineProperty(AllEffects.prototype, method, { value: fn, writable: true, configurable: true });
    EffectHandler(kind)(AllEffects.prototype, method, Object.getOwnPropertyDescriptor(AllEffects.prototype, method)!);
  }
  return AllEffects;
}

@Injectable()
class StatusFacts {
  @FactLoader('memberRegistryStatus')
  async status(): Promise<unknown> {
    return 'full';
  }
}

@Injectable()
class OtherStatusFacts {
  @FactLoader('memberRegistryStatus')
  async alsoStatus(): Promise<unknown> {
    return 'probationary';
  }
}

@Injectable()
class SecondCloser {
  @EffectHandler('firm.close')
  async close(): Promise<void> {}
}

async function boot(providers: any[], facts: string[]): Promise<EngineExtensions> {
  @Module({
    imports: [DiscoveryModule],
    providers: [...providers, EngineExtensions, { provide: WorkflowRegistry, useValue: workflowsDeclaring(facts) }],
  })
  class Host {}
  const mod = await Test.createTestingModule({ imports: [Host] }).compile();
  await mod.init();
  return mod.get(EngineExtensions);
}

describe('engine extensions (effect handlers and fact loaders found at boot)', () => {
  it('finds decorated methods on any provider and dispatches to them', async () => {
    const ext = await boot([allEffectsBut(), StatusFacts], ['memberRegistryStatus']);
    await ext.effect('firm.close')!({ kind: 'firm.close', firmId: 'f' }, {} as EffectContext);
    expect(calls).toEqual(['firm.close']);
    expect(await ext.fact('memberRegistryStatus')!({} as EntityManager, { subject: {}, at: new Date() })).toBe('full');
  });

  it('fails the boot naming an effect kind nobody handles', async () => {
    await expect(boot([allEffectsBut('org.setTerm'), StatusFacts], ['memberRegistryStatus'])).rejects.toThrow(
      /effect org\.setTerm has no handler/,
    );
  });

  it('fails the boot naming both handlers of an effect kind handled twice', async () => {
    await expect(boot([allEffectsBut(), SecondCloser, StatusFacts], ['memberRegistryStatus'])).rejects.toThrow(
      /effect firm\.close has 2 handlers: AllEffects\.do_firm_close, SecondCloser\.close/,
    );
  });

  it('fails the boot naming a declared fact without a loader, and who declares it', async () => {
    await expect(boot([allEffectsBut(), StatusFacts], ['memberRegistryStatus', 'fullMemberIdsOfOrg'])).rejects.toThrow(
      /fact fullMemberIdsOfOrg has no handler \(needed by demo@1 GO\)/,
    );
  });

  it('fails the boot on a fact loaded twice', async () => {
    await expect(boot([allEffectsBut(), StatusFacts, OtherStatusFacts], ['memberRegistryStatus'])).rejects.toThrow(
      /fact memberRegistryStatus has 2 handlers: StatusFacts\.status, OtherStatusFacts\.alsoStatus/,
    );
  });

  it('refuses a handler of an unknown effect kind (closed list), but tolerates an unneeded fact loader', () => {
    const needed = new Map([['a', ['x']]]);
    const found = [
      { key: 'a', owner: 'A.a', fn: 1 },
      { key: 'b', owner: 'B.b', fn: 2 },
    ];
    expect(() => handlerTable('effect', found, needed, true)).toThrow(/effect b \(B\.b\) is no known effect/);
    expect([...handlerTable('fact', found, needed).keys()]).toEqual(['a', 'b']);
  });
});
