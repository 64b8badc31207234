import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../../libs/auth/auth.guard';
import type { Principal } from '../../libs/auth/principal';
import { CreateFirmDto, CreateMemberDto, CreateOrgDto, FirmQueryDto, MemberQueryDto } from '../../libs/registry/dto';
import { RegistryService } from '../../libs/registry/registry.service';
import { CaseLabelsRepository } from '../../libs/engine/case-labels.repository';
import { OrgDirectoryEntry } from './dto/calendar.dto';
import { ApiErrors } from './api-errors.decorator';
import { FirmView, MemberDetailView, MemberPage, OrgDetail, OrgTreeNode, OrgView } from './dto/responses';

@ApiTags('registry')
@ApiBearerAuth()
@Controller()
export class RegistryController {
  constructor(
    private readonly registry: RegistryService,
    private readonly labels: CaseLabelsRepository,
  ) {}

  /** Every party organization's name and type (not scoped): what a clerk picks a receiving organization from. */
  @Get('orgs/directory')
  @ApiOkResponse({ type: [OrgDirectoryEntry] })
  directory(@Query('q') q?: string) {
    return this.labels.orgDirectory(typeof q === 'string' ? q.slice(0, 40) : undefined);
  }

  @Get('orgs')
  @ApiOperation({ summary: '党组织树（限于可见范围）' })
  @ApiOkResponse({ type: [OrgTreeNode] })
  orgs(@CurrentUser() u: Principal) {
    return this.registry.orgTree(u);
  }
  @Get('orgs/:id')
  @ApiOperation({ summary: '党组织详情及党员人数' })
  @ApiOkResponse({ type: OrgDetail })
  @ApiErrors(404)
  org(@CurrentUser() u: Principal, @Param('id') id: string) {
    return this.registry.org(u, id);
  }
  @Post('orgs')
  @ApiOperation({ summary: '新建党组织' })
  @ApiCreatedResponse({ type: OrgView })
  @ApiErrors(400, 403, 404, 409)
  createOrg(@CurrentUser() u: Principal, @Body() dto: CreateOrgDto) {
    return this.registry.createOrg(u, dto);
  }

  @Get('firms')
  @ApiOperation({ summary: '律师事务所（限于可见范围）' })
  @ApiOkResponse({ type: [FirmView] })
  @ApiErrors(400)
  firms(@CurrentUser() u: Principal, @Query() q: FirmQueryDto) {
    return this.registry.firms(u, q);
  }
  @Get('firms/:id')
  @ApiOperation({ summary: '律师事务所详情' })
  @ApiOkResponse({ type: FirmView })
  @ApiErrors(404)
  firm(@CurrentUser() u: Principal, @Param('id') id: string) {
    return this.registry.firm(u, id);
  }
  @Post('firms')
  @ApiOperation({ summary: '登记律师事务所' })
  @ApiCreatedResponse({ type: FirmView })
  @ApiErrors(400, 403, 409)
  createFirm(@CurrentUser() u: Principal, @Body() dto: CreateFirmDto) {
    return this.registry.createFirm(u, dto);
  }

  @Get('members')
  @ApiOperation({ summary: '党员（限于可见范围）；身份证号对非管理员脱敏' })
  @ApiOkResponse({ type: MemberPage })
  @ApiErrors(400, 403)
  members(@CurrentUser() u: Principal, @Query() q: MemberQueryDto) {
    return this.registry.members(u, q);
  }
  @Get('members/:id')
  @ApiOperation({ summary: '党员详情' })
  @ApiOkResponse({ type: MemberDetailView })
  @ApiErrors(404)
  member(@CurrentUser() u: Principal, @Param('id') id: string) {
    return this.registry.member(u, id);
  }
  @Post('members')
  @ApiOperation({ summary: '登记党员' })
  @ApiCreatedResponse({ type: MemberDetailView })
  @ApiErrors(400, 403, 404, 409)
  createMember(@CurrentUser() u: Principal, @Body() dto: CreateMemberDto) {
    return this.registry.createMember(u, dto);
  }
}
