import { Module } from '@nestjs/common';
import { AppraisalsRepository } from './appraisals.repository';
import { FirmsRepository } from './firms.repository';
import { ID_NUMBER_CIPHER_PROVIDER } from './id-numbers-at-rest';
import { MemberChangesRepository } from './member-changes.repository';
import { MemberIdNumbersRepository } from './member-id-numbers.repository';
import { MembersRepository } from './members.repository';
import { OrganizationsRepository } from './organizations.repository';
import { RegistryService } from './registry.service';

/**
 * The registry: organizations, firms and members (with the members' change log), their repositories and the
 * scoped read/write service, and the IdNumberCipher every module that reads or writes `members.id_number` uses
 * (ready once the stored ID numbers are all sealed with the configured key).
 */
@Module({
  providers: [
    OrganizationsRepository,
    FirmsRepository,
    MembersRepository,
    MemberChangesRepository,
    MemberIdNumbersRepository,
    ID_NUMBER_CIPHER_PROVIDER,
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
    ID_NUMBER_CIPHER_PROVIDER,
  ],
})
export class RegistryModule {}
