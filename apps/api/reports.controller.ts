import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../../libs/auth/auth.guard';
import type { Principal } from '../../libs/auth/principal';
import { CoverageService } from '../../libs/reports/coverage.service';
import { CoverageReport } from './dto/responses';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('reports')
export class ReportsController {
  constructor(private readonly coverage: CoverageService) {}

  @Get('coverage')
  @ApiOperation({ summary: '律师行业党的组织和工作覆盖情况（按市、县）及未覆盖律师事务所' })
  @ApiOkResponse({ type: CoverageReport })
  coverageReport(@CurrentUser() u: Principal) {
    return this.coverage.report(u);
  }
}
