import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../../libs/auth/auth.guard';
import type { Principal } from '../../libs/auth/principal';
import { CoverageService } from '../../libs/reports/coverage.service';
import { ResultsService } from '../../libs/reports/results.service';
import { ErrorDto } from './dto/error.dto';
import { CoverageReport } from './dto/responses';
import {
  CommendationsDto,
  GradeDto,
  GradesQueryDto,
  GradeUpgradesDto,
  GradeUpgradesQueryDto,
  YearQueryDto,
} from './dto/results.dto';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('reports')
export class ReportsController {
  constructor(
    private readonly coverage: CoverageService,
    private readonly results: ResultsService,
  ) {}

  @Get('grades')
  @ApiOperation({ summary: '党组织年度考核定级（先进 I / 一般 II / 后进 III），本人管辖范围内' })
  @ApiResponse({ status: 200, type: [GradeDto] })
  @ApiResponse({ status: 400, type: ErrorDto, description: 'VALIDATION_FAILED' })
  @ApiResponse({ status: 404, type: ErrorDto, description: 'NOT_FOUND：orgId 不存在或不在管辖范围' })
  grades(@CurrentUser() u: Principal, @Query() q: GradesQueryDto) {
    return this.results.grades(u, q);
  }

  @Get('grade-upgrades')
  @ApiOperation({
    summary: '晋位升级跟踪：某年度定级为一般、后进的党组织，其晋位升级案件进展及次年度定级结果',
  })
  @ApiResponse({ status: 200, type: GradeUpgradesDto })
  @ApiResponse({ status: 400, type: ErrorDto, description: 'VALIDATION_FAILED：year 缺失或无效' })
  @ApiResponse({ status: 404, type: ErrorDto, description: 'NOT_FOUND：orgId 不存在或不在管辖范围' })
  gradeUpgrades(@CurrentUser() u: Principal, @Query() q: GradeUpgradesQueryDto) {
    return this.results.gradeUpgrades(u, q);
  }

  @Get('commendations')
  @ApiOperation({ summary: '“七一”表彰名单：评议为优秀的党员和定级为先进的党组织' })
  @ApiResponse({ status: 200, type: CommendationsDto })
  @ApiResponse({ status: 400, type: ErrorDto, description: 'VALIDATION_FAILED：year 缺失或无效' })
  commendations(@CurrentUser() u: Principal, @Query() q: YearQueryDto) {
    return this.results.commendations(u, q.year);
  }

  @Get('coverage')
  @ApiOperation({ summary: '律师行业党的组织和工作覆盖情况（按市、县）及未覆盖律师事务所' })
  @ApiOkResponse({ type: CoverageReport })
  coverageReport(@CurrentUser() u: Principal) {
    return this.coverage.report(u);
  }
}
