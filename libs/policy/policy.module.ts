import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DynamicModule, Module } from '@nestjs/common';
import { PolicyStore } from './policy-store';

/**
 * Where `config/policies` is: beside the sources (`libs/policy/../../config`), beside the build output
 * (`dist/libs/policy/../../config`, copied there as a Nest asset) or under the working directory.
 */
export function defaultPolicyDir(): string {
  const candidates = [resolve(__dirname, '../../config/policies'), resolve(process.cwd(), 'config/policies')];
  return candidates.find((dir) => existsSync(dir)) ?? candidates[0];
}

export interface PolicyModuleOptions {
  /** Directory of the `<id>.json` files; default `config/policies`. */
  dir?: string;
}

export const POLICY_MODULE_OPTIONS = Symbol('POLICY_MODULE_OPTIONS');

const policyProvider = {
  provide: PolicyStore,
  useFactory: (options?: PolicyModuleOptions) => PolicyStore.fromDirectory(options?.dir ?? defaultPolicyDir()),
  inject: [{ token: POLICY_MODULE_OPTIONS, optional: true }],
};

/** Provides the `PolicyStore` loaded from the repository's `config/policies` (a bad file stops the start). */
@Module({ providers: [policyProvider], exports: [PolicyStore] })
export class PolicyModule {
  /** Same, reading another directory. */
  static forRoot(options: PolicyModuleOptions = {}): DynamicModule {
    return { module: PolicyModule, providers: [{ provide: POLICY_MODULE_OPTIONS, useValue: options }] };
  }
}
