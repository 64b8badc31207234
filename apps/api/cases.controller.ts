import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser } from '../../libs/auth/auth.guard';
import type { Principal } from '../../libs/auth/principal';
import { CampaignsService } from '../../libs/campaigns/campaigns.service';
import { CaseQueryService } from '../../libs/engine/case-query.service';
import { EngineService } from '../../libs/engine/engine.service';
import { SupervisionService } from '../../libs/supervision/supervision.service';
import { CaseQueryDto, CreateCaseDto, SendEventDto, TasksQueryDto, UrgeDto } from './dto/case.dto';
import { ApiErrors } from './api-errors.decorator';
import { CasePage, CaseView, HistoryEntry, TaskView, UrgeResult } from './dto/responses';
import { IdempotencyKey } from './idempotency-key.decorator';

@ApiTags('cases')
@ApiBearerAuth()
@Controller()
export class CasesController {
  constructor(
    private readonly engine: EngineService,
    private readonly cases: CaseQueryService,
    private readonly supervision: SupervisionService,
    private readonly campaigns: CampaignsService,
  ) {}

  @Post('cases')
  @ApiOperation({ summary: '发起案件（同一 Idempotency-Key 再次提交返回同一案件，200）' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiResponse({ status: 201, description: '已发起', type: CaseView })
  @ApiResponse({ status: 200, description: '同一 Idempotency-Key 的既有案件', type: CaseView })
  @ApiErrors(400, 403, 404, 409, 422)
  async open(
    @CurrentUser() u: Principal,
    @Body() dto: CreateCaseDto,
    @IdempotencyKey() key: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { record, created } = await this.engine.openCase(u, dto, { idempotencyKey: key });
    res.status(created ? 201 : 200);
    return this.cases.view(u, record);
  }

  @Get('cases')
  @ApiOperation({ summary: '案件列表（可见范围内），最近更新在前' })
  @ApiOkResponse({ type: CasePage })
  @ApiErrors(400, 404)
  async list(@CurrentUser() u: Principal, @Query() q: CaseQueryDto) {
    const { campaignId, ...filter } = q;
    const caseIds = campaignId ? await this.campaigns.caseIds(u, campaignId) : undefined;
    return this.cases.list(u, { ...filter, caseIds });
  }

  @Get('cases/:id')
  @ApiOperation({ summary: '案件详情；availableEvents 为当前用户此刻可执行的事件' })
  @ApiOkResponse({ type: CaseView })
  @ApiErrors(404)
  async one(@CurrentUser() u: Principal, @Param('id') id: string) {
    return this.cases.view(u, await this.engine.findCase(u, id));
  }

  @Post('cases/:id/events')
  @ApiOperation({ summary: '发送事件（办理一步）：一次事务完成状态转移、历史记录与期限重排' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiOkResponse({ description: '转移后的案件', type: CaseView })
  @ApiErrors(400, 403, 404, 409, 422)
  async send(
    @CurrentUser() u: Principal,
    @Param('id') id: string,
    @Body() dto: SendEventDto,
    @IdempotencyKey() key: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    // the transition's own statement reads what the view shows besides the case row (one round trip, not two)
    const { record, viewExtras } = await this.engine.sendEvent(u, id, dto, {
      idempotencyKey: key,
      withViewExtras: true,
    });
    res.status(200);
    return this.cases.view(u, record, viewExtras);
  }

  @Get('cases/:id/history')
  @ApiOperation({ summary: '案件历史（哈希链），最早在前；首行为发起' })
  @ApiOkResponse({ type: [HistoryEntry] })
  @ApiErrors(404)
  history(@CurrentUser() u: Principal, @Param('id') id: string) {
    return this.cases.history(u, id);
  }

  @Post('cases/:id/urge')
  @ApiOperation({
    summary: '督办催办：通知当前承办组织尽快办理逾期案件（同一案件每日一次）',
    description:
      '督查员（其下级范围）、系统管理员、负责监督该流程的组织部门（发展党员）可催办已逾期的在办案件：通知当前承办组织的经办人（站内、邮件、机器人），并记入催办记录（GET /audit/urges）。当日已催办过则返回那次催办（200，repeated 为 true），不再重复通知。催办不改变流程，也不写入案件历史。',
  })
  @ApiResponse({ status: 201, description: '已催办', type: UrgeResult })
  @ApiResponse({ status: 200, description: '今日已催办过（repeated）', type: UrgeResult })
  @ApiErrors(400, 403, 404, 422)
  async urge(
    @CurrentUser() u: Principal,
    @Param('id') id: string,
    @Body() dto: UrgeDto,
    @Res({ passthrough: true }) res: Response,
  ) {
    const result = await this.supervision.urge(u, id, dto);
    res.status(result.repeated ? 200 : 201);
    return result;
  }

  /**
   * The caller's tasks (an array, as before), one page at a time: `?page=&pageSize=`; the total (exact up to
   * 10 000, else "at least") in `X-Total-Count`, the page in `X-Page` / `X-Page-Size`. After the tasks come the
   * caller's supervision items (kind `supervision`: overdue cases raised to its level, to urge).
   */
  @Get('tasks')
  @ApiOperation({
    summary:
      '当前用户的待办，最紧急在前；其后为督办事项（kind=supervision）（分页：page、pageSize；总数见 X-Total-Count）',
  })
  @ApiOkResponse({
    type: [TaskView],
    headers: {
      'X-Total-Count': { description: '待办总数（超过 10000 时为下限）', schema: { type: 'integer' } },
      'X-Page': { description: '页码', schema: { type: 'integer' } },
      'X-Page-Size': { description: '每页条数', schema: { type: 'integer' } },
    },
  })
  @ApiErrors(400)
  async tasks(@CurrentUser() u: Principal, @Query() q: TasksQueryDto, @Res({ passthrough: true }) res: Response) {
    const { items, total, page, pageSize } = await this.supervision.inbox(u, q);
    res.setHeader('X-Total-Count', String(total));
    res.setHeader('X-Page', String(page));
    res.setHeader('X-Page-Size', String(pageSize));
    return items;
  }
}
