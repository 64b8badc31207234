import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser } from '../../libs/auth/auth.guard';
import type { Principal } from '../../libs/auth/principal';
import { CaseQueryService } from '../../libs/engine/case-query.service';
import { EngineService } from '../../libs/engine/engine.service';
import { DataSource } from 'typeorm';
import { CaseQueryDto, CreateCaseDto, SendEventDto } from './dto/case.dto';
import { IdempotencyKey } from './idempotency-key.decorator';

@ApiTags('cases')
@ApiBearerAuth()
@Controller()
export class CasesController {
  constructor(
    private readonly engine: EngineService,
    private readonly cases: CaseQueryService,
    private readonly ds: DataSource,
  ) {}

  @Post('cases')
  @ApiHeader({ name: 'Idempotency-Key', required: false })
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

  @Get('cases') list(@CurrentUser() u: Principal, @Query() q: CaseQueryDto) {
    return this.cases.list(u, q);
  }

  @Get('cases/:id') async one(@CurrentUser() u: Principal, @Param('id') id: string) {
    return this.cases.view(u, await this.engine.findCase(this.ds, u, id));
  }

  @Post('cases/:id/events')
  @ApiHeader({ name: 'Idempotency-Key', required: false })
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

  @Get('cases/:id/history') history(@CurrentUser() u: Principal, @Param('id') id: string) {
    return this.cases.history(u, id);
  }

  @Get('tasks') tasks(@CurrentUser() u: Principal) {
    return this.cases.tasks(u);
  }
}
