import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsIsoDate } from '../../libs/common/iso-date.validator';

export const NONCONFORMING_TRIGGERS = ['branch', 'annual_rating', 'pocket_member', 'discipline', 'inactivity'] as const;
export type NonconformingTrigger = (typeof NONCONFORMING_TRIGGERS)[number];

/** 限期改正 / 劝其退党 / 除名, from the mildest to the most severe. */
export const MEASURES = ['correction', 'persuasion', 'removal'] as const;
export type Measure = (typeof MEASURES)[number];

/** `POST /cases` input (also what the automatic openers send). */
export class NonconformingCreateInput {
  @IsOptional()
  @IsIn(NONCONFORMING_TRIGGERS)
  trigger?: NonconformingTrigger;

  /** 不合格表现 as known at opening; PROPOSE may restate it. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  grounds?: string;

  @IsOptional()
  @IsIn(MEASURES)
  measure?: Measure;
}

/** Measure and grounds may be left out when already known from the opening or an earlier round. */
export class ProposePayload {
  @IsOptional()
  @IsIn(MEASURES)
  measure?: Measure;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  grounds?: string;
}

export class ReasonPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason: string;
}

export class OptionalReasonPayload {
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}

export class RecordInvestigationPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(5000)
  findings: string;
}

/** 谈话: by two full members of the branch. */
export class RecordTalkPayload {
  @IsIsoDate()
  on: string;

  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(2)
  @ArrayUnique()
  @IsUUID(undefined, { each: true })
  by: string[];
}

/** 支部大会: the member's right of defense (申辩) must be recorded. */
export class RecordMeetingPayload {
  @IsIsoDate()
  heldOn: string;

  /** Date the member was told of the meeting (and of the right to defend). */
  @IsIsoDate()
  memberNotifiedOn: string;

  /** The member's defense (申辩意见); required unless `defenseWaived`. */
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  defense?: string;

  /** The member declined to defend (放弃申辩). */
  @IsOptional()
  @IsBoolean()
  defenseWaived?: boolean;

  @IsInt()
  @Min(1)
  eligibleVoters: number;

  @IsInt()
  @Min(0)
  present: number;

  @IsInt()
  @Min(0)
  votesFor: number;
}

export class ApprovePayload {
  @IsIn(MEASURES)
  measure: Measure;

  /** Only with `correction`: the period in months (policy default 6, at most 12). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(12)
  correctionMonths?: number;
}

export class ReviewCorrectionPayload {
  @IsBoolean()
  corrected: boolean;
}

export class AppealPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(5000)
  grounds: string;
}

/** 停止党籍: the member has been out of contact since this date. */
export class SuspendMembershipPayload {
  @IsIsoDate()
  lostContactSince: string;
}

/** 留党察看 is one year or two (党章 art. 40: 最长不超过两年). */
export const PARTY_PROBATION_YEARS = [1, 2] as const;

/**
 * 留党察看 decided for the member instead of an organizational measure: a party discipline (党纪处分) covers the
 * same conduct, so the case ends and the registry holds the discipline until its period runs out.
 */
export class RecordPartyProbationPayload {
  /** The day the discipline was approved (from then on the member is under 留党察看). */
  @IsIsoDate()
  decidedOn: string;

  @IsIn(PARTY_PROBATION_YEARS)
  years: (typeof PARTY_PROBATION_YEARS)[number];

  /** 处分决定文号, when there is one. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  decisionNo?: string;
}
