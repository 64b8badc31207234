import { Controller, Get, Param, StreamableFile } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { attachmentDisposition } from '../../libs/audit/ledger-export';
import { CurrentUser } from '../../libs/auth/auth.guard';
import type { Principal } from '../../libs/auth/principal';
import { DOCUMENT_KINDS, DocumentsService } from '../../libs/documents/documents.service';

export class DocumentAvailabilityDto {
  @ApiProperty({ enum: DOCUMENT_KINDS }) kind: string;
  @ApiProperty({ example: '党员组织关系介绍信' }) title: string;
  @ApiProperty({ description: '现在能否打印' }) available: boolean;
  @ApiPropertyOptional({ description: '不能打印的原因', example: '上级党组织尚未开具介绍信' }) reason?: string;
}

@ApiTags('documents')
@ApiBearerAuth()
@Controller('cases/:id/documents')
export class DocumentsController {
  constructor(private readonly documents: DocumentsService) {}

  @Get()
  @ApiOperation({ summary: '案件可打印的文书及其是否已生成' })
  @ApiParam({ name: 'id', description: '案件编号' })
  @ApiOkResponse({ type: [DocumentAvailabilityDto] })
  @ApiNotFoundResponse({ description: '案件不存在或不在可见范围（NOT_FOUND）' })
  list(@CurrentUser() u: Principal, @Param('id') id: string) {
    return this.documents.list(u, id);
  }

  @Get(':kind')
  @ApiOperation({
    summary: '下载案件文书（PDF，内嵌中文字体）',
    description:
      'transfer-letter：党员组织关系介绍信（全国统一式样：存根、介绍信、回执，含介绍信编号、有效期、接收党组织、党员信息和盖章处），上级党组织开具后可打印；' +
      'transfer-receipt：介绍信回执，党员报到后可打印；annual-review-summary：年度考核评议情况汇总表，评分定级后可打印。' +
      '身份证号码对管理员和经办人员完整显示，对其他人脱敏。',
  })
  @ApiParam({ name: 'id', description: '案件编号' })
  @ApiParam({ name: 'kind', enum: DOCUMENT_KINDS })
  @ApiProduces('application/pdf')
  @ApiOkResponse({
    description: `PDF；Content-Disposition: attachment; filename*=UTF-8''<文书名>_<编号>.pdf`,
    schema: { type: 'string', format: 'binary' },
  })
  @ApiNotFoundResponse({
    description: '案件不存在或不可见（NOT_FOUND）、没有这种文书（NOT_FOUND）或文书尚未生成（DOCUMENT_NOT_AVAILABLE）',
  })
  @ApiResponse({ status: 503, description: '服务器缺少中文字体（PDF_FONT_UNAVAILABLE）' })
  async download(@CurrentUser() u: Principal, @Param('id') id: string, @Param('kind') kind: string) {
    const { fileName, content } = await this.documents.render(u, id, kind);
    return new StreamableFile(content, {
      type: 'application/pdf',
      disposition: attachmentDisposition(fileName),
      length: content.length,
    });
  }
}
