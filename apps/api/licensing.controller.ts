import { Controller, Get, Headers, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentUser, Public } from '../../libs/auth/auth.guard';
import { AuthService } from '../../libs/auth/auth.service';
import type { Principal } from '../../libs/auth/principal';
import { AppError } from '../../libs/common/app-error';
import { ApplicationStatusDto, DeliveriesQueryDto, LicensingEventDto } from '../../libs/licensing/dto';
import { firmAssessmentSigningString } from '../../libs/licensing/signature';
import { ResultsService } from '../../libs/reports/results.service';
import { ErrorDto } from './dto/error.dto';
import { FirmAssessmentDto, YearQueryDto } from './dto/results.dto';
import { LicensingOversightService } from '../../libs/licensing/licensing-oversight.service';
import { ApiErrors, ERROR_DESCRIPTIONS } from './api-errors.decorator';
import { DeliveryPage, ErrorBody, LicensingEventResult } from './dto/responses';
import { LicensingService } from '../../libs/licensing/licensing.service';
import { LicensingEventsPageDto, LicensingEventsQueryDto, ResendResultDto } from './dto/supervision.dto';

@ApiTags('licensing integration')
@Controller('integrations/licensing')
export class LicensingController {
  constructor(
    private readonly licensing: LicensingService,
    private readonly auth: AuthService,
    private readonly oversight: LicensingOversightService,
    private readonly results: ResultsService,
  ) {}

  /** Signed webhook of the licensing system: authenticated by the HMAC of the raw body only. */
  @Public()
  @Post('events')
  @ApiOperation({
    summary: '接收执业管理系统事件（HMAC 签名）',
    description:
      'X-Signature: sha256=<hex HMAC-SHA256 of the raw body with LICENSING_WEBHOOK_SECRET>. 202 the first time, 200 with the same result for a replayed eventId. ' +
      '401 bad/missing signature (nothing stored), 400 malformed, 422 unknown type or unknown firm/member, 503 when LICENSING_WEBHOOK_SECRET is not set.',
  })
  @ApiHeader({ name: 'X-Signature', required: true, description: 'sha256=<hex>' })
  @ApiBody({ type: LicensingEventDto })
  @ApiResponse({ status: 202, description: '已受理（首次）', type: LicensingEventResult })
  @ApiResponse({
    status: 200,
    description: '同一 eventId 的重放：与首次相同的结果（X-Replay: true）',
    type: LicensingEventResult,
  })
  @ApiResponse({ status: 401, description: '签名缺失或无效（UNAUTHORIZED），不作记录', type: ErrorBody })
  @ApiErrors(400, 422)
  async events(@Req() req: RawBodyRequest<Request>, @Res({ passthrough: true }) res: Response) {
    const out = await this.licensing.ingest(req.rawBody, req.headers['x-signature'], req.body);
    res.status(out.status);
    if (out.replay) res.setHeader('X-Replay', 'true');
    return out.body;
  }

  /**
   * Party-transfer status of a licensing application, for gating. Either a user token (in scope) or, for the
   * licensing system, `X-Signature: sha256=<hex HMAC of "GET /api/v1/integrations/licensing/applications/<ref>">`.
   */
  @Public()
  @Get('applications/:applicationRef')
  @ApiBearerAuth()
  @ApiOperation({
    summary: '查询执业申请的党组织关系接转状态（not_required | pending | completed | exception_approved）',
  })
  @ApiHeader({
    name: 'X-Signature',
    required: false,
    description: 'sha256=<hex HMAC of "GET /api/v1/integrations/licensing/applications/<applicationRef>">',
  })
  @ApiResponse({ status: 200, type: ApplicationStatusDto })
  @ApiResponse({ status: 401, description: ERROR_DESCRIPTIONS[401], type: ErrorBody })
  @ApiErrors(403, 404)
  async application(
    @Param('applicationRef') ref: string,
    @Headers('authorization') authorization?: string,
    @Headers('x-signature') signature?: string,
  ) {
    if (signature !== undefined) return this.licensing.application(ref, { signature });
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : undefined;
    if (!token) throw new AppError(401, 'UNAUTHORIZED', '未登录：缺少访问令牌或签名');
    const principal = await this.auth.verify(token);
    if (!principal) throw new AppError(401, 'UNAUTHORIZED', '访问令牌无效或已过期');
    return this.licensing.application(ref, { principal });
  }

