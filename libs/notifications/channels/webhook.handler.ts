import { createHmac } from 'node:crypto';
import { CidrList, OutboundRefused, postGuarded, type OutboundResponse } from '../../common/outbound-http';
import type { OutboxDelivery, OutboxHandler } from '../../outbox/outbox';
import { OutboxUndeliverable } from '../../outbox/outbox-delivery';
import type { ChannelLookup, WebhookPayload } from '../notification.types';

export const TIMESTAMP_HEADER = 'X-PartyFlow-Timestamp';
export const SIGNATURE_HEADER = 'X-PartyFlow-Signature';

/** `sha256=<hex HMAC-SHA256(secret, timestamp + '.' + body)>` — what a receiver recomputes over the raw body. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/** The JSON a webhook receives: a robot `text` message (企业微信/钉钉群机器人) plus the structured notice. */
export function webhookBody(p: WebhookPayload): string {
  return JSON.stringify({
    msgtype: 'text',
    text: { content: p.content },
    notification: { ...p.notification, dedupeKey: p.dedupeKey },
  });
}

export interface WebhookHandlerOptions {
  /** Per request, default 10 s. */
  timeoutMs?: number;
  /** Private, loopback or link-local ranges an administrator allowed as targets (WEBHOOK_ALLOW_CIDRS). */
  allow?: CidrList;
  /** Most bytes of an answer read (default 64 KiB). */
  maxResponseBytes?: number;
  /** Unix seconds for the timestamp header; default wall time (receivers check it against their clock). */
  nowSeconds?: () => number;
}

/**
 * `notification.webhook`: POSTs the notice as JSON to the subscribed URL, signed with the subscription's
 * secret when it has one (`X-PartyFlow-Timestamp: <unix seconds>`, `X-PartyFlow-Signature: sha256=<hex>`).
 * Anything but a 2xx — or a 2xx whose JSON carries a non-zero `errcode`, the way enterprise WeChat and
 * DingTalk robots refuse a message — throws, so the outbox retries with backoff. Redirects are not
 * followed (a redirected POST is a misconfiguration, and would be re-sent unsigned elsewhere). A target
 * that resolves to a private, loopback or link-local address outside WEBHOOK_ALLOW_CIDRS is never
 * contacted (server-side request forgery): the row is dead, visible, not retried.
 */
export class WebhookNotificationHandler implements OutboxHandler {
  constructor(
    private readonly lookup: ChannelLookup,
    private readonly options: WebhookHandlerOptions = {},
  ) {}

  async deliver(message: OutboxDelivery): Promise<void> {
    const p = message.payload as WebhookPayload;
    const channel = await this.lookup(p.channelId);
    // removed or switched off after the notice: never sent, never retried (the row becomes `dead`, visible)
    if (!channel || !channel.enabled || channel.channel !== 'webhook')
      throw new OutboxUndeliverable(
        `webhook 通知渠道已取消或停用，未发送（webhook channel ${p.channelId} removed or disabled）`,
      );
    const body = webhookBody(p);
    const timestamp = String(this.options.nowSeconds?.() ?? Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = {
      'Content-Type': 'application/json; charset=utf-8',
      'User-Agent': 'PartyFlow-Webhook/1',
      [TIMESTAMP_HEADER]: timestamp,
      'X-PartyFlow-Delivery': p.dedupeKey ?? String(message.id),
    };
    if (channel.secret) headers[SIGNATURE_HEADER] = signWebhook(channel.secret, timestamp, body);
    let res: OutboundResponse;
    try {
      res = await postGuarded(channel.address, {
        headers,
        body,
        timeoutMs: this.options.timeoutMs ?? 10_000,
        allow: this.options.allow ?? [],
        maxResponseBytes: this.options.maxResponseBytes,
      });
    } catch (e) {
      if (e instanceof OutboundRefused)
        throw new OutboxUndeliverable(`webhook 目标地址不允许，未发送（${channel.address}）: ${e.message}`);
      throw new Error(`webhook 发送失败（${channel.address}）: ${(e as Error).message}`, { cause: e });
    }
    const text = res.text;
    if (res.status < 200 || res.status >= 300)
      throw new Error(`webhook 返回 HTTP ${res.status}（${channel.address}）: ${text.slice(0, 300)}`);
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    const errcode = (parsed as { errcode?: unknown } | undefined)?.errcode;
    if (errcode !== undefined && errcode !== 0 && errcode !== '0')
      throw new Error(
        `webhook 拒绝消息（${channel.address}）: errcode ${String(errcode)} ${String((parsed as { errmsg?: unknown }).errmsg ?? '')}`,
      );
  }
}
