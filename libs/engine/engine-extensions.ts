import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { EntityManager } from 'typeorm';
import { EFFECT_KINDS } from '../../workflows/kernel/definition';
import type { Effect, EffectKind, FactName } from '../../workflows/kernel/definition';
import { WorkflowRegistry } from './workflow-registry';

/**
 * The engine's extension points. The engine performs effects and loads facts without knowing any of them: the
 * module that owns the data registers a method per effect kind (`@EffectHandler('firm.close')`) or fact name
 * (`@FactLoader('memberRegistryStatus')`) on one of its providers, and `EngineExtensions` finds them at boot
 * through Nest's DiscoveryService (as the licensing event handlers are found). A kind or name that a workflow
 * needs and nobody handles, or that two handle, fails the boot naming them.
 */

/** What an effect handler gets besides the effect: the transition's transaction and case. */
export interface EffectContext {
  /** the transition's transaction: every registry change happens in it (or in a savepoint of it) */
  em: EntityManager;
  caseId: string;
  workflow: string;
  context: Record<string, any>;
  parties: Record<string, string>;
  at: Date;
  /** Opens a follow-up case in the same transaction (provided by the engine to avoid a cycle). */
  openCase: (
    workflow: string,
    subject: Record<string, string | undefined>,
    input: Record<string, unknown>,
    trigger: string,
  ) => Promise<string>;
}

/** What a fact is about: the case's subject, the event's validated payload, the engine's time. */
export interface FactScope {
  subject: { memberId?: string; firmId?: string; orgId?: string };
  data?: any;
  at: Date;
}

export type EffectOf<K extends EffectKind> = Extract<Effect, { kind: K }>;
export type EffectHandlerFn<K extends EffectKind = EffectKind> = (
  effect: EffectOf<K>,
  ctx: EffectContext,
) => Promise<void>;
export type FactLoaderFn = (em: EntityManager, scope: FactScope) => Promise<unknown>;

const EffectHandlerKey = DiscoveryService.createDecorator<EffectKind>();
const FactLoaderKey = DiscoveryService.createDecorator<FactName>();

/** Marks the provider method that performs effects of `kind` (inside the transition's transaction, `ctx.em`). */
export function EffectHandler<K extends EffectKind>(kind: K) {
  return <F extends EffectHandlerFn<K>>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<F>) =>
    EffectHandlerKey(kind)(target, key, descriptor);
}

/** Marks the provider method that loads fact `name` (read-only, through `em`). */
export function FactLoader(name: FactName) {
  return <F extends FactLoaderFn>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<F>) =>
    FactLoaderKey(name)(target, key, descriptor);
}

/** One decorated method found at boot. */
export interface FoundHandler<F> {
  key: string;
  /** `Class.method`, for the boot errors */
  owner: string;
  fn: F;
}

/**
 * Key → handler, refusing (with every problem at once) a key handled twice and a needed key handled by nobody;
 * with `closed`, also a handler of a key outside `needed` (the effect kinds are a closed list: a typo would
 * otherwise sit unused). `needed` maps each key to who needs it.
 */
export function handlerTable<F>(
  what: string,
  found: FoundHandler<F>[],
  needed: Map<string, string[]>,
  closed = false,
): Map<string, F> {
  const problems: string[] = [];
  const byKey = new Map<string, FoundHandler<F>[]>();
  for (const h of found) byKey.set(h.key, [...(byKey.get(h.key) ?? []), h]);
  for (const [key, hs] of byKey) {
    if (hs.length > 1) problems.push(`${what} ${key} has ${hs.length} handlers: ${hs.map((h) => h.owner).join(', ')}`);
    if (closed && !needed.has(key)) problems.push(`${what} ${key} (${hs[0].owner}) is no known ${what}`);
  }
  for (const [key, by] of needed)
    if (!byKey.has(key)) problems.push(`${what} ${key} has no handler (needed by ${by.join(', ')})`);
  if (problems.length) throw new Error(`engine extensions are inconsistent:\n  ${problems.join('\n  ')}`);
  return new Map([...byKey].map(([key, [h]]) => [key, h.fn]));
}

/** Fact names the registered workflows declare (events' `facts`, `openingFacts`), each with who declares it. */
export function declaredFacts(registry: WorkflowRegistry): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (name: string, by: string) => out.set(name, [...(out.get(name) ?? []), by]);
  for (const def of registry.allVersions()) {
    const id = `${def.key}@${def.version}`;
    for (const name of def.openingFacts ?? []) add(name, `${id} opening`);
    for (const [type, meta] of Object.entries(def.events))
      for (const name of meta.facts ?? []) add(name, `${id} ${type}`);
  }
  return out;
}

/** The effect handlers and fact loaders of every module, found at boot. */
@Injectable()
export class EngineExtensions implements OnModuleInit {
  private readonly logger = new Logger(EngineExtensions.name);
  private effectTable = new Map<string, EffectHandlerFn<any>>();
  private factTable = new Map<string, FactLoaderFn>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly workflows: WorkflowRegistry,
  ) {}

  onModuleInit(): void {
    const effects: FoundHandler<EffectHandlerFn<any>>[] = [];
    const facts: FoundHandler<FactLoaderFn>[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, any> | undefined;
      if (!instance || typeof instance !== 'object' || !Object.getPrototypeOf(instance)) continue;
      for (const method of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
        const owner = `${instance.constructor.name}.${method}`;
        const kind = this.discovery.getMetadataByDecorator(EffectHandlerKey, wrapper, method);
        if (kind) effects.push({ key: kind, owner, fn: instance[method].bind(instance) });
        const name = this.discovery.getMetadataByDecorator(FactLoaderKey, wrapper, method);
        if (name) facts.push({ key: name, owner, fn: instance[method].bind(instance) });
      }
    }
    const kinds = new Map<string, string[]>(EFFECT_KINDS.map((k) => [k, ['the workflow kernel (Effect)']]));
    this.effectTable = handlerTable('effect', effects, kinds, true);
    this.factTable = handlerTable('fact', facts, declaredFacts(this.workflows));
    this.logger.debug(`${this.effectTable.size} effect handlers, ${this.factTable.size} fact loaders`);
  }

  effect(kind: string): EffectHandlerFn<any> | undefined {
    return this.effectTable.get(kind);
  }

  fact(name: string): FactLoaderFn | undefined {
    return this.factTable.get(name);
  }
}
