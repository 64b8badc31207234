import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsIsoDate } from '../../libs/common/iso-date.validator';

/** Grades that lead on to 晋位升级: II 一般 and III 后进 (a grade I organization has no grade to move up to). */
export const UPGRADABLE_GRADES = ['II', 'III'] as const;
export type UpgradableGrade = (typeof UPGRADABLE_GRADES)[number];

/** What the annual review's completion opens the case with (or a committee clerk by hand). */
export class GradeUpgradeCreateInput {
  /** the year of the grade (年度考核的年度) */
  @IsInt()
  @Min(2000)
  @Max(2100)
  year: number;

  @IsIn(UPGRADABLE_GRADES)
  grade: UpgradableGrade;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  score?: number;
}

/** 晋位升级措施: what the branch will do, and the grade it aims at. */
export class SubmitPlanPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(8000)
  measures: string;

  @IsIn(['I', 'II'])
  targetGrade: 'I' | 'II';
}

export class ReturnPlanPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason: string;
}

export class RecordProgressPayload {
  @IsIsoDate()
  on: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(8000)
  summary: string;
}

/** 验收: the upper committee's judgement of the rectification. */
export class AcceptRectificationPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(8000)
  summary: string;
}
