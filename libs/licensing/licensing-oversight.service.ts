import { HttpStatus, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isAdmin, Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { OutboxDeliveryService } from '../outbox/outbox-delivery';
import { OutboxHandlers } from '../outbox/outbox';
import { LICENSING_STATUS_TOPIC } from './licensing.constants';
import { licensingScope, LicensingOversightRepository } from './licensing-oversight.repository';
import { maskPersonalDataDeep } from '../registry/id-number';
import { OrganizationsRepository } from '../registry/organizations.repository';

/**
 * What administrators and committees see of the integration beyond deliveries: the events the licensing side
 * sent that were refused (with the reason it was given), and a resend of a failed status delivery.
 */
@Injectable()
export class LicensingOversightService {
  constructor(
    private readonly ds: DataSource,
    private readonly repo: LicensingOversightRepository,
    private readonly handlers: OutboxHandlers,
    private readonly orgs: OrganizationsRepository,
    private readonly delivery: OutboxDeliveryService,
  ) {}

  private async mayOversee(p: Principal): Promise<boolean> {
    if (isAdmin(p)) return true;
    return this.repo.anyCommittee(
      p.roles.filter((r) => r.role === 'clerk' || r.role === 'supervisor').map((r) => r.orgId),
    );
  }

  async events(p: Principal, q: { status?: 'processed' | 'rejected'; page?: number; pageSize?: number }) {
    if (!(await this.mayOversee(p))) throw AppError.forbidden('只有管理员和市律师行业党委可以查看对接事件');
    const page = q.page ?? 1;
    const pageSize = Math.min(q.pageSize ?? 50, 200);
    const { rows, total } = await this.repo.events(await licensingScope(this.orgs, p), {
      status: q.status,
      page,
      pageSize,
    });
    return {
      items: rows.map((r: any) => ({
        eventId: r.eventId,
        type: r.type,
        applicationRef: r.applicationRef,
        status: r.status,
        outOfOrder: r.outOfOrder ?? null,
        occurredAt: r.occurredAt ? new Date(r.occurredAt).toISOString() : null,
        receivedAt: new Date(r.receivedAt).toISOString(),
        processedAt: r.processedAt ? new Date(r.processedAt).toISOString() : null,
        httpStatus: r.httpStatus,
        code: r.status === 'rejected' ? (r.result?.code ?? null) : null,
        reason: r.status === 'rejected' ? (r.result?.message ?? null) : null,
        details: r.status === 'rejected' ? (r.result?.details ?? null) : null,
        attempts: r.attempts,
        // committees see what was sent as everybody but admins sees personal data: masked (see maskPersonalData)
        body: isAdmin(p) ? r.raw : maskPersonalDataDeep(r.raw),
      })),
      total,
      page,
      pageSize,
    };
  }

  /**
   * One more delivery attempt of a status notification, now, in this request: the answer says whether the
   * receiver took it. A dead delivery is revived first; a delivered one is left alone.
   */
  async resend(p: Principal, id: string) {
    if (!isAdmin(p)) throw AppError.forbidden('只有管理员可以重发推送');
    if (!/^\d{1,18}$/.test(id)) throw AppError.notFound('推送记录');
    const handler = this.handlers.get(LICENSING_STATUS_TOPIC);
    if (!handler)
      throw new AppError(HttpStatus.SERVICE_UNAVAILABLE, 'DEPENDENCY_UNAVAILABLE', '执业管理系统对接未启用，无法重发');
    const result = await this.ds.transaction(async (em) => {
      const row = await this.repo.lockDelivery(em, id, LICENSING_STATUS_TOPIC);
      if (!row) {
        if (await this.repo.exists(id, LICENSING_STATUS_TOPIC))
          throw new AppError(HttpStatus.CONFLICT, 'CONCURRENT_UPDATE', '该推送正在投递中，请稍后刷新查看结果');
        throw AppError.notFound('推送记录');
      }
      if (row.status === 'delivered') throw AppError.rule('该推送已送达，无需重发');
      if (row.status === 'dead') await this.repo.revive(em, id);
      return this.delivery.deliverRow(em, row, handler, new Date());
    });
    return {
      id: result.id,
      outcome: result.outcome,
      attempts: result.attempts,
      error: result.error ?? null,
      nextAttemptAt: result.nextAttemptAt ? result.nextAttemptAt.toISOString() : null,
    };
  }
}
