import { createHmac } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OutboxUndeliverable } from '../../outbox/outbox-delivery';
import type { ChannelTarget, WebhookPayload } from '../notification.types';
import { parseCidrs } from '../../common/outbound-http';
import { signWebhook, WebhookNotificationHandler } from './webhook.handler';

/** Against a real local HTTP receiver (no fetch stub). */
describe('webhook channel handler', () => {
  let server: Server;
  let url: string;
  let reply: { status: number; body: string } = { status: 200, body: '{"errcode":0,"errmsg":"ok"}' };
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(reply.status, { 'Content-Type': 'application/json' }).end(reply.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/robot/send?access_token=x`;
  });
  afterAll(() => new Promise((r) => server.close(r)));
  beforeEach(() => {
    received.length = 0;
    reply = { status: 200, body: '{"errcode":0,"errmsg":"ok"}' };
  });

  const payload: WebhookPayload = {
    channelId: 'ch-1',
    url: 'ignored: the channel row is authoritative',
    content: '【逾期】组织关系接转：转出审核\n您的“转出审核”待办已逾期。',
    dedupeKey: 'timer:t1:2:ch-1:webhook',
    notification: {
      kind: 'overdue',
      level: 0,
      title: '【逾期】组织关系接转：转出审核',
      body: '您的“转出审核”待办已逾期。',
      caseId: 'c1',
      dueAt: '2026-03-09T15:59:59.999Z',
      deliverAt: '2026-03-10T01:00:00.000Z',
      workflowTitle: '组织关系接转',
      stateTitle: '转出审核',
      deadlineTitle: '组织关系转出审核期限',
      link: { caseId: 'c1' },
    },
  };
  const handler = (target: Partial<ChannelTarget> | null, opts = {}) =>
    new WebhookNotificationHandler(
      async () =>
        target ? { id: 'ch-1', channel: 'webhook', address: url, secret: null, enabled: true, ...target } : null,
      {
        nowSeconds: () => 1_773_000_000,
        allow: parseCidrs('127.0.0.1/32'),
        ...opts,
      },
    );
  const delivery = { id: '1', topic: 'notification.webhook', payload: payload as any, attempts: 0, caseId: 'c1' };

  it('signs timestamp + "." + raw body with HMAC-SHA256', async () => {
    await handler({ secret: 'robot-secret-1' }).deliver(delivery);
    expect(received).toHaveLength(1);
    const { headers, body } = received[0];
    expect(headers['x-partyflow-timestamp']).toBe('1773000000');
    const expected = 'sha256=' + createHmac('sha256', 'robot-secret-1').update(`1773000000.${body}`).digest('hex');
    expect(headers['x-partyflow-signature']).toBe(expected);
    expect(signWebhook('robot-secret-1', '1773000000', body)).toBe(expected);
    const json = JSON.parse(body);
    expect(json).toMatchObject({
      msgtype: 'text',
      text: { content: payload.content },
      notification: { kind: 'overdue', caseId: 'c1', dedupeKey: payload.dedupeKey },
    });
    expect(headers['content-type']).toMatch(/application\/json/);
  });

  it('sends no signature without a secret', async () => {
    await handler({}).deliver(delivery);
    expect(received[0].headers['x-partyflow-signature']).toBeUndefined();
  });

  it('throws on a non-2xx answer (the outbox retries)', async () => {
    reply = { status: 503, body: 'busy' };
    await expect(handler({}).deliver(delivery)).rejects.toThrow(/HTTP 503/);
  });

  it('throws when a robot answers 200 with a non-zero errcode', async () => {
    reply = { status: 200, body: '{"errcode":310000,"errmsg":"sign not match"}' };
    await expect(handler({}).deliver(delivery)).rejects.toThrow(/errcode 310000/);
  });

  it('throws on timeout', async () => {
    const slow = createServer(() => undefined); // never answers
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/`;
    try {
      await expect(handler({ address: slowUrl }, { timeoutMs: 200 }).deliver(delivery)).rejects.toThrow(/超时|timeout/);
    } finally {
      slow.closeAllConnections();
      await new Promise((r) => slow.close(r));
    }
  });

  it('refuses a removed or disabled subscription as undeliverable (no retry), sending nothing', async () => {
    await expect(handler(null).deliver(delivery)).rejects.toBeInstanceOf(OutboxUndeliverable);
    await expect(handler({ enabled: false }).deliver(delivery)).rejects.toBeInstanceOf(OutboxUndeliverable);
    expect(received).toHaveLength(0);
  });

  it('never contacts an internal address outside the allowed ranges, by literal or by name (dead, not retried)', async () => {
    for (const address of [url, url.replace('127.0.0.1', 'localhost'), url.replace('127.0.0.1', '[::ffff:127.0.0.1]')])
      await expect(handler({ address }, { allow: [] }).deliver(delivery)).rejects.toBeInstanceOf(OutboxUndeliverable);
    expect(received).toHaveLength(0);
  });

  it('does not follow a redirect (a 3xx is a failed delivery; the redirect target receives nothing)', async () => {
    reply = { status: 302, body: '' };
    const hits: string[] = [];
    const elsewhere = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('{}');
    });
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
    const redirecting = createServer((req, res) => {
      req.resume();
      req.on('end', () =>
        res.writeHead(307, { Location: `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/x` }).end(),
      );
    });
    await new Promise<void>((r) => redirecting.listen(0, '127.0.0.1', r));
    try {
      const address = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/hook`;
      await expect(handler({ address }).deliver(delivery)).rejects.toThrow(/HTTP 307/);
      expect(hits).toEqual([]);
    } finally {
      await new Promise((r) => redirecting.close(r));
      await new Promise((r) => elsewhere.close(r));
    }
  });

  it('reads at most the capped number of bytes of an answer', async () => {
    reply = { status: 500, body: 'x'.repeat(5_000_000) };
    await expect(handler({}, { maxResponseBytes: 1024 }).deliver(delivery)).rejects.toThrow(/HTTP 500/);
  });
});
