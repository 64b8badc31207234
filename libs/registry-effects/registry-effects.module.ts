import { Module } from '@nestjs/common';
import { EngineModule } from '../engine/engine.module';
import { RegistryModule } from '../registry/registry.module';
import { RegistryEffects } from './registry.effects';
import { RegistryFacts } from './registry.facts';

/**
 * The registry's side of the procedures: the `@EffectHandler`s that change members, organizations and firms,
 * and the `@FactLoader`s that read them (and a member's record of cases). A module of its own above the engine
 * and the registry: the engine imports the registry (scope, parties), so the registry cannot import the engine's
 * extension points itself.
 */
@Module({
  imports: [EngineModule, RegistryModule],
  providers: [RegistryEffects, RegistryFacts],
})
export class RegistryEffectsModule {}
