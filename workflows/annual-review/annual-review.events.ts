import {
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsIsoDate } from '../../libs/common/iso-date.validator';

export const RATINGS = ['excellent', 'qualified', 'basically_qualified', 'unqualified'] as const;
export type Rating = (typeof RATINGS)[number];

/** `POST /cases` input (a campaign opens one case per organization with the same input). */
export class AnnualReviewCreateInput {
  @IsInt()
  @Min(2000)
  @Max(2100)
  year: number;

  @IsOptional()
  @IsUUID()
  campaignId?: string;
}

/** 个人自评: the members who handed in a self-assessment. */
export class RecordSelfAssessmentsPayload {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsUUID(undefined, { each: true })
  memberIds: string[];
}

/** 党员互评. */
export class RecordPeerReviewPayload {
  @IsOptional()
  @IsIsoDate()
  heldOn?: string;
}

/** 组织生活会 with 支部讲评. */
export class RecordMeetingPayload {
  @IsIsoDate()
  heldOn: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(8000)
  branchComment: string;
}

/** 领导点评 (the upper committee's comment; a payload field, distinct from the event's approval comment). */
export class RecordLeaderCommentPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(8000)
  comment: string;
}

/** 民主评议党员: memberId → rating. Keys and values are checked by the rule (records are awkward for decorators). */
export class SubmitRatingsPayload {
  @IsObject()
  ratings: Record<string, Rating>;
}

/** 书记述职. */
export class SubmitReportPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(20000)
  summary: string;

  /** 述职人: the member who gave the report; must be the organization's secretary on record (default: that secretary). */
  @IsOptional()
  @IsUUID()
  reporterId?: string;
}

export class ScorePayload {
  @IsInt()
  @Min(0)
  @Max(100)
  score: number;
}
