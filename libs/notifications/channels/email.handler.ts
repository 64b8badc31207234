import { createHash } from 'node:crypto';
import { createTransport, Transporter } from 'nodemailer';
import type { OutboxDelivery, OutboxHandler } from '../../outbox/outbox';
import { OutboxUndeliverable } from '../../outbox/outbox-delivery';
import type { ChannelLookup, EmailPayload } from '../notification.types';

export interface EmailHandlerOptions {
  /** `smtp://user:pass@host:port` or `smtps://…` (nodemailer connection URL, query options allowed). */
  smtpUrl?: string;
  /** `PartyFlow <noreply@partyflow.local>` */
  from: string;
  /** Connection/greeting timeout in ms (default 10 s); the socket timeout is three times that. */
  timeoutMs?: number;
}

export class SmtpNotConfiguredError extends Error {
  constructor() {
    super(
      '未配置 SMTP_URL，邮件通知无法发送，消息保留在待发送状态（SMTP_URL is not set: the e-mail stays pending and is retried）',
    );
    this.name = 'SmtpNotConfiguredError';
  }
}

/**
 * `notification.email`: sends the rendered Chinese e-mail over SMTP (nodemailer encodes UTF-8 subjects as
 * RFC 2047 encoded-words). Throwing leaves the outbox row pending for a retry with backoff; so does a
 * missing SMTP_URL — a mail that could not be sent is never counted as delivered. The Message-ID is derived
 * from the dedupe key, so the rare resend after a crash between "sent" and "marked delivered" carries the
 * same Message-ID and mail clients show it once.
 */
export class EmailNotificationHandler implements OutboxHandler {
  private transport?: Transporter;

  constructor(
    private readonly lookup: ChannelLookup,
    private readonly options: EmailHandlerOptions,
  ) {}

  async deliver(message: OutboxDelivery): Promise<void> {
    const p = message.payload as EmailPayload;
    if (!this.options.smtpUrl) throw new SmtpNotConfiguredError();
    const channel = await this.lookup(p.channelId);
    // the subscription was removed or switched off after the notice: never sent, and never retried (the row
    // becomes `dead` with this reason, visible — not "delivered")
    if (!channel || !channel.enabled || channel.channel !== 'email')
      throw new OutboxUndeliverable(
        `邮件通知渠道已取消或停用，未发送（e-mail channel ${p.channelId} removed or disabled）`,
      );
    const info = await this.smtp().sendMail({
      from: this.options.from,
      to: channel.address,
      subject: p.subject,
      text: p.text,
      messageId: `<${createHash('sha256')
        .update(p.dedupeKey ?? String(message.id))
        .digest('hex')
        .slice(0, 32)}@partyflow.local>`,
      headers: { 'X-PartyFlow-Notification': p.dedupeKey ?? String(message.id) },
    });
    if (info.rejected?.length) throw new Error(`SMTP 服务器拒收（rejected）: ${info.rejected.map(String).join(', ')}`);
  }

  /** Closes the SMTP transport (module shutdown). */
  close(): void {
    this.transport?.close();
    this.transport = undefined;
  }

  private smtp(): Transporter {
    if (!this.transport) {
      const timeout = this.options.timeoutMs ?? 10_000;
      this.transport = createTransport({
        url: this.options.smtpUrl,
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout * 3,
      } as Parameters<typeof createTransport>[0]);
    }
    return this.transport;
  }
}
