import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../../libs/auth/auth.guard';
import type { Principal } from '../../libs/auth/principal';
import { PolicyOverviewService } from '../../libs/reports/policy-overview.service';
import { PoliciesQueryDto, PolicyOverviewDto } from './dto/supervision.dto';
import { ApiErrors } from './api-errors.decorator';

@ApiTags('policies')
@ApiBearerAuth()
@Controller('policies')
export class PoliciesController {
  constructor(private readonly policies: PolicyOverviewService) {}

  @Get()
  @ApiOperation({
    summary: '地区适用的规则版本，以及各流程每个期限的规则和出处（只读）',
    description: '规则文件位于 config/policies，由管理员随版本发布；此处只读展示。',
  })
  @ApiOkResponse({ type: PolicyOverviewDto })
  @ApiErrors(400)
  @ApiNotFoundResponse({ description: '该地区没有已启用的规则（NOT_FOUND）' })
  overview(@CurrentUser() u: Principal, @Query() q: PoliciesQueryDto) {
    return this.policies.overview(u, q);
  }
}
