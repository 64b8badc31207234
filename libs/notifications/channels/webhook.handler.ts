import { createHmac } from 'node:crypto';
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
  /** For tests; default Node's global fetch. */
  fetch?: typeof fetch;
  /** Unix seconds for the timestamp header; default wall time (receivers check it against their clock). */
  nowSeconds?: () => number;
}

/**
 * `notification.webhook`: POSTs the notice as JSON to the subscribed URL, signed with the subscription's
 * secret when it has one (`X-PartyFlow-Timestamp: <unix seconds>`, `X-PartyFlow-Signature: sha256=<hex>`).
 * Anything but a 2xx — or a 2xx whose JSON carries a non-zero `errcode`, the way enterprise WeChat and
 * DingTalk robots refuse a message — throws, so the outbox retries with backoff. Redirects are not
 * followed (a redirected POST is a misconfiguration, and would be re-sent unsigned elsewhere).
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
    const doFetch = this.options.fetch ?? fetch;
    let res: Response;
    try {
      res = await doFetch(channel.address, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (e) {
      const reason =
        (e as Error).name === 'TimeoutError'
          ? `超时（timeout ${this.options.timeoutMs ?? 10_000} ms）`
          : (e as Error).message;
      throw new Error(`webhook 发送失败（${channel.address}）: ${reason}`, { cause: e });
    }
    const text = await res.text().catch(() => '');
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
