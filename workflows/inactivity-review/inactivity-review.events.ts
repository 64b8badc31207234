import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
} from 'class-validator';

/**
 * 党章 art. 9: 连续六个月不参加党的组织生活，或不交纳党费，或不做党所分配的工作. Assigned work is recorded
 * nowhere, so the detector flags the first two.
 */
export const INACTIVITY_GROUNDS = ['org_life', 'dues'] as const;
export type InactivityGround = (typeof INACTIVITY_GROUNDS)[number];

/** What the detector opens a review with (the flags it raised, as stored by libs/org-life). */
export class InactivityReviewCreateInput {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @ArrayUnique()
  @IsUUID(undefined, { each: true })
  flagIds: string[];

  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(INACTIVITY_GROUNDS, { each: true })
  grounds: InactivityGround[];

  /** first month of the earliest window (YYYY-MM) */
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/)
  windowStart: string;

  /** last month of the latest window (YYYY-MM) */
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/)
  windowEnd: string;

  /** the evidence in words, as shown to the clerk */
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  summary: string;
}

/** The clerk opens a non-conforming case; the grounds default to the detector's summary. */
export class OpenNonconformingPayload {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  grounds?: string;
}

/** Dismissing a flag needs the reason (e.g. 因病长期住院，已请假). */
export class DismissPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason: string;
}
