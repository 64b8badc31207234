import {
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  Min,
} from 'class-validator';
import { IsIsoDate } from '../../libs/common/iso-date.validator';
import { OrgRef } from '../kernel/org-ref';

export const BRANCH_FORMATION_TRIGGERS = [
  'manual',
  'firm_establishment_applied',
  'firm_established',
  'branch_office_established',
] as const;
export type BranchFormationTrigger = (typeof BRANCH_FORMATION_TRIGGERS)[number];

/** `POST /cases` input. */
export class BranchFormationCreateInput {
  @IsOptional()
  @IsIn(BRANCH_FORMATION_TRIGGERS)
  trigger?: BranchFormationTrigger;

  /** Date the firm / branch office was established; anchors the 3-month overall deadline. */
  @IsOptional()
  @IsIsoDate()
  establishedOn?: string;

  /** Party organization of the head firm (for a branch office): becomes the guide organization. */
  @IsOptional()
  @IsUUID()
  @OrgRef()
  headFirmOrgId?: string;
}

export class SubmitSurveyPayload {
  @IsInt()
  @Min(0)
  fullMembers: number;

  @IsInt()
  @Min(0)
  probationaryMembers: number;

  @IsBoolean()
  directorIsMember: boolean;

  /** Required by the rule when `directorIsMember` (needed for the 一肩挑 check). */
  @IsOptional()
  @IsUUID()
  directorMemberId?: string;

  /** All party members (full and probationary) working at the firm. */
  @IsArray()
  @ArrayUnique()
  @IsUUID(undefined, { each: true })
  memberIds: string[];

  /** Lets the surveyor record the establishment date when the case was opened before it was known. */
  @IsOptional()
  @IsIsoDate()
  establishedOn?: string;
}

/** Sent by the licensing integration when the firm's establishment is approved while the case runs. */
export class FirmEstablishedPayload {
  @IsIsoDate()
  establishedOn: string;
}

export class SubmitApplicationPayload {
  @IsUUID()
  proposedSecretaryId: string;

  /**
   * Ganzhou: 各律所章程要增加党建内容，明确党组织在律所中发挥政治核心作用 — the firm's charter contains the
   * party-building clauses (checked by the rule, so a missing answer gets its reason, not a bare 400).
   */
  @IsOptional()
  @IsBoolean()
  charterPartyClauses?: boolean;
}

export class ReturnPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason: string;
}

export class RecordElectionPayload {
  @IsIsoDate()
  electedOn: string;

  @IsUUID()
  secretaryId: string;

  /** Branch committee members (including the secretary); empty when no committee is set up. */
  @IsArray()
  @ArrayUnique()
  @IsUUID(undefined, { each: true })
  committeeIds: string[];

  /** Why the director (a member) is not the secretary: the written report to the city committee. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  justification?: string;
}

export class AssignJointBranchPayload {
  @IsUUID()
  @OrgRef()
  jointBranchId: string;

  @IsUUID()
  liaisonMemberId: string;
}

export class AssignInstructorPayload {
  @IsUUID()
  instructorId: string;
}

export class CloseFirmPayload {
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}
