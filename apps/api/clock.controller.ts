import { Body, Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsISO8601, IsOptional, Matches } from 'class-validator';
import { Duration } from 'luxon';
import { CurrentUser } from '../../libs/auth/auth.guard';
import { isAdmin, Principal } from '../../libs/auth/principal';
import { AppError } from '../../libs/common/app-error';
import { Clock } from '../../libs/engine/clock';
import { ClockSync } from '../../libs/engine/clock-sync.service';
import { ClockAdvanceService } from '../../libs/timers/clock-advance.service';
import { ApiErrors } from './api-errors.decorator';
import { ClockMoved, ClockView } from './dto/responses';
import { EngineModule } from '../../libs/engine/engine.module';
import { TimersModule } from '../../libs/timers/timers.module';

export class MoveClockDto {
  @ApiPropertyOptional({ example: 'P30D', description: 'ISO 8601 时长' })
  @IsOptional()
  @Matches(/^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/, {
    message: 'advance 必须是 ISO 8601 时长，如 P30D、PT2H',
  })
  advance?: string;

  @ApiPropertyOptional({ example: '2027-01-01T00:00:00+08:00' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'set 必须是 ISO 8601 时间' })
  set?: string;
}

/**
 * Test and demo time control (exists only with CLOCK_CONTROL=1): moves the engine clock forward for
 * every process and returns once every timer stage that fell due has been delivered, in due order.
 */
@ApiTags('clock')
@ApiBearerAuth()
@Controller('_clock')
export class ClockController {
  constructor(
    private readonly clock: Clock,
    private readonly sync: ClockSync,
    private readonly advance: ClockAdvanceService,
  ) {}

  @Get()
  @ApiOperation({ summary: '引擎时钟（仅 CLOCK_CONTROL=1）' })
  @ApiOkResponse({ type: ClockView })
  now(): ClockView {
    return { now: this.clock.now().toISOString() };
  }

  /** Delivers every timer stage that falls due on the way, in due order (see ClockAdvanceService). */
  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: '向前拨动引擎时钟（管理员，仅 CLOCK_CONTROL=1），到期的提醒与事件处理完毕后返回' })
  @ApiOkResponse({ type: ClockMoved })
  @ApiErrors(400, 403, 422)
  async move(@Body() dto: MoveClockDto, @CurrentUser() user: Principal) {
    if (!isAdmin(user)) throw AppError.forbidden('仅管理员可以拨动系统时钟');
    if (!!dto.advance === !!dto.set)
      throw AppError.validation([{ field: 'advance', errors: ['advance 与 set 必须且只能提供一个'] }]);
    await this.sync.refresh();
    const now = this.clock.now();
    const target = dto.advance
      ? new Date(now.getTime() + Duration.fromISO(dto.advance).toMillis())
      : new Date(dto.set!);
    if (target.getTime() < now.getTime())
      throw new AppError(422, 'CLOCK_BACKWARDS', `时钟只能向前拨动（当前 ${now.toISOString()}）`);

    const { now: moved, ...total } = await this.advance.advanceTo(target);
    return { now: moved.toISOString(), ...total };
  }
}

@Module({ imports: [TimersModule, EngineModule], controllers: [ClockController] })
export class ClockModule {}
