import { Body, Controller, Get, Param, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { attachmentDisposition, XLSX_CONTENT_TYPE } from '../../libs/audit/ledger-export';
import { shanghaiDate } from '../../libs/calendar/working-calendar';
import { Clock } from '../../libs/engine/clock';
import { ROSTER_MAX_ROWS } from '../../libs/registry/member-roster';
import { CurrentUser } from '../../libs/auth/auth.guard';
import type { Principal } from '../../libs/auth/principal';
import {
  CreateFirmDto,
  CreateMemberDto,
  CreateOrgDto,
  FirmQueryDto,
  MemberQueryDto,
  MemberRosterQueryDto,
} from '../../libs/registry/dto';
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
    private readonly clock: Clock,
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
  // before members/:id, which would take "export" for an id
  @Get('members/export')
  @ApiOperation({
    summary: '导出党员名册（.xlsx）：与 GET /members 相同的筛选条件和可见范围，不分页',
    description: `身份证号码对非管理员脱敏，性别和出生日期仅管理员可见（与列表相同）。单次最多 ${ROSTER_MAX_ROWS} 名，超出时返回 422，请按党组织分别导出。`,
  })
  @ApiProduces(XLSX_CONTENT_TYPE)
  @ApiOkResponse({
    description: `Excel 工作簿；Content-Disposition: attachment; filename*=UTF-8''党员名册_<范围>_<日期>.xlsx`,
    schema: { type: 'string', format: 'binary' },
  })
  @ApiErrors(400, 404, 422)
  async memberRoster(@CurrentUser() u: Principal, @Query() q: MemberRosterQueryDto) {
    const { fileName, content } = await this.registry.memberRoster(u, q, shanghaiDate(this.clock.now()));
    return new StreamableFile(content, {
      type: XLSX_CONTENT_TYPE,
      disposition: attachmentDisposition(fileName),
      length: content.length,
    });
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
