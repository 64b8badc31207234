import { Body, Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsISO8601, IsOptional, Matches } from 'class-validator';
import { Duration } from 'luxon';
import { AppError } from '../../libs/common/app-error';
import { Clock } from '../../libs/engine/clock';
import { ClockSync } from '../../libs/engine/clock-sync.service';
import { TimerDrainService } from '../../libs/timers/timer-drain.service';

export class MoveClockDto {
  @ApiPropertyOptional({ example: 'P30D', description: 'ISO 8601 时长' })
  @IsOptional()
  @Matches(/^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/, { message: 'advance 必须是 ISO 8601 时长，如 P30D、PT2H' })
  advance?: string;

  @ApiPropertyOptional({ example: '2027-01-01T00:00:00+08:00' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'set 必须是 ISO 8601 时间' })
  set?: string;
}

class ClockView {
  @ApiProperty() now: string;
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
    private readonly drain: TimerDrainService,
  ) {}

  @Get() now(): ClockView {
    return { now: this.clock.now().toISOString() };
  }

  @Post()
  @HttpCode(200)
  async move(@Body() dto: MoveClockDto) {
    if (!!dto.advance === !!dto.set) throw AppError.validation([{ field: 'advance', errors: ['advance 与 set 必须且只能提供一个'] }]);
    await this.sync.refresh();
    const now = this.clock.now();
    const target = dto.advance ? new Date(now.getTime() + Duration.fromISO(dto.advance).toMillis()) : new Date(dto.set!);
    if (target.getTime() < now.getTime()) throw new AppError(422, 'CLOCK_BACKWARDS', `时钟只能向前拨动（当前 ${now.toISOString()}）`);
    const moved = await this.sync.moveTo(target);
    const result = await this.drain.drain();
    return { now: moved.toISOString(), fired: result.fired, events: result.events, cancelled: result.cancelled };
  }
}

@Module({ controllers: [ClockController] })
export class ClockModule {}
