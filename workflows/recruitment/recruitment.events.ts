/** Payload classes of the recruitment (发展党员) workflow, validated by the engine (whitelist, forbid unknown). */
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { IsIsoDate } from '../../libs/common/iso-date.validator';

export const ACTIVIST_METHODS = ['member_recommendation', 'league_recommendation'] as const;
export type ActivistMethod = (typeof ACTIVIST_METHODS)[number];

export const POLITICAL_REVIEW_CONCLUSIONS = ['qualified', 'unqualified'] as const;
export type PoliticalReviewConclusion = (typeof POLITICAL_REVIEW_CONCLUSIONS)[number];

export const CONVERSION_OUTCOMES = ['convert', 'extend', 'cancel'] as const;
export type ConversionOutcome = (typeof CONVERSION_OUTCOMES)[number];

/** 延长预备期最短半年、最长一年（发展党员工作细则）: national, not a policy setting. */
export const EXTEND_MONTHS_MIN = 6;
export const EXTEND_MONTHS_MAX = 12;

/** `POST /cases` input: the application itself (APPLY). */
export class RecruitmentInput {
  @IsIsoDate()
  appliedOn: string;

  /** Optional: the registry's birth date decides; when given it must agree with it. */
  @IsOptional()
  @IsIsoDate()
  birthDate?: string;
}

export class RecordTalkPayload {
  @IsIsoDate()
  talkedOn: string;

  /** The members the branch sent to talk with the applicant (谈话人): full members in the registry. */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  talkerIds: string[];

  /** Optional note on who talked (a title such as 支部书记); the registry's names decide. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  by?: string;
}

export class ConfirmActivistPayload {
  @IsIsoDate()
  confirmedOn: string;

  @IsIn(ACTIVIST_METHODS)
  method: ActivistMethod;
}

export class AssignSponsorsPayload {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  memberIds: string[];
}

export class RecordAssessmentPayload {
  @IsIsoDate()
  on: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  summary: string;
}

export class ConfirmCandidatePayload {
  @IsIsoDate()
  confirmedOn: string;
}

export class AssignIntroducersPayload {
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(2)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  memberIds: string[];
}

export class RecordPoliticalReviewPayload {
  @IsIn(POLITICAL_REVIEW_CONCLUSIONS)
  conclusion: PoliticalReviewConclusion;

  @IsIsoDate()
  on: string;
}

export class RecordTrainingPayload {
  @IsIsoDate()
  from: string;

  @IsIsoDate()
  to: string;

  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  days: number;

  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  hours: number;
}

export class FailPreReviewPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason: string;
}

export class RecordBranchMeetingPayload {
  @IsIsoDate()
  heldOn: string;

  /** Full members due to attend (probationary members do not vote). */
  @IsInt()
  @Min(1)
  eligibleVoters: number;

  /** Full members with a vote present. */
  @IsInt()
  @Min(0)
  present: number;

  @IsInt()
  @Min(0)
  votesFor: number;
}

export class RecordUpperTalkPayload {
  @IsIsoDate()
  on: string;

  /** The committee member or 组织员 the upper committee sent (谈话人): full members in the registry. */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  talkerIds: string[];

  /** Optional note on who talked (a title such as 组织委员). */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  by?: string;
}

export class RejectAdmissionPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason: string;
}

export class RecordOathPayload {
  @IsIsoDate()
  on: string;
}

export class RecordConversionMeetingPayload {
  @IsIsoDate()
  heldOn: string;

  @IsIn(CONVERSION_OUTCOMES)
  outcome: ConversionOutcome;

  /** Required (6–12) when outcome is `extend`; the machine rule refuses it for other outcomes. */
  @ValidateIf((o: RecordConversionMeetingPayload) => o.outcome === 'extend' || o.extendMonths !== undefined)
  @IsInt()
  @Min(EXTEND_MONTHS_MIN)
  @Max(EXTEND_MONTHS_MAX)
  extendMonths?: number;
}

export class ArchivePayload {
  @IsArray()
  @ArrayMinSize(1)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  documents: string[];
}

export class WithdrawApplicationPayload {
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}
