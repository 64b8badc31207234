import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Matches } from 'class-validator';

export class CalendarDaysQueryDto {
  @ApiProperty({ example: '2026-12-01' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'from 必须是 YYYY-MM-DD 日期' })
  from: string;

  @ApiProperty({ example: '2026-12-31' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'to 必须是 YYYY-MM-DD 日期' })
  to: string;
}

/** One day of the statutory calendar. */
export class CalendarDayView {
  @ApiProperty({ example: '2026-10-01' }) date: string;
  @ApiProperty() working: boolean;
  @ApiProperty() weekend: boolean;
  @ApiPropertyOptional({ example: '国庆节' }) holiday?: string;
  @ApiPropertyOptional({ example: '国庆节调休' }) makeup?: string;
  @ApiProperty({ description: '该年度节假日安排尚未公布，按周末和法律规定的节日推算（调休待公布）' })
  provisional: boolean;
}

/** A party organization in the directory (names only, not scoped). */
export class OrgDirectoryEntry {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() type: string;
  @ApiPropertyOptional({ nullable: true, type: String }) county: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'uuid' }) parentId: string | null;
}
