import { Controller, Get, Param, Query, StreamableFile } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiResponse,
  ApiTags,
  OmitType,
} from '@nestjs/swagger';
import { AuditService } from '../../libs/audit/audit.service';
import { attachmentDisposition, LEDGER_MAX_ROWS, XLSX_CONTENT_TYPE } from '../../libs/audit/ledger-export';
import { CurrentUser } from '../../libs/auth/auth.guard';
import type { Principal } from '../../libs/auth/principal';
import { CaseReplayService } from '../../libs/audit/case-replay.service';
import { AuditQueryDto, UrgesQueryDto, VerifyQueryDto } from './dto/case.dto';
import { SupervisionService } from '../../libs/supervision/supervision.service';
import { CaseReplayDto, ReplayQueryDto } from './dto/supervision.dto';
import { ApiErrors } from './api-errors.decorator';
import { AuditEventPage, ErrorBody, UrgePage, VerifyResult } from './dto/responses';

/** The filter of `GET /audit/events` without its paging: the ledger holds every matching event. */
export class AuditExportQueryDto extends OmitType(AuditQueryDto, ['page', 'pageSize', 'cursor'] as const) {}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly replays: CaseReplayService,
    private readonly supervision: SupervisionService,
  ) {}

  @Get('urges')
  @ApiOperation({ summary: '审计：催办记录（谁在何时催办了哪个案件的哪些承办组织），最新在前；可见范围内' })
  @ApiOkResponse({ type: UrgePage })
  @ApiErrors(400, 404)
  urges(@CurrentUser() u: Principal, @Query() q: UrgesQueryDto) {
    return this.supervision.listUrges(u, q);
  }

  @Get('cases/:id/replay')
  @ApiOperation({
    summary: '重演案件：案件在某条历史记录之后的状态（环节和上下文）',
    description:
      '从发起记录起按历史记录的事件、数据和时间重演流程（纯状态机，无副作用）。重演到最后一条记录时返回 matchesCurrent：历史能否完整解释案件的当前状态。',
  })
  @ApiParam({ name: 'id', description: '案件编号' })
  @ApiOkResponse({ type: CaseReplayDto })
  @ApiNotFoundResponse({ description: '案件不存在或不在可见范围（NOT_FOUND）' })
  @ApiResponse({ status: 400, description: '没有该序号的历史记录（VALIDATION_FAILED）' })
  replay(@CurrentUser() u: Principal, @Param('id') id: string, @Query() q: ReplayQueryDto) {
    return this.replays.replay(u, id, q.seq);
  }

  @Get('events')
  @ApiOperation({ summary: '审计：历史记录检索（督导：其下级范围）' })
  @ApiOkResponse({ type: AuditEventPage })
  @ApiErrors(400)
  events(@CurrentUser() u: Principal, @Query() q: AuditQueryDto) {
    return this.audit.events(u, q);
  }

  @Get('verify')
  @ApiOperation({ summary: '校验哈希链（指定案件或全部）' })
  @ApiOkResponse({ type: VerifyResult })
  @ApiErrors(400, 404)
  verify(@CurrentUser() u: Principal, @Query() q: VerifyQueryDto) {
    return this.audit.verify(u, q.caseId);
  }

  @Get('export')
  @ApiOperation({
    summary: '导出台帐（.xlsx）：与 GET /audit/events 相同的筛选条件和可见范围',
    description:
      `工作表「台帐」每条记录一行（序号、时间（北京时间）、流程、案件编号、办理对象、环节（前→后）、事项、办理人、角色、所在组织、意见/说明、哈希）；` +
      `工作表「校验」为所导出案件的哈希链校验结果。单次最多 ${LEDGER_MAX_ROWS} 条，超出时返回 422，请缩小筛选范围。`,
  })
  @ApiProduces(XLSX_CONTENT_TYPE)
  @ApiOkResponse({
    description: `Excel 工作簿；Content-Disposition: attachment; filename*=UTF-8''律师行业党建流程台帐_<时间>.xlsx`,
    schema: { type: 'string', format: 'binary' },
  })
  @ApiResponse({ status: 400, description: '筛选条件无效（VALIDATION_FAILED）', type: ErrorBody })
  @ApiResponse({
    status: 422,
    type: ErrorBody,
    description: `符合条件的记录超过 ${LEDGER_MAX_ROWS} 条（RULE_VIOLATION），请缩小筛选范围`,
  })
  async export(@CurrentUser() u: Principal, @Query() q: AuditExportQueryDto): Promise<StreamableFile> {
    const { fileName, content } = await this.audit.exportLedger(u, q);
    return new StreamableFile(content, {
      type: XLSX_CONTENT_TYPE,
      disposition: attachmentDisposition(fileName),
      length: content.length,
    });
  }
}
