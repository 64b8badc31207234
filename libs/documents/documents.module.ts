import { Module } from '@nestjs/common';
import { DocumentsRepository } from './documents.repository';
import { DocumentsService } from './documents.service';
import { EngineModule } from '../engine/engine.module';

/** Printable documents (PDF) of cases: transfer letters, receipts, annual-review summaries. */
@Module({ imports: [EngineModule], providers: [DocumentsRepository, DocumentsService], exports: [DocumentsService] })
export class DocumentsModule {}
