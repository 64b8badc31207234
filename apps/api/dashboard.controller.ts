import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../../libs/auth/auth.guard';
import type { Principal } from '../../libs/auth/principal';
import { DashboardService } from '../../libs/reports/dashboard.service';
import { OverdueReportDto, RecruitmentPipelineDto, ReportScopeQueryDto } from './dto/supervision.dto';
import { ApiErrors } from './api-errors.decorator';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('reports')
export class DashboardController {
  constructor(private readonly dashboards: DashboardService) {}

  @Get('overdue')
  @ApiOperation({
    summary: '逾期案件：按应办理的组织和流程统计（可见范围内）',
    description:
      '在办案件中，当前环节有期限已过的，按应办理该环节的组织（期限所属的当事方）和流程计数，附最早逾期时间。',
  })
  @ApiOkResponse({ type: OverdueReportDto })
  @ApiErrors(400)
  overdue(@CurrentUser() u: Principal, @Query() q: ReportScopeQueryDto) {
    return this.dashboards.overdue(u, q);
  }

  @Get('recruitment-pipeline')
  @ApiOperation({ summary: '发展党员各阶段、各环节的在办人数，及已办结案件按结果统计（可见范围内）' })
  @ApiOkResponse({ type: RecruitmentPipelineDto })
  @ApiErrors(400)
  recruitmentPipeline(@CurrentUser() u: Principal, @Query() q: ReportScopeQueryDto) {
    return this.dashboards.recruitmentPipeline(u, q);
  }
}
