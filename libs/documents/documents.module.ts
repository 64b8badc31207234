import { Module } from '@nestjs/common';
import { DocumentsRepository } from './documents.repository';
import { DocumentsService } from './documents.service';

/** Printable documents (PDF) of cases: transfer letters, receipts, annual-review summaries. */
@Module({ providers: [DocumentsRepository, DocumentsService], exports: [DocumentsService] })
export class DocumentsModule {}
