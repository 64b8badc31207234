import { Module } from '@nestjs/common';
import { AppraisalsRepository } from './appraisals.repository';
import { FirmsRepository } from './firms.repository';
import { MemberChangesRepository } from './member-changes.repository';
import { MembersRepository } from './members.repository';
import { OrganizationsRepository } from './organizations.repository';
import { RegistryService } from './registry.service';

/** The registry: organizations, firms and members (with the members' change log), their repositories and the scoped read/write service. */
@Module({
  providers: [
    OrganizationsRepository,
    FirmsRepository,
    MembersRepository,
    MemberChangesRepository,
    AppraisalsRepository,
    RegistryService,
  ],
  exports: [
    OrganizationsRepository,
    FirmsRepository,
    MembersRepository,
    MemberChangesRepository,
    AppraisalsRepository,
    RegistryService,
  ],
})
export class RegistryModule {}
