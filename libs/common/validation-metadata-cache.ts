import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

const installed = Symbol.for('partyflow.validationMetadataCache');

/**
 * Remembers class-validator's answer to "which rules apply to this class": `getTargetValidationMetadatas` tests
 * every decorated class of the application for inheritance on every call (typestack/class-validator#2686), and
 * in this application, with a few hundred DTO and payload classes, that scan was a quarter of the CPU of a
 * licensing event and the largest single cost of a validated request. The answer cannot change once a class
 * exists: its own and its ancestors' decorators have all run by then, and classes defined later only add rules
 * of their own. Twenty's server wraps the same method the same way. Idempotent; the storage is
 * class-validator's process-wide singleton, so once per process is enough.
 */
export function cacheValidationMetadata(): void {
  const storage = getMetadataStorage() as ReturnType<typeof getMetadataStorage> & { [installed]?: true };
  if (storage[installed]) return;
  storage[installed] = true;
  const lookUp = storage.getTargetValidationMetadatas.bind(storage);
  // keyed by the class itself (class-validator's own parameter type is `Function`)
  const byTarget = new WeakMap<object, Map<string, ValidationMetadata[]>>();
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    let answers = byTarget.get(target);
    if (!answers) byTarget.set(target, (answers = new Map()));
    const key = `${schema}\u0000${always}\u0000${strictGroups}\u0000${groups?.join('\u0001') ?? ''}`;
    let answer = answers.get(key);
    if (!answer) answers.set(key, (answer = lookUp(target, schema, always, strictGroups, groups)));
    return answer;
  };
}
