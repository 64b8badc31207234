import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { isAdmin, Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { flattenValidationErrors } from '../common/validation';
import { canonicalJson } from '../engine/canonical-json';
import { EngineService } from '../engine/engine.service';
import { LicensingEventDto } from './dto';
import { LICENSING_EVENT_TYPES } from './licensing.constants';
import { licensingError } from './licensing-errors';
import { LicensingEventResult, LicensingProcessor } from './licensing-processor';
import { Clock } from '../engine/clock';
import { toDate } from '../../workflows/kernel/dates';
import { ApplicationView, assessmentDeferred } from './licensing-status';
import { ArrivedEvent, LicensingEventsRepository } from './licensing-events.repository';
import { LicensingApplicationsRepository } from './licensing-applications.repository';
import { LicensingRegistryRepository } from './licensing-registry.repository';
import { signLicensingBody, verifyLicensingSignature } from './signature';
import { licensingScope, LicensingOversightRepository } from './licensing-oversight.repository';
import { OrganizationsRepository } from '../registry/organizations.repository';

export interface IngestResponse {
  /** 202 the first time, 200 for a replay of an already processed eventId */
  status: HttpStatus.ACCEPTED | HttpStatus.OK;
  body: LicensingEventResult;
  replay: boolean;
}

/** Path signed by the licensing system when it reads an application's status without a user token. */
export const applicationStatusSigningString = (ref: string) => `GET /api/v1/integrations/licensing/applications/${ref}`;

/**
 * The licensing integration's inbound side: verify the HMAC over the raw bytes, validate, store the event as
 * received, and process it exactly once — the event row is inserted first (`ON CONFLICT DO NOTHING`) in the
 * same transaction as the case operations, so a concurrent duplicate waits on the unique index and then
 * replays the stored result.
 */
@Injectable()
export class LicensingService {
  private readonly logger = new Logger('Licensing');

  constructor(
    private readonly ds: DataSource,
    private readonly config: AppConfig,
    private readonly processor: LicensingProcessor,
    private readonly engine: EngineService,
    private readonly oversight: LicensingOversightRepository,
    private readonly orgs: OrganizationsRepository,
    private readonly events: LicensingEventsRepository,
    private readonly applications: LicensingApplicationsRepository,
    private readonly registry: LicensingRegistryRepository,
    private readonly clock: Clock,
  ) {}

  private secret(): string {
    const secret = this.config.LICENSING_WEBHOOK_SECRET;
    if (!secret)
      throw licensingError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'LICENSING_NOT_CONFIGURED',
        '执业管理系统对接未启用：未配置 LICENSING_WEBHOOK_SECRET',
      );
    return secret;
  }

  async ingest(
    rawBody: Buffer | undefined,
    signature: string | string[] | undefined,
    body: unknown,
  ): Promise<IngestResponse> {
    const secret = this.secret();
    const raw = rawBody ?? Buffer.alloc(0);
    if (!verifyLicensingSignature(secret, raw, signature))
      throw licensingError(
        HttpStatus.UNAUTHORIZED,
        'INVALID_SIGNATURE',
        typeof signature === 'string' ? '签名无效（X-Signature 与请求体不符）' : '缺少签名（X-Signature）',
      );
    if (!rawBody || !body || typeof body !== 'object' || Array.isArray(body))
      throw AppError.validation([
        { field: 'body', errors: ['请求体须为 JSON 对象（Content-Type: application/json）'] },
      ]);
    const plain = body as Record<string, unknown>;
    const rawText = raw.toString('utf8');
    const sig = String(signature);
    const eventId =
      typeof plain.eventId === 'string' && plain.eventId.length > 0 && plain.eventId.length <= 200
        ? plain.eventId
        : undefined;

    let dto: LicensingEventDto;
    try {
      dto = await this.validate(plain);
    } catch (e) {
      if (!eventId || !(e instanceof AppError)) throw e;
      // an already processed eventId is a replay whatever the body says now (a valid body replays in the transaction below)
      const replay = await this.replay(this.ds.manager, eventId, plain);
      if (replay) return replay;
      await this.recordRejection(eventId, plain, rawText, sig, e);
      throw e;
    }
    try {
      return await this.ds.transaction(async (em) => {
        const arrived: ArrivedEvent = {
          eventId: dto.eventId,
          type: dto.type,
          applicationRef: dto.applicationRef ?? null,
          occurredAt: dto.occurredAt,
          rawBody: rawText,
          signature: sig,
          raw: plain,
        };
        const { run, lock, read } = this.processor.start(em, dto);
        const inserted = await this.events.insertProcessed(
          em,
          arrived,
          lock,
          read && this.registry.firmsAndLawyerRead(read),
        );
        if (!inserted.inserted) {
          // a concurrent duplicate committed first (we waited on the unique index), or an earlier attempt was refused
          const replay = await this.replay(em, dto.eventId, plain);
          if (replay) return replay;
          await this.events.reprocess(em, arrived);
        } else if (inserted.application) {
          run.locked = { kind: lock!.kind, row: inserted.application };
          if (read && inserted.read) run.registryRead = { request: read, answer: inserted.read };
        }
        const { result, application } = await this.processor.process(run);
        // answer with the stored form (jsonb key order), so a replay is byte-for-byte the first answer
        const stored = await this.events.storeResult(em, dto.eventId, result, result.outOfOrder ?? null, application);
        return { status: HttpStatus.ACCEPTED, body: stored, replay: false } as IngestResponse;
      });
    } catch (e) {
      if (e instanceof AppError) await this.recordRejection(dto.eventId, plain, rawText, sig, e);
      throw e;
    }
  }

  /** The stored result of a processed eventId (counted as a replay), or null. */
  private async replay(
    em: EntityManager,
    eventId: string,
    body: Record<string, unknown>,
  ): Promise<IngestResponse | null> {
    const prior = await this.events.countReplay(em, eventId);
    if (!prior?.result) return null;
    if (canonicalJson(prior.raw) !== canonicalJson(body)) {
      this.logger.warn(`licensing event ${eventId} replayed with a different body: answering with the first result`);
      await this.events.markReplayMismatch(em, eventId);
    }
    return { status: HttpStatus.OK, body: prior.result, replay: true };
  }

  /** A refused event (400/422) is kept too, with the reason; the sender may fix and re-send the same eventId. */
  private async recordRejection(
    eventId: string,
    body: Record<string, unknown>,
    rawText: string,
    sig: string,
    error: AppError,
  ) {
    const result = { statusCode: error.status, code: error.code, message: error.message, details: error.details };
    const occurredAt =
      typeof body.occurredAt === 'string' && !Number.isNaN(Date.parse(body.occurredAt)) ? body.occurredAt : null;
    await this.events
      .recordRejection(
        {
          eventId,
          type: String(body.type ?? ''),
          applicationRef: typeof body.applicationRef === 'string' ? body.applicationRef : null,
          occurredAt,
          rawBody: rawText,
          signature: sig,
          raw: body,
        },
        result,
        error.status,
      )
      .catch((e) => this.logger.warn(`could not record rejected licensing event ${eventId}: ${(e as Error).message}`));
  }

  private async validate(body: Record<string, unknown>): Promise<LicensingEventDto> {
    if (typeof body.type === 'string' && !(LICENSING_EVENT_TYPES as readonly string[]).includes(body.type))
      throw licensingError(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'UNKNOWN_EVENT_TYPE',
        `未知的执业管理事件类型：${body.type}`,
        {
          field: 'type',
          allowed: LICENSING_EVENT_TYPES,
        },
      );
    const dto = plainToInstance(LicensingEventDto, body, { enableImplicitConversion: false });
    const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: false, forbidUnknownValues: false });
    if (errors.length) throw AppError.validation(flattenValidationErrors(errors), '执业管理事件格式不正确');
    return dto;
  }

  // ------------------------------------------------------------------ reads

  /** A signed read of the licensing system: the HMAC of `signingString` with the webhook secret. */
  checkSignedRead(signingString: string, signature: string): void {
    if (!verifyLicensingSignature(this.secret(), signingString, signature))
      throw licensingError(
        HttpStatus.UNAUTHORIZED,
        'INVALID_SIGNATURE',
        `签名无效（X-Signature 应为 “${signingString}” 的 HMAC）`,
      );
  }

  /** Party-transfer status of an application, for a signed request of the licensing system or a user in scope. */
  async application(
    ref: string,
    caller: { principal?: Principal; signature?: string },
  ): Promise<Record<string, unknown>> {
    if (caller.signature !== undefined) {
      if (!verifyLicensingSignature(this.secret(), applicationStatusSigningString(ref), caller.signature))
        throw licensingError(
          HttpStatus.UNAUTHORIZED,
          'INVALID_SIGNATURE',
          '签名无效（X-Signature 应为 “GET /api/v1/integrations/licensing/applications/<applicationRef>” 的 HMAC）',
        );
    } else if (!caller.principal)
      throw new AppError(HttpStatus.UNAUTHORIZED, 'UNAUTHORIZED', '未登录：缺少访问令牌或签名');
    const view = await this.applications.read(ref);
    if (!view || (caller.principal && !(await this.visible(caller.principal, view))))
      throw AppError.notFound('执业申请');
    const { scopeOrgIds, ...out } = view;
    void scopeOrgIds;
    return { ...out, assessmentDeferred: assessmentDeferred(view, toDate(this.clock.now().toISOString())) };
  }

  /**
   * An application is visible to whoever sees its transfer case, or in whose scope its member or one of
   * its firms lies: a city committee's clerks see their city's applications, not every city's.
   */
  private async visible(p: Principal, view: ApplicationView): Promise<boolean> {
    if (isAdmin(p)) return true;
    if (view.scopeOrgIds && this.engine.canSee(p, { scopeOrgIds: view.scopeOrgIds })) return true;
    return this.oversight.applicationInScope(await licensingScope(this.orgs, p), view.applicationRef);
  }

  /** Admins, supervisors and clerks of a city or provincial committee oversee the integration. */
  private async atCommittee(p: Principal): Promise<boolean> {
    if (isAdmin(p)) return true;
    const orgIds = p.roles.filter((r) => r.role === 'clerk' || r.role === 'supervisor').map((r) => r.orgId);
    return this.oversight.anyCommittee(orgIds);
  }

  /**
   * Outbound status notifications with their delivery attempts (admin, supervisors, committee clerks),
   * of the applications and cases in the caller's scope.
   */
  async deliveries(p: Principal, q: { applicationRef?: string; status?: string }) {
    if (!(await this.atCommittee(p))) throw AppError.forbidden('只有管理员和市律师行业党委可以查看对接推送记录');
    const items = await this.oversight.deliveries(await licensingScope(this.orgs, p), q);
    return { items, total: items.length, callbackConfigured: !!this.config.LICENSING_CALLBACK_URL };
  }

  /** For the simulator and tests: the signature of a body with the configured secret. */
  sign(body: string): string {
    return signLicensingBody(this.secret(), body);
  }
}
