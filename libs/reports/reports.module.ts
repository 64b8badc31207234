import { Global, Module } from '@nestjs/common';
import { CoverageService } from './coverage.service';
import { ResultsRepository } from './results.repository';
import { ResultsService } from './results.service';

/** Reports over the registry (coverage; read-only queries, a replica can serve them). */
@Global()
@Module({
  providers: [CoverageService, ResultsRepository, ResultsService],
  exports: [CoverageService, ResultsService],
})
export class ReportsModule {}
