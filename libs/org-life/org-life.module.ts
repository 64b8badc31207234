import { Module } from '@nestjs/common';
import { RegistryModule } from '../registry/registry.module';
import { OrgLifeRepository } from './org-life.repository';
import { OrgLifeService } from './org-life.service';

/** Organizational life: the records, their import and the compliance report. */
@Module({
  imports: [RegistryModule],
  providers: [OrgLifeRepository, OrgLifeService],
  exports: [OrgLifeService, OrgLifeRepository],
})
export class OrgLifeModule {}
