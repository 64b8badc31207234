import { Global, Module } from '@nestjs/common';
import { CoverageService } from './coverage.service';

/** Reports over the registry (coverage; read-only queries, a replica can serve them). */
@Global()
@Module({ providers: [CoverageService], exports: [CoverageService] })
export class ReportsModule {}