  /**
   * The firm's annual-assessment inputs for the licensing side (党建考核结果纳入律师事务所年度检查考核): its party
   * organization's grade, its lawyers' ratings, open non-conforming cases. A user token (firm in scope) or
   * `X-Signature: sha256=<hex HMAC of "GET /api/v1/integrations/licensing/firms/<firmId>/assessment?year=<year>">`.
   */
  @Public()
  @Get('firms/:firmId/assessment')
  @ApiBearerAuth()
  @ApiOperation({ summary: '律师事务所年度考核所需的党建结果（党组织定级、党员律师评议等次、未结不合格党员处置）' })
  @ApiParam({ name: 'firmId', format: 'uuid' })
  @ApiHeader({
    name: 'X-Signature',
    required: false,
    description: 'sha256=<hex HMAC of "GET /api/v1/integrations/licensing/firms/<firmId>/assessment?year=<year>">',
  })
  @ApiOkResponse({ type: FirmAssessmentDto })
  @ApiResponse({ status: 400, type: ErrorDto, description: 'VALIDATION_FAILED：year 缺失或无效' })
  @ApiResponse({ status: 401, type: ErrorDto, description: 'UNAUTHORIZED / INVALID_SIGNATURE' })
  @ApiResponse({ status: 404, type: ErrorDto, description: 'NOT_FOUND：无此律师事务所或不在管辖范围' })
  @ApiResponse({ status: 503, type: ErrorDto, description: 'LICENSING_NOT_CONFIGURED（签名访问时）' })
  async firmAssessment(
    @Param('firmId') firmId: string,
    @Query() q: YearQueryDto,
    @Headers('authorization') authorization?: string,
    @Headers('x-signature') signature?: string,
  ): Promise<FirmAssessmentDto> {
    if (signature !== undefined) {
      this.licensing.checkSignedRead(firmAssessmentSigningString(firmId, q.year), signature);
      return this.results.firmAssessment(firmId, q.year);
    }
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : undefined;
    if (!token) throw new AppError(401, 'UNAUTHORIZED', '未登录：缺少访问令牌或签名');
    const principal = await this.auth.verify(token);
    if (!principal) throw new AppError(401, 'UNAUTHORIZED', '访问令牌无效或已过期');
    return this.results.firmAssessment(firmId, q.year, principal);
  }

  /** Outbound status notifications with attempts, errors and delivery time (admin, supervisors, city committee clerks). */
  @Get('deliveries')
  @ApiBearerAuth()
  @ApiOperation({ summary: '向执业管理系统推送的状态通知及其投递记录' })
  @ApiResponse({ status: 200, type: DeliveryPage })
  @ApiErrors(400, 403)
  deliveries(@CurrentUser() u: Principal, @Query() q: DeliveriesQueryDto) {
    return this.licensing.deliveries(u, q);
  }

  /** What arrived from the licensing side, refused events with the reason they were given. */
  @Get('events')
  @ApiBearerAuth()
  @ApiOperation({
    summary: '收到的执业管理系统事件及处理结果（status=rejected：被拒收的事件及原因）',
    description: '管理员、督导和市律师行业党委可查看；最新在前，分页。',
  })
  @ApiOkResponse({ type: LicensingEventsPageDto })
  @ApiErrors(400)
  @ApiResponse({ status: 403, description: '无权查看（FORBIDDEN）' })
  receivedEvents(@CurrentUser() u: Principal, @Query() q: LicensingEventsQueryDto) {
    return this.oversight.events(u, q);
  }

  /** One more attempt of a failed status delivery, now; the answer says whether the receiver took it. */
  @Post('deliveries/:id/resend')
  @ApiBearerAuth()
  @ApiOperation({
    summary: '重发一条失败的状态推送（管理员）',
    description: '立即投递一次并返回结果；无法投递（dead）的先恢复为待投递。已送达的推送不能重发（422）。',
  })
  @ApiParam({ name: 'id', description: '推送编号（GET /deliveries 的 id）' })
  @ApiOkResponse({ type: ResendResultDto })
  @ApiResponse({ status: 403, description: '不是管理员（FORBIDDEN）' })
  @ApiNotFoundResponse({ description: '没有该推送（NOT_FOUND）' })
  @ApiResponse({ status: 409, description: '该推送正在投递中（CONCURRENT_UPDATE）' })
  @ApiResponse({ status: 422, description: '已送达，无需重发（RULE_VIOLATION）' })
  resend(@CurrentUser() u: Principal, @Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    res.status(200);
    return this.oversight.resend(u, id);
  }
}
