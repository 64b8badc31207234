import { Module } from '@nestjs/common';
import { RegistryModule } from '../registry/registry.module';
import { AppraisalEffects } from './appraisal.effects';
import { CoverageService } from './coverage.service';
import { ResultsRepository } from './results.repository';
import { ResultsService } from './results.service';
import { EngineModule } from '../engine/engine.module';

/** Reports over the registry (coverage; read-only queries, a replica can serve them). */
@Module({
  imports: [EngineModule, RegistryModule],
  providers: [CoverageService, ResultsRepository, ResultsService, AppraisalEffects],
  exports: [CoverageService, ResultsService],
})
export class ReportsModule {}
