import { Injectable, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { OutboxDelivery, OutboxHandler, OutboxHandlers } from '../outbox/outbox';
import { DeliveryOutcome, OutboxDeliveryService, OutboxUndeliverable } from '../outbox/outbox-delivery';
import { LICENSING_STATUS_TOPIC } from './licensing.constants';
import { LicensingApplicationsRepository } from './licensing-applications.repository';
import { LicensingOversightRepository } from './licensing-oversight.repository';
import { signLicensingBody } from './signature';
import { OutboundRefused, parseCidrs, postGuarded } from '../common/outbound-http';

const TIMEOUT_MS = Number(process.env.LICENSING_CALLBACK_TIMEOUT_MS ?? 10_000);

/** The JSON the licensing side receives (signed like the inbound events: `X-Signature: sha256=<hex>`). */
export interface LicensingCallbackBody {
  /** outbox row id: the same notification retried carries the same id (the receiver may dedupe on it) */
  deliveryId: string;
  applicationRef: string;
  partyTransfer: string;
  caseId: string | null;
  /** engine time of the change */
  at: string;
}

/**
 * Outbox handler of topic `licensing.status`: POSTs the status change to LICENSING_CALLBACK_URL.
 * Non-2xx, network errors and timeouts throw (→ retried with backoff). Notifications about one application
 * leave in order: while an earlier one is still pending, a later one waits (a retried "pending" must never
 * overtake "completed"). Handles both payload shapes: the engine effect's (applicationRef may be null: it is
 * then looked up by case) and this module's.
 */
@Injectable()
export class LicensingCallbackHandler implements OutboxHandler, OnModuleInit {
  constructor(
    private readonly applications: LicensingApplicationsRepository,
    private readonly deliveries: LicensingOversightRepository,
    private readonly config: AppConfig,
    private readonly handlers: OutboxHandlers,
  ) {}

  onModuleInit() {
    if (!this.handlers.get(LICENSING_STATUS_TOPIC)) this.handlers.register(LICENSING_STATUS_TOPIC, this);
  }

  async deliver(message: OutboxDelivery): Promise<void> {
    const url = this.config.LICENSING_CALLBACK_URL;
    if (!url) throw new OutboxUndeliverable('未配置 LICENSING_CALLBACK_URL：状态变化不推送');
    const p = message.payload ?? {};
    const caseId: string | null = p.caseId ?? message.caseId ?? null;
    let ref: string | null = p.applicationRef ?? null;
    if (!ref && caseId) {
      ref = await this.applications.refOfCase(caseId);
    }
    if (!ref) throw new OutboxUndeliverable('该案件没有关联执业管理申请：无需通知执业管理系统');
    if (!p.partyTransfer) throw new OutboxUndeliverable('通知缺少 partyTransfer');
    const secret = this.config.LICENSING_WEBHOOK_SECRET;
    // a missing secret is a configuration error that can be fixed: retry until it is
    if (!secret) throw new Error('未配置 LICENSING_WEBHOOK_SECRET：无法签名');

    const earlier = await this.deliveries.earlierPendingStatus(LICENSING_STATUS_TOPIC, String(message.id), ref, caseId);
    if (earlier) throw new Error(`等待同一申请的先前通知 #${earlier} 送达（按顺序推送）`);

    const body: LicensingCallbackBody = {
      deliveryId: String(message.id),
      applicationRef: ref,
      partyTransfer: p.partyTransfer,
      caseId,
      at: p.at ?? new Date().toISOString(),
    };
    const text = JSON.stringify(body);
    // the same outbound rules as webhooks: no redirects (a 3xx is a failed delivery, never re-sent
    // elsewhere), a capped answer, and no internal address outside WEBHOOK_ALLOW_CIDRS
    const res = await postGuarded(url, {
      headers: {
        'content-type': 'application/json',
        'x-signature': signLicensingBody(secret, text),
        'x-delivery-id': String(message.id),
        'x-delivery-attempt': String(message.attempts),
        'x-event-type': LICENSING_STATUS_TOPIC,
      },
      body: text,
      timeoutMs: TIMEOUT_MS,
      allow: parseCidrs(this.config.WEBHOOK_ALLOW_CIDRS),
    }).catch((e) => {
      // a target the rules refuse stays refused until the configuration changes: retrying is pointless
      if (e instanceof OutboundRefused)
        throw new OutboxUndeliverable(`LICENSING_CALLBACK_URL 目标地址不允许：${e.message}`);
      throw e;
    });
    const answer = res.text;
    if (res.status < 200 || res.status >= 300)
      throw new Error(`HTTP ${res.status}${answer ? `: ${answer.slice(0, 200)}` : ''}`);
  }
}

/**
 * Delivers the due `licensing.status` rows now (one attempt each, with the usual bookkeeping). The worker's
 * relay does this continuously; this is for tests, scripts and operators.
 */
export function deliverPendingLicensingCallbacks(
  delivery: OutboxDeliveryService,
  now?: Date,
): Promise<DeliveryOutcome[]> {
  return delivery.deliverDue({ topic: LICENSING_STATUS_TOPIC, now });
}
