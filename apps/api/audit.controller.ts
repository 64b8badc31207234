import { Body, Controller, Get, HttpCode, Param, Post, Query, Res, StreamableFile } from '@nestjs/common';
import type { Response } from 'express';
import {
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiAcceptedResponse,
  ApiExtraModels,
  ApiParam,
  ApiProduces,
  ApiResponse,
  ApiTags,
  getSchemaPath,
  OmitType,
} from '@nestjs/swagger';
import { AppConfig } from '../../config/app-config';
import { AuditJobsService, AuditJobView } from '../../libs/audit/audit-jobs.service';
import { AuditService } from '../../libs/audit/audit.service';
import { attachmentDisposition, LEDGER_MAX_ROWS, XLSX_CONTENT_TYPE } from '../../libs/audit/ledger-export';
import { CurrentUser } from '../../libs/auth/auth.guard';
import type { Principal } from '../../libs/auth/principal';
import { CaseReplayService } from '../../libs/audit/case-replay.service';
import { AuditQueryDto, UrgesQueryDto, VerifyQueryDto } from './dto/case.dto';
import { SupervisionService } from '../../libs/supervision/supervision.service';
import { CaseReplayDto, ReplayQueryDto } from './dto/supervision.dto';
import { ApiErrors } from './api-errors.decorator';
import { AuditEventPage, AuditJob, ErrorBody, UrgePage, VerifyResult } from './dto/responses';

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
    private readonly jobs: AuditJobsService,
    private readonly config: AppConfig,
  ) {}

  /** Answers 202 with a background job started for the caller, its progress at the Location header. */
  private async accepted(res: Response, u: Principal, kind: 'verify' | 'export', filter = {}): Promise<AuditJobView> {
    const job = await this.jobs.start(u, kind, filter);
    res.status(202).location(`/api/v1/audit/jobs/${job.id}`);
    return job;
  }

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
  @ApiOperation({
    summary: '校验哈希链（指定案件或全部）',
    description:
      '指定案件时当即校验。校验全部记录时，可见范围内的案件不超过 AUDIT_SYNC_VERIFY_MAX_CASES（默认 2000）个则当即返回结果，' +
      '超过则转为后台任务：返回 202 和任务（Location 指向任务进度），与 POST /audit/jobs/verify 相同。',
  })
  @ApiOkResponse({ type: VerifyResult })
  @ApiAcceptedResponse({ type: AuditJob, description: '记录较多，已转为后台任务（AUDIT_JOB_LIMIT 时为 429）' })
  @ApiErrors(400, 404, 429)
  async verify(
    @CurrentUser() u: Principal,
    @Query() q: VerifyQueryDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    if (!q.caseId && (await this.audit.scopeCaseCount(u)) > this.config.AUDIT_SYNC_VERIFY_MAX_CASES)
      return this.accepted(res, u, 'verify');
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
  @ApiAcceptedResponse({
    type: AuditJob,
    description: '记录超过 AUDIT_SYNC_EXPORT_MAX_ROWS（默认 5000）条：已转为后台任务（同 POST /audit/jobs/export）',
  })
  @ApiResponse({ status: 429, type: ErrorBody, description: '后台任务已达每人上限（AUDIT_JOB_LIMIT），见 Retry-After' })
  async export(
    @CurrentUser() u: Principal,
    @Query() q: AuditExportQueryDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile | AuditJobView> {
    if ((await this.audit.exportSize(u, q)) > this.config.AUDIT_SYNC_EXPORT_MAX_ROWS)
      return this.accepted(res, u, 'export', q);
    return ledgerFile(await this.audit.exportLedger(u, q));
  }

  @Post('jobs/verify')
  @HttpCode(202)
  @ApiOperation({
    summary: '发起后台任务：校验全部记录（可见范围内每个案件的哈希链；管理员另比对每日签名检查点）',
    description: `每人同时最多 AUDIT_JOBS_PER_USER（默认 2）个排队或进行中的任务，超出返回 429（AUDIT_JOB_LIMIT，带 Retry-After）。`,
  })
  @ApiAcceptedResponse({
    type: AuditJob,
    headers: { Location: { description: '任务地址', schema: { type: 'string' } } },
  })
  @ApiResponse({ status: 429, type: ErrorBody, description: '任务已达每人上限（AUDIT_JOB_LIMIT），见 Retry-After' })
  startVerify(@CurrentUser() u: Principal, @Res({ passthrough: true }) res: Response) {
    return this.accepted(res, u, 'verify');
  }

  @Post('jobs/export')
  @HttpCode(202)
  @ApiOperation({
    summary: '发起后台任务：导出台帐（请求体为与 GET /audit/export 相同的筛选条件）',
    description: `超过 ${LEDGER_MAX_ROWS} 条时当即返回 422，请缩小筛选范围；每人任务上限同上（429 AUDIT_JOB_LIMIT）。`,
  })
  @ApiAcceptedResponse({
    type: AuditJob,
    headers: { Location: { description: '任务地址', schema: { type: 'string' } } },
  })
  @ApiErrors(400, 422)
  @ApiResponse({ status: 429, type: ErrorBody, description: '任务已达每人上限（AUDIT_JOB_LIMIT），见 Retry-After' })
  startExport(
    @CurrentUser() u: Principal,
    @Body() body: AuditExportQueryDto,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.accepted(res, u, 'export', body);
  }

  @Get('jobs')
  @ApiOperation({ summary: '我的后台任务（最近 50 个，新的在前；完成后保留 RETENTION_AUDIT_JOBS_DAYS 天）' })
  @ApiOkResponse({ type: [AuditJob] })
  listJobs(@CurrentUser() u: Principal) {
    return this.jobs.list(u);
  }

  @Get('jobs/:id')
  @ApiOperation({ summary: '后台任务的进度（done/total）与状态；只能查看本人发起的任务' })
  @ApiParam({ name: 'id', description: '任务编号' })
  @ApiOkResponse({ type: AuditJob })
  @ApiErrors(404)
  getJob(@CurrentUser() u: Principal, @Param('id') id: string) {
    return this.jobs.get(u, id);
  }

  @Get('jobs/:id/result')
  @ApiOperation({
    summary: '后台任务的结果：校验任务返回校验报告（JSON），导出任务返回台帐文件（.xlsx，文件名同 GET /audit/export）',
  })
  @ApiParam({ name: 'id', description: '任务编号' })
  @ApiExtraModels(VerifyResult)
  @ApiProduces('application/json', XLSX_CONTENT_TYPE)
  @ApiOkResponse({
    description: '校验报告或 Excel 工作簿',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(VerifyResult) } },
      [XLSX_CONTENT_TYPE]: { schema: { type: 'string', format: 'binary' } },
    },
  })
  @ApiErrors(404)
  @ApiResponse({ status: 409, type: ErrorBody, description: '任务尚未完成或已失败（AUDIT_JOB_NOT_READY）' })
  async jobResult(@CurrentUser() u: Principal, @Param('id') id: string) {
    const out = await this.jobs.result(u, id);
    return out.kind === 'verify' ? out.result : ledgerFile(out);
  }
}

/** The ledger workbook as a download (the same headers from the synchronous export and from a job). */
function ledgerFile({ fileName, content }: { fileName: string; content: Buffer }): StreamableFile {
  return new StreamableFile(content, {
    type: XLSX_CONTENT_TYPE,
    disposition: attachmentDisposition(fileName),
    length: content.length,
  });
}
