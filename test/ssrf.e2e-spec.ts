import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppConfig } from '../config/app-config';
import { LicensingCallbackHandler } from '../libs/licensing/licensing-callback.handler';
import { OutboxHandlers } from '../libs/outbox/outbox';
import { LicensingApplicationsRepository } from '../libs/licensing/licensing-applications.repository';
import { LicensingOversightRepository } from '../libs/licensing/licensing-oversight.repository';
import { OutboxDeliveryService } from '../libs/outbox/outbox-delivery';
import { Harness, startHarness } from './support/harness';

/**
 * Server-side request forgery (issue 11, item 6): webhook subscriptions cannot name internal targets, and
 * a delivery never reaches one, whatever the stored address says. Everything here stays on loopback: the
 * only receiver listens on 127.0.0.1, and the application is told to allow no internal range at all
 * (WEBHOOK_ALLOW_CIDRS names a documentation range nobody is contacted in).
 */
describe('outbound requests never reach internal addresses (e2e)', () => {
  let h: Harness;
  let receiver: Server;
  let port: number;
  let hits = 0;
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      hits++;
      req.resume();
      res.end('{"errcode":0}');
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    port = (receiver.address() as AddressInfo).port;
    h = await startHarness({ WEBHOOK_ALLOW_CIDRS: '192.0.2.0/24' });
  }, 60_000);
  afterAll(async () => {
    await h.close();
    await new Promise((r) => receiver.close(r));
  });

  const subscribe = async (address: string) =>
    h
      .http()
      .post('/api/v1/notifications/channels')
      .set(await h.as('branch-a'))
      .send({ channel: 'webhook', address });

  it.each([
    'http://127.0.0.1:5433/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::ffff:127.0.0.1]/hook',
    'http://0x7f000001/hook',
    'http://2130706433/hook',
    'http://localhost:3000/hook',
    'http://app.localhost/hook',
    'http://10.0.0.5/hook',
    'http://172.16.1.1/hook',
    'http://192.168.1.10/hook',
    'http://100.64.0.1/hook',
    'http://0.0.0.0/hook',
    'http://[::1]/hook',
    'http://[fd00::1]/hook',
    'http://[fe80::1]/hook',
  ])('refuses to register %s', async (address) => {
    const res = await subscribe(address);
    expect({ status: res.status, code: res.body.code, field: res.body.details?.[0]?.field }).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'address',
    });
  });

  it('refuses at delivery a stored address that resolves to loopback (the row is dead, nothing is sent)', async () => {
    // stored before the registration check existed, or by a name that resolved elsewhere back then
    const [channel] = await h.ds.query(
      `INSERT INTO notification_channels (org_id, channel, address) VALUES ($1, 'webhook', $2) RETURNING id`,
      [h.region.anchors.firmAOrgId, `http://localhost:${port}/hook`],
    );
    await h.ds.query(
      `INSERT INTO outbox (topic, payload, dedupe_key) VALUES ('notification.webhook', $1, 'ssrf-test-1')`,
      [JSON.stringify({ channelId: channel.id, content: '测试', dedupeKey: 'ssrf-test-1', notification: {} })],
    );
    // the worker's relay may take the row first: either way it is tried once and found undeliverable
    await h.app.get(OutboxDeliveryService).deliverDue({ topic: 'notification.webhook' });
    let row: { status: string; last_error: string | null } = { status: 'pending', last_error: null };
    for (let i = 0; i < 100 && row.status === 'pending'; i++) {
      [row] = await h.ds.query(`SELECT status, last_error FROM outbox WHERE dedupe_key = 'ssrf-test-1'`);
      if (row.status === 'pending') await new Promise((r) => setTimeout(r, 100));
    }
    expect(hits).toBe(0);
    expect(row.status).toBe('dead');
    expect(row.last_error).toMatch(/不允许/);
  });

  it('the licensing callback does not follow a redirect (the redirect target receives nothing)', async () => {
    const elsewhere: string[] = [];
    const target = createServer((req, res) => {
      elsewhere.push(req.url ?? '');
      req.resume();
      res.end('{}');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const redirecting = createServer((req, res) => {
      req.resume();
      req.on('end', () =>
        res.writeHead(307, { Location: `http://127.0.0.1:${(target.address() as AddressInfo).port}/stolen` }).end(),
      );
    });
    await new Promise<void>((r) => redirecting.listen(0, '127.0.0.1', r));
    try {
      const config = {
        ...h.app.get(AppConfig),
        LICENSING_CALLBACK_URL: `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/callback`,
        LICENSING_WEBHOOK_SECRET: 'ssrf-test-licensing-secret',
        WEBHOOK_ALLOW_CIDRS: '127.0.0.1/32',
      } as AppConfig;
      const handler = new LicensingCallbackHandler(
        h.app.get(LicensingApplicationsRepository),
        h.app.get(LicensingOversightRepository),
        config,
        h.app.get(OutboxHandlers),
      );
      const message = {
        id: '999999999',
        topic: 'licensing.status',
        payload: { applicationRef: 'SSRF-1', partyTransfer: 'pending' },
        attempts: 0,
        caseId: null,
      };
      await expect(handler.deliver(message as any)).rejects.toThrow(/HTTP 307/);
      expect(elsewhere).toEqual([]);
    } finally {
      await new Promise((r) => redirecting.close(r));
      await new Promise((r) => target.close(r));
    }
  });
});
