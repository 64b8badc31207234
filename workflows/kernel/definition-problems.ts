import type { AnyStateNode } from 'xstate';
import { getMetadataStorage } from 'class-validator';
import type { PayloadClass, WorkflowDefinition } from './definition';
import { looksLikeOrgField, orgRefsOf } from './org-ref';

const HAN = /[\u4e00-\u9fff]/;

/**
 * Problems in a definition's metadata vs. its machine; empty when consistent. Pure (used by the machine
 * specs; stricter than the engine's `checkDefinition`). Checks that:
 * - the machine id is the definition key, and every title (definition, state, deadline, event) is Chinese;
 * - every machine state has StateMeta and every StateMeta is a machine state;
 * - every event the machine accepts has EventMeta and every EventMeta is accepted somewhere;
 * - every open state (neither final nor transient) has actors; final and transient states have no deadlines;
 * - deadlines: amount finite and ≥ 0, a key reused across states carries the same spec, someone to remind
 *   (an own `party` or state actors), and a `fireEvent` is a system event the deadline's own state handles;
 * - events: payload is a class, rule is a function, system events have no actors, and a user event without
 *   its own actors is handled only in states that (themselves or through an ancestor) name actors;
 * - every field of the opening input and of the payloads whose name says it holds an organization id
 *   declares its reach with `@OrgRef` (the engine keeps callers to their scope by it).
 */
export function definitionProblems(def: WorkflowDefinition): string[] {
  const problems: string[] = [];
  const nodes = new Map<string, AnyStateNode>();
  const walk = (node: AnyStateNode) => {
    for (const child of Object.values(node.states ?? {})) {
      nodes.set(child.path.join('.'), child);
      walk(child);
    }
  };
  walk(def.machine.root);
  const handled = (node: AnyStateNode) => Object.keys(node.config.on ?? {});
  const allNodes = [def.machine.root, ...nodes.values()];

  if (def.machine.id !== def.key) problems.push(`machine id ${def.machine.id} ≠ key ${def.key}`);
  if (!HAN.test(def.title)) problems.push('definition title is not Chinese');
  for (const p of nodes.keys()) if (!def.states[p]) problems.push(`state ${p} has no StateMeta`);
  for (const p of Object.keys(def.states)) if (!nodes.has(p)) problems.push(`StateMeta ${p} is no machine state`);

  const accepted = new Set(allNodes.flatMap(handled));
  for (const t of accepted) if (!def.events[t]) problems.push(`event ${t} has no EventMeta`);
  for (const t of Object.keys(def.events))
    if (!accepted.has(t)) problems.push(`EventMeta ${t} is not accepted by the machine`);

  const specs = new Map<string, string>();
  for (const [path, meta] of Object.entries(def.states)) {
    const node = nodes.get(path);
    if (!node) continue;
    if (!HAN.test(meta.title ?? '')) problems.push(`state ${path} has no Chinese title`);
    const isFinal = node.type === 'final';
    const transient = !!node.config.always && !node.config.on;
    if ((isFinal || transient) && meta.deadlines?.length)
      problems.push(`final or transient state ${path} cannot have deadlines`);
    if (!isFinal && !transient && !meta.actors?.length) problems.push(`open state ${path} has no actors`);
    for (const dl of meta.deadlines ?? []) {
      if (!HAN.test(dl.title ?? '')) problems.push(`deadline ${dl.key} has no Chinese title`);
      if (dl.amount < 0 || !Number.isFinite(dl.amount)) problems.push(`deadline ${dl.key} has a bad amount`);
      const json = JSON.stringify(dl);
      if (specs.has(dl.key) && specs.get(dl.key) !== json)
        problems.push(`deadline key ${dl.key} declared with different specs`);
      specs.set(dl.key, json);
      if (!dl.party && !meta.actors?.length) problems.push(`deadline ${dl.key} has nobody to remind`);
      if (dl.fireEvent) {
        if (!def.events[dl.fireEvent]?.system)
          problems.push(`deadline ${dl.key} fires ${dl.fireEvent}, not a system event`);
        if (!handled(node).includes(dl.fireEvent))
          problems.push(`deadline ${dl.key} fires ${dl.fireEvent}, not accepted in ${path}`);
      }
    }
  }

  for (const [t, em] of Object.entries(def.events)) {
    if (!HAN.test(em.title ?? '')) problems.push(`event ${t} has no Chinese title`);
    if (em.payload !== undefined && typeof em.payload !== 'function')
      problems.push(`event ${t} payload is not a class`);
    if (em.rule !== undefined && typeof em.rule !== 'function') problems.push(`event ${t} rule is not a function`);
    if (em.system && em.actors?.length) problems.push(`system event ${t} has actors`);
    if (em.system || em.actors?.length) continue;
    // Without its own actors, the event falls back to the actors of the handling state or an ancestor.
    for (const node of allNodes.filter((n) => handled(n).includes(t))) {
      const chain = node.path.map((_, i) => node.path.slice(0, i + 1).join('.'));
      if (!chain.some((p) => def.states[p]?.actors?.length))
        problems.push(`event ${t} in ${node.path.join('.') || '(root)'} has no actors`);
    }
  }
  const classes: [string, PayloadClass | undefined][] = [
    ['input', def.createInput],
    ...Object.entries(def.events).map(([t, em]) => [`event ${t}`, em.payload] as [string, PayloadClass | undefined]),
  ];
  for (const [where, cls] of classes) {
    if (typeof cls !== 'function') continue;
    const declared = orgRefsOf(cls);
    const fields = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(cls, '', true, false)
        .map((m) => m.propertyName),
    );
    for (const f of fields)
      if (looksLikeOrgField(f) && !declared.has(f))
        problems.push(`${where} field ${f} names an organization without @OrgRef`);
  }
  return problems;
}
