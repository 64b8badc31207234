import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';

export class CalendarDaysQueryDto {
  @ApiProperty({ example: '2026-12-01' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'from 必须是 YYYY-MM-DD 日期' })
  from: string;

  @ApiProperty({ example: '2026-12-31' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'to 必须是 YYYY-MM-DD 日期' })
  to: string;
}
