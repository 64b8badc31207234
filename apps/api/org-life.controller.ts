import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../../libs/auth/auth.guard';
import type { Principal } from '../../libs/auth/principal';
import { AppError } from '../../libs/common/app-error';
import { IMPORT_MAX_BYTES } from '../../libs/org-life/org-life-import';
import { BranchTermService } from '../../libs/org-life/branch-term.service';
import { InactivityDetectorService } from '../../libs/org-life/inactivity-detector.service';
import { OrgLifeService } from '../../libs/org-life/org-life.service';
import { ApiErrors } from './api-errors.decorator';
import {
  DuesRecordedDto,
  ImportQueryDto,
  ImportReportDto,
  InactiveMembersQueryDto,
  InactiveMembersReportDto,
  MeetingRecordedDto,
  MemberOrgLifeDto,
  OrgTermDto,
  OrgLifeReportDto,
  OrgLifeReportQueryDto,
  RecordDuesDto,
  RecordMeetingDto,
  SetSecretaryDto,
} from './dto/org-life.dto';

/** Organizational life (组织生活): meetings, attendance and dues, entered or imported by branch clerks. */
@ApiTags('org-life')
@ApiBearerAuth()
@Controller()
export class OrgLifeController {
  constructor(
    private readonly orgLife: OrgLifeService,
    private readonly detector: InactivityDetectorService,
    private readonly terms: BranchTermService,
  ) {}

  @Post('org-life/meetings')
  @ApiOperation({
    summary: '登记组织生活会议（党员大会、支委会、党小组会、党课、主题党日）及出席、缺席情况',
    description:
      '出席和缺席的党员须在会议当日属于该支部（以信息库当日记录为准）；同一组织同日同类型同主题的会议只能登记一次。',
  })
  @ApiResponse({ status: 201, type: MeetingRecordedDto })
  @ApiErrors(400, 403, 404, 409, 422)
  meeting(@CurrentUser() u: Principal, @Body() dto: RecordMeetingDto): Promise<MeetingRecordedDto> {
    return this.orgLife.recordMeeting(u, dto);
  }

  @Post('org-life/dues')
  @ApiOperation({
    summary: '登记某月党费交纳情况',
    description: '每名党员每月一条；交纳党费的党员须在该月属于该支部。',
  })
  @ApiResponse({ status: 201, type: DuesRecordedDto })
  @ApiErrors(400, 403, 404, 409, 422)
  dues(@CurrentUser() u: Principal, @Body() dto: RecordDuesDto): Promise<DuesRecordedDto> {
    return this.orgLife.recordDues(u, dto);
  }

  @Post('org-life/import')
  @UseInterceptors(FileInterceptor('file', { limits: { fileSize: IMPORT_MAX_BYTES, files: 1, fields: 5 } }))
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary', description: 'xlsx 或 csv（UTF-8）' } },
    },
  })
  @ApiOperation({
    summary: '从 xlsx 或 csv 导入会议与党费记录（全部通过才写入）',
    description:
      '表头：类型（会议/党费）、日期（会议为 YYYY-MM-DD，党费为 YYYY-MM）、会议类型、主题、身份证号、姓名、出席（出席/缺席）、缺席原因、金额。' +
      '任何一行被拒绝时返回 422，details 为导入报告（refused 列出行号和原因），不写入任何记录。',
  })
  @ApiResponse({ status: 201, type: ImportReportDto })
  @ApiErrors(400, 403, 404, 409, 413, 422)
  import(
    @CurrentUser() u: Principal,
    @Query() q: ImportQueryDto,
    @UploadedFile() file?: { buffer: Buffer; originalname: string; mimetype: string; size: number },
  ): Promise<ImportReportDto> {
    if (!file?.buffer)
      throw AppError.validation([{ field: 'file', errors: ['请上传 xlsx 或 csv 文件（字段名 file）'] }]);
    return this.orgLife.importFile(u, q.orgId, file, { dryRun: q.dryRun });
  }

  @Get('members/:id/org-life')
  @ApiOperation({ summary: '党员的组织生活记录：参加或缺席的会议、各月党费' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, type: MemberOrgLifeDto })
  @ApiErrors(404)
  member(@CurrentUser() u: Principal, @Param('id') id: string): Promise<MemberOrgLifeDto> {
    return this.orgLife.memberRecord(u, id);
  }

  @Get('reports/org-life')
  @HttpCode(200)
  @ApiOperation({
    summary: '组织生活落实情况（按支部、季度）：各类会议召开次数与规定要求对照、党费月份、无任何参加记录的党员',
  })
  @ApiResponse({ status: 200, type: OrgLifeReportDto })
  @ApiErrors(400, 404)
  report(@CurrentUser() u: Principal, @Query() q: OrgLifeReportQueryDto): Promise<OrgLifeReportDto> {
    return this.orgLife.complianceReport(u, q);
  }

  @Get('reports/inactive-members')
  @ApiOperation({
    summary: '长期不参加组织生活的党员：每日检查发现的标记、认定依据及支部核查结果',
    description:
      '党章第九条：连续六个月（政策 orgLife.inactivityMonths）不参加党的组织生活，或不交纳党费，任一即标记（不做党所分配的工作无记录可查）。' +
      '每条标记对应支部的一项核查待办；是否启动不合格党员处置由支部决定。',
  })
  @ApiResponse({ status: 200, type: InactiveMembersReportDto })
  @ApiErrors(400, 404)
  inactive(@CurrentUser() u: Principal, @Query() q: InactiveMembersQueryDto): Promise<InactiveMembersReportDto> {
    return this.detector.report(u, q);
  }

  @Put('orgs/:id/secretary')
  @HttpCode(200)
  @ApiOperation({
    summary: '登记支部书记及任期（选举日期起每届3年；届满前3个月生成换届待办并提醒）',
    description:
      '支部书记须为本支部正式党员，选举日期不得晚于今天。首次登记时建立该组织的“支部任期与换届”案件，之后的登记（更换书记、提前换届）记入同一案件。',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, type: OrgTermDto })
  @ApiErrors(400, 403, 404, 422)
  setSecretary(
    @CurrentUser() u: Principal,
    @Param('id') id: string,
    @Body() dto: SetSecretaryDto,
  ): Promise<OrgTermDto> {
    return this.terms.set(u, id, dto);
  }

  @Get('orgs/:id/secretary')
  @ApiOperation({ summary: '支部书记及本届任期、换届提醒日' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, type: OrgTermDto })
  @ApiErrors(404)
  secretary(@CurrentUser() u: Principal, @Param('id') id: string): Promise<OrgTermDto> {
    return this.terms.get(u, id);
  }
}
