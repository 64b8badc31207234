import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../../libs/auth/auth.guard';
import { isAdmin, Principal } from '../../libs/auth/principal';
import { AppError } from '../../libs/common/app-error';
import { CalendarYearsService } from '../../libs/timers/calendar-years.service';
import { WorkingCalendar } from '../../libs/calendar/working-calendar';
import { CalendarDaysQueryDto, CalendarDayView } from './dto/calendar.dto';
import { ApiErrors } from './api-errors.decorator';
import { CalendarYearAdded, CalendarYearView } from './dto/responses';

/** The statutory calendar: which years have data, and (admins) adding the yearly State Council notice. */
@ApiTags('calendar')
@ApiBearerAuth()
@Controller('calendar')
export class CalendarController {
  constructor(
    private readonly years: CalendarYearsService,
    private readonly calendar: WorkingCalendar,
  ) {}

  /** Each day from `from` to `to` (at most 400): working or not, holiday or make-up day, provisional (forms show it on their date pickers). */
  @Get('days')
  @ApiOkResponse({ type: [CalendarDayView] })
  @ApiErrors(400)
  days(@Query() q: CalendarDaysQueryDto) {
    const out = [];
    let d = q.from;
    for (let i = 0; d <= q.to && i < 400; i++, d = this.calendar.addDays(d, 1)) out.push(this.calendar.describeDay(d));
    return out;
  }

  @Get('years')
  @ApiOperation({ summary: '已有法定节假日安排的年份' })
  @ApiOkResponse({ type: [CalendarYearView] })
  list() {
    return this.years.list();
  }

  @Post('years')
  @ApiOperation({ summary: '加入一年的法定节假日安排（管理员）；暂定期限随之重算' })
  @ApiCreatedResponse({ type: CalendarYearAdded })
  @ApiErrors(400, 403)
  @ApiBody({ description: 'config/calendars/<year>.json 格式的节假日安排', schema: { type: 'object' } })
  add(@CurrentUser() u: Principal, @Body() body: Record<string, unknown>) {
    if (!isAdmin(u)) throw AppError.forbidden('仅管理员可以加入节假日安排');
    return this.years.add(body, u.username);
  }
}
