import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../../libs/auth/auth.guard';
import type { Principal } from '../../libs/auth/principal';
import { CampaignsService } from '../../libs/campaigns/campaigns.service';
import { ErrorDto } from './dto/error.dto';
import { CampaignDto, CampaignQueryDto, LaunchAnnualReviewDto } from './dto/campaign.dto';

@ApiTags('campaigns')
@ApiBearerAuth()
@Controller('campaigns')
export class CampaignsController {
  constructor(private readonly campaigns: CampaignsService) {}

  @Post('annual-review')
  @HttpCode(202)
  @ApiOperation({
    summary: '发起年度考核活动（后台为辖区内每个党支部、联合党支部、党总支各开启一件年度考核）',
    description:
      '由上级党委（省、市、县）工作人员发起，orgId 须在其管辖范围内。同一（组织、年度）再次发起时继续原活动：补充新设的组织，重试失败或已取消的组织。',
  })
  @ApiResponse({ status: 202, type: CampaignDto, description: '已受理，后台开启中' })
  @ApiResponse({ status: 400, type: ErrorDto, description: 'VALIDATION_FAILED' })
  @ApiResponse({ status: 403, type: ErrorDto, description: 'FORBIDDEN：非上级党委工作人员' })
  @ApiResponse({ status: 404, type: ErrorDto, description: 'NOT_FOUND：组织不存在' })
  @ApiResponse({ status: 422, type: ErrorDto, description: 'RULE_VIOLATION：辖区内没有需考核的组织' })
  launch(@CurrentUser() u: Principal, @Body() dto: LaunchAnnualReviewDto): Promise<CampaignDto> {
    return this.campaigns.launchAnnualReview(u, dto);
  }

  @Get()
  @ApiOperation({ summary: '年度考核活动列表（本人管辖范围内）' })
  @ApiResponse({ status: 200, type: [CampaignDto] })
  @ApiResponse({ status: 400, type: ErrorDto, description: 'VALIDATION_FAILED' })
  list(@CurrentUser() u: Principal, @Query() q: CampaignQueryDto): Promise<CampaignDto[]> {
    return this.campaigns.list(u, q);
  }

  @Get(':id')
  @ApiOperation({ summary: '年度考核活动进度（总数、已开启、跳过、失败、预计剩余时间）' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, type: CampaignDto })
  @ApiResponse({ status: 404, type: ErrorDto, description: 'NOT_FOUND' })
  one(@CurrentUser() u: Principal, @Param('id') id: string): Promise<CampaignDto> {
    return this.campaigns.view(u, id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: '取消年度考核活动（尚未开启的组织不再开启；已开启的案件不受影响）' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, type: CampaignDto })
  @ApiResponse({ status: 403, type: ErrorDto, description: 'FORBIDDEN' })
  @ApiResponse({ status: 404, type: ErrorDto, description: 'NOT_FOUND' })
  @ApiResponse({ status: 409, type: ErrorDto, description: 'CONCURRENT_UPDATE：活动已结束' })
  cancel(@CurrentUser() u: Principal, @Param('id') id: string): Promise<CampaignDto> {
    return this.campaigns.cancel(u, id);
  }
}
