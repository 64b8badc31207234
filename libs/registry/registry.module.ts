import { Module } from '@nestjs/common';
import { AppraisalsRepository } from './appraisals.repository';
import { FirmsRepository } from './firms.repository';
import { MembersRepository } from './members.repository';
import { OrganizationsRepository } from './organizations.repository';
import { RegistryService } from './registry.service';

/** The registry: organizations, firms and members, their repositories and the scoped read/write service. */
@Module({
  providers: [OrganizationsRepository, FirmsRepository, MembersRepository, AppraisalsRepository, RegistryService],
  exports: [OrganizationsRepository, FirmsRepository, MembersRepository, AppraisalsRepository, RegistryService],
})
export class RegistryModule {}
