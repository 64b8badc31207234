import { Module } from '@nestjs/common';
import { RetentionRepository } from './retention.repository';
import { RetentionService } from './retention.service';
import { EngineModule } from '../engine/engine.module';

/** Periodic deletion of what no longer serves anyone (run by the worker role). */
@Module({ imports: [EngineModule], providers: [RetentionRepository, RetentionService], exports: [RetentionService] })
export class RetentionModule {}
