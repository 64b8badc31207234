import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The error body every 4xx/5xx answers with (see AllExceptionsFilter). */
export class ErrorDto {
  @ApiProperty({ example: 'RULE_VIOLATION', description: '稳定的错误码（大写下划线）' }) code: string;
  @ApiProperty({ example: '输入数据校验失败', description: '中文说明' }) message: string;
  @ApiPropertyOptional({ description: '细节（字段错误、现有案件等）' }) details?: unknown;
}
