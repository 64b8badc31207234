import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser } from '../../libs/auth/auth.guard';
import type { Principal } from '../../libs/auth/principal';
import { CaseQueryService } from '../../libs/engine/case-query.service';
import { EngineService } from '../../libs/engine/engine.service';
import { CaseQueryDto, CreateCaseDto, SendEventDto } from './dto/case.dto';
import { ApiErrors } from './api-errors.decorator';
import { CasePage, CaseView, HistoryEntry, TaskView } from './dto/responses';
import { IdempotencyKey } from './idempotency-key.decorator';

@ApiTags('cases')
@ApiBearerAuth()
@Controller()
export class CasesController {
  constructor(
    private readonly engine: EngineService,
    private readonly cases: CaseQueryService,
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
  @ApiErrors(400)
  list(@CurrentUser() u: Principal, @Query() q: CaseQueryDto) {
    return this.cases.list(u, q);
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
    const { record } = await this.engine.sendEvent(u, id, dto, { idempotencyKey: key });
    res.status(200);
    return this.cases.view(u, record);
  }

  @Get('cases/:id/history')
  @ApiOperation({ summary: '案件历史（哈希链），最早在前；首行为发起' })
  @ApiOkResponse({ type: [HistoryEntry] })
  @ApiErrors(404)
  history(@CurrentUser() u: Principal, @Param('id') id: string) {
    return this.cases.history(u, id);
  }

  @Get('tasks')
  @ApiOperation({ summary: '当前用户的待办，最紧急在前' })
  @ApiOkResponse({ type: [TaskView] })
  tasks(@CurrentUser() u: Principal) {
    return this.cases.tasks(u);
  }
}
