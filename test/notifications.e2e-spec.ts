import { createHmac, randomUUID } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DateTime } from 'luxon';
import { SMTPServer } from 'smtp-server';
import { WorkingCalendar } from '../libs/calendar/working-calendar';
import { EmailNotificationHandler } from '../libs/notifications/channels/email.handler';
import { channelLookup } from '../libs/notifications/notification-channels.service';
import { NotificationChannelsRepository } from '../libs/notifications/notification-channels.repository';
import type { DeadlineNotice } from '../libs/notifications/notification.types';
import { NotificationsService } from '../libs/notifications/notifications.service';
import { OutboxDelivery, OutboxHandlers } from '../libs/outbox/outbox';
import { OutboxUndeliverable } from '../libs/outbox/outbox-delivery';
import { fullMembersOf, Harness, startHarness } from './support/harness';

// ------------------------------------------------------------------ decoding what a real SMTP server received

/** RFC 2047 encoded-words (`=?UTF-8?B?…?=` / `?Q?`) → text; adjacent words are joined as bytes (a character may span two). */
function decodeEncodedWords(value: string): string {
  const word = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;
  const parts: (string | Buffer)[] = [];
  let last = 0;
  for (let m = word.exec(value); m; m = word.exec(value)) {
    const between = value.slice(last, m.index);
    // whitespace between two encoded words is not part of the text
    if (!(parts.length && Buffer.isBuffer(parts[parts.length - 1]) && /^\s*$/.test(between))) parts.push(between);
    const bytes =
      m[2].toUpperCase() === 'B'
        ? Buffer.from(m[3], 'base64')
        : Buffer.from(
            m[3]
              .replace(/_/g, ' ')
              .replace(/=([0-9A-Fa-f]{2})/g, (_s, h: string) => String.fromCharCode(parseInt(h, 16))),
            'latin1',
          );
    const prev = parts[parts.length - 1];
    if (Buffer.isBuffer(prev)) parts[parts.length - 1] = Buffer.concat([prev, bytes]);
    else parts.push(bytes);
    last = m.index + m[0].length;
  }
  parts.push(value.slice(last));
  return parts.map((p) => (Buffer.isBuffer(p) ? p.toString('utf8') : p)).join('');
}

interface ParsedMail {
  headers: Map<string, string>;
  /** undecoded header values, to check that UTF-8 really was encoded on the wire */
  rawHeaders: Map<string, string>;
  text: string;
}

/** A single-part message: unfolded headers, decoded header values, and the body decoded per Content-Transfer-Encoding. */
function parseMail(raw: string): ParsedMail {
  const split = raw.search(/\r?\n\r?\n/);
  const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
  const bodyRaw = raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const rawHeaders = new Map<string, string>();
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) rawHeaders.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  const headers = new Map([...rawHeaders].map(([k, v]) => [k, decodeEncodedWords(v)]));
  const cte = (rawHeaders.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  let bytes: Buffer;
  if (cte === 'base64') bytes = Buffer.from(bodyRaw.replace(/\s+/g, ''), 'base64');
  else if (cte === 'quoted-printable')
    bytes = Buffer.from(
      bodyRaw
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-Fa-f]{2})/g, (_s, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    );
  else bytes = Buffer.from(bodyRaw, 'utf8');
  return { headers, rawHeaders, text: bytes.toString('utf8').replace(/\r\n/g, '\n') };
}

// ------------------------------------------------------------------------------------------------------- suite

/**
 * Notifications on real PostgreSQL, a real SMTP server (smtp-server, started here) and a real HTTP receiver:
 * in-app rows per recipient, dedupe across repeated deliveries, quiet hours, escalation routing, channel
 * subscriptions over HTTP, and the e-mail and signed webhook outbox handlers.
 */
describe('notifications (e2e)', () => {
  let h: Harness;
  let svc: NotificationsService;
  let caseId: string;
  let users: Record<string, string>;

  // a real SMTP server collecting what it receives
  const mails: { from: string; to: string[]; raw: string }[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  let smtpUrl: string;

  // a webhook receiver (enterprise robot stand-in)
  const hooks: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
  let hookStatus = 200;
  let hookServer: Server;
  let hookUrl: string;

  const NOW = new Date('2026-03-09T10:00:00+08:00'); // a Monday morning: a working day, outside the quiet hours
  const DUE = new Date('2026-03-09T23:59:59.999+08:00');
  const base = (): DeadlineNotice => ({
    dedupeBase: `test:${randomUUID()}:0`,
    kind: 'reminder',
    level: 0,
    caseId,
    workflowTitle: '组织关系接转',
    stateTitle: '转出审核',
    deadlineTitle: '组织关系转出审核期限',
    dueAt: DUE,
    recipients: { orgId: h.region.anchors.firmAOrgId, role: 'clerk' },
    now: NOW,
  });
  const notify = (n: DeadlineNotice) => h.ds.transaction((em) => svc.notifyDeadline(em, n));
  const inbox = async (username: string, query = 'pageSize=200') => {
    const res = await h
      .http()
      .get(`/api/v1/notifications?${query}`)
      .set(await h.as(username));
    expect(res.status).toBe(200);
    return res.body as { items: any[]; total: number; unread: number };
  };
  const outboxRows = async (
    dedupeBase: string,
  ): Promise<(OutboxDelivery & { dedupe_key: string; next_attempt_at: Date; status: string })[]> =>
    h.ds.query(
      `SELECT id, topic, payload, attempts, case_id AS "caseId", dedupe_key, next_attempt_at, status FROM outbox WHERE dedupe_key LIKE $1 ORDER BY topic`,
      [`${dedupeBase}:%`],
    );

  beforeAll(async () => {
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
    hookServer = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        hooks.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res
          .writeHead(hookStatus, { 'Content-Type': 'application/json' })
          .end(hookStatus === 200 ? '{"errcode":0,"errmsg":"ok"}' : '{"error":"down"}');
      });
    });
    await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', () => resolve()));
    hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/robot/send?key=test`;

    // api role only: no outbox relay runs, the tests call the registered handlers themselves
    h = await startHarness({ ROLE: 'api', SMTP_URL: smtpUrl });
    svc = h.app.get(NotificationsService);
    users = Object.fromEntries(
      (await h.ds.query(`SELECT username, id FROM users`)).map((u: any) => [u.username, u.id]),
    );

    // a real case: a membership transfer out of firm A's branch, for a member other suites do not use
    const members = fullMembersOf(h.region, h.region.anchors.firmAOrgId);
    const member = members[members.length - 3];
    const res = await h
      .http()
      .post('/api/v1/cases')
      .set(await h.as('branch-a'))
      .send({
        workflow: 'membership-transfer',
        subject: { memberId: member.id },
        input: { toOrgId: h.region.anchors.firmBOrgId },
      });
    expect(res.status).toBe(201);
    caseId = res.body.id;
  });

  afterAll(async () => {
    await h?.close();
    await new Promise((r) => smtp.close(() => r(undefined)));
    hookServer?.closeAllConnections();
    await new Promise((r) => hookServer?.close(() => r(undefined)));
  });

  it('puts a Chinese reminder in the inbox of the branch-a clerk, and nobody else', async () => {
    const n = base();
    expect(await notify(n)).toEqual({ inApp: 1, outbound: 0 });
    const rows = await h.ds.query(
      `SELECT user_id, dedupe_key, deliver_at FROM notifications WHERE dedupe_key LIKE $1`,
      [`${n.dedupeBase}:%`],
    );
    expect(rows).toEqual([
      { user_id: users['branch-a'], dedupe_key: `${n.dedupeBase}:${users['branch-a']}:in_app`, deliver_at: NOW },
    ]);

    const mine = (await inbox('branch-a')).items.filter((i) => i.caseId === caseId);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      kind: 'reminder',
      title: '【待办提醒】组织关系接转：转出审核',
      body: '您有一项“转出审核”待办，期限为 2026年3月9日（星期一）。请及时办理。',
      link: { caseId },
      read: false,
      readAt: null,
    });
    for (const other of ['branch-b', 'city', 'supervisor', 'admin'])
      expect((await inbox(other)).items.filter((i) => i.caseId === caseId)).toHaveLength(0);
  });

  it('delivers a stage once per recipient, however often it is notified (in-app and outbox)', async () => {
    const n = base();
    expect(await notify(n)).toEqual({ inApp: 1, outbound: 0 });
    expect(await notify(n)).toEqual({ inApp: 0, outbound: 0 });
    // concurrently, in two transactions: the unique dedupe key lets exactly one insert through
    const both = await Promise.all([notify(n), notify(n)]);
    expect(both.reduce((s, r) => s + r.inApp, 0)).toBe(0);
    const [{ count }] = await h.ds.query(`SELECT count(*)::int AS count FROM notifications WHERE dedupe_key LIKE $1`, [
      `${n.dedupeBase}:%`,
    ]);
    expect(count).toBe(1);
  });

  it('marks one read (404 for somebody else’s), lists unread only, marks all read', async () => {
    await notify(base());
    const before = await inbox('branch-a');
    expect(before.unread).toBeGreaterThanOrEqual(2);
    const target = before.items.find((i) => !i.read);

    expect(
      (
        await h
          .http()
          .post(`/api/v1/notifications/${target.id}/read`)
          .set(await h.as('branch-b'))
      ).status,
    ).toBe(404);
    expect(
      (
        await h
          .http()
          .post(`/api/v1/notifications/not-a-uuid/read`)
          .set(await h.as('branch-a'))
      ).status,
    ).toBe(404);
    expect(
      (
        await h
          .http()
          .post(`/api/v1/notifications/${randomUUID()}/read`)
          .set(await h.as('branch-a'))
      ).body.code,
    ).toBe('NOT_FOUND');

    const read = await h
      .http()
      .post(`/api/v1/notifications/${target.id}/read`)
      .set(await h.as('branch-a'));
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: target.id, read: true });
    // idempotent: the first read time stays
    const again = await h
      .http()
      .post(`/api/v1/notifications/${target.id}/read`)
      .set(await h.as('branch-a'));
    expect(again.body.readAt).toBe(read.body.readAt);

    const unreadOnly = await inbox('branch-a', 'unreadOnly=true&pageSize=200');
    expect(unreadOnly.unread).toBe(before.unread - 1);
    expect(unreadOnly.total).toBe(before.unread - 1);
    expect(unreadOnly.items.some((i) => i.id === target.id)).toBe(false);
    expect(unreadOnly.items.every((i) => !i.read)).toBe(true);

    const page = await inbox('branch-a', 'page=1&pageSize=1');
    expect(page.items).toHaveLength(1);
    expect(page.total).toBe(before.total);

    const all = await h
      .http()
      .post('/api/v1/notifications/read-all')
      .set(await h.as('branch-a'));
    expect(all.status).toBe(200);
    expect(all.body.updated).toBe(before.unread - 1);
    expect((await inbox('branch-a')).unread).toBe(0);
    expect(
      (
        await h
          .http()
          .get('/api/v1/notifications?pageSize=1000')
          .set(await h.as('branch-a'))
      ).status,
    ).toBe(400);
  });

  it('routes escalations: 督办 to the upper committee’s clerk, 上报 to the supervisors above', async () => {
    const cityId = h.region.anchors.cityId;
    const first = {
      ...base(),
      kind: 'escalation' as const,
      level: 1,
      recipients: { orgId: cityId, role: 'clerk' as const },
    };
    expect(await notify(first)).toEqual({ inApp: 1, outbound: 0 });
    const second = {
      ...base(),
      kind: 'escalation' as const,
      level: 2,
      recipients: { orgId: cityId, role: 'supervisor' as const },
    };
    expect(await notify(second)).toEqual({ inApp: 1, outbound: 0 }); // the provincial supervisor, an ancestor of the city

    const city = (await inbox('city')).items.filter((i) => i.caseId === caseId);
    expect(city.map((i) => i.title)).toEqual(['【逾期督办】组织关系接转：转出审核']);
    expect(city[0].body).toBe('下级党组织的“转出审核”待办期限为 2026年3月9日（星期一），现已逾期，请督促办理。');
    const sup = (await inbox('supervisor')).items.filter((i) => i.caseId === caseId);
    expect(sup.map((i) => i.title)).toEqual(['【逾期上报】组织关系接转：转出审核']);
    expect(sup[0]).toMatchObject({ kind: 'escalation', level: 2 });
    expect((await inbox('admin')).items.filter((i) => i.caseId === caseId)).toHaveLength(0);

    // supervisors of the org itself count too; clerks never receive a supervisor notice
    const atProvince = {
      ...base(),
      kind: 'escalation' as const,
      level: 2,
      recipients: { orgId: h.region.anchors.provinceId, role: 'supervisor' as const },
    };
    expect((await notify(atProvince)).inApp).toBe(1);
    const underBranch = {
      ...base(),
      kind: 'escalation' as const,
      level: 2,
      recipients: { orgId: h.region.anchors.firmBOrgId, role: 'supervisor' as const },
    };
    expect((await notify(underBranch)).inApp).toBe(1);
    const rows = await h.ds.query(
      `SELECT DISTINCT user_id FROM notifications WHERE dedupe_key LIKE $1 OR dedupe_key LIKE $2`,
      [`${atProvince.dedupeBase}:%`, `${underBranch.dedupeBase}:%`],
    );
    expect(rows).toEqual([{ user_id: users.supervisor }]);
  });

  it('holds a reminder raised at night until the next working morning (not shown before)', async () => {
    const calendar = h.app.get(WorkingCalendar);
    // a night in the future, so that "not shown yet" holds against the engine's real clock
    const night = DateTime.now()
      .setZone('Asia/Shanghai')
      .plus({ days: 30 })
      .set({ hour: 22, minute: 0, second: 0, millisecond: 0 })
      .toJSDate();
    const expected = new Date(calendar.nextWorkingMorning(night, 9));
    expect(DateTime.fromJSDate(expected, { zone: 'Asia/Shanghai' }).hour).toBe(9);
    expect(expected.getTime()).toBeGreaterThan(night.getTime());

    const n = { ...base(), now: night };
    expect((await notify(n)).inApp).toBe(1);
    const [row] = await h.ds.query(`SELECT deliver_at, created_at FROM notifications WHERE dedupe_key LIKE $1`, [
      `${n.dedupeBase}:%`,
    ]);
    expect(row.deliver_at).toEqual(expected);
    expect(row.created_at).toEqual(night);
    expect((await inbox('branch-a')).items.some((i) => i.deliverAt === expected.toISOString())).toBe(false);
    expect((await inbox('branch-a')).items.every((i) => new Date(i.deliverAt).getTime() <= Date.now())).toBe(true);

    // the policy's quiet hours decide: with none (from == to) a working-day night is not quiet
    const sameNightNoQuiet = { ...base(), now: night, quietHours: { from: '00:00', to: '00:00' } };
    await notify(sameNightNoQuiet);
    const [plain] = await h.ds.query(`SELECT deliver_at FROM notifications WHERE dedupe_key LIKE $1`, [
      `${sameNightNoQuiet.dedupeBase}:%`,
    ]);
    expect(plain.deliver_at).toEqual(calendar.isWorkingDay(night) ? night : expected);

    // overdue notices wait too by default, not with deferEscalations: false
    const overdue = { ...base(), kind: 'overdue' as const, now: night, deferEscalations: false };
    await notify(overdue);
    const [od] = await h.ds.query(`SELECT deliver_at FROM notifications WHERE dedupe_key LIKE $1`, [
      `${overdue.dedupeBase}:%`,
    ]);
    expect(od.deliver_at).toEqual(night);
  });

  // ------------------------------------------------------------------------------------- channel subscriptions

  let emailChannelId: string;
  let webhookChannelId: string;

  it('manages channel subscriptions over HTTP: own, and an org’s by its clerk', async () => {
    const post = async (user: string, body: object) =>
      h
        .http()
        .post('/api/v1/notifications/channels')
        .set(await h.as(user))
        .send(body);

    const bad = await post('branch-a', { channel: 'email', address: 'not-an-address' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(bad.body.details.map((d: any) => d.field)).toEqual(['address']);
    expect((await post('branch-a', { channel: 'webhook', address: 'ftp://127.0.0.1/x' })).status).toBe(400);
    expect(
      (await post('branch-a', { channel: 'email', address: 'a@example.com', secret: 'only-for-webhooks' })).status,
    ).toBe(400);
    expect((await post('branch-a', { channel: 'email', address: 'a@example.com', extra: 1 })).status).toBe(400);

    const email = await post('branch-a', { channel: 'email', address: 'branch-a@example.com' });
    expect(email.status).toBe(201);
    expect(email.body).toMatchObject({
      channel: 'email',
      address: 'branch-a@example.com',
      userId: users['branch-a'],
      orgId: null,
      enabled: true,
      hasSecret: false,
    });
    emailChannelId = email.body.id;
    const dup = await post('branch-a', { channel: 'email', address: 'branch-a@example.com' });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('DUPLICATE');

    // an org's channel: only a clerk of exactly that org (or an admin)
    expect(
      (await post('branch-a', { channel: 'webhook', address: hookUrl, orgId: h.region.anchors.firmBOrgId })).status,
    ).toBe(403);
    expect(
      (await post('city', { channel: 'webhook', address: hookUrl, orgId: h.region.anchors.firmAOrgId })).status,
    ).toBe(403);
    const hook = await post('branch-a', {
      channel: 'webhook',
      address: hookUrl,
      secret: 'robot-secret-123',
      orgId: h.region.anchors.firmAOrgId,
    });
    expect(hook.status).toBe(201);
    expect(hook.body).toMatchObject({
      channel: 'webhook',
      address: hookUrl,
      userId: null,
      orgId: h.region.anchors.firmAOrgId,
      hasSecret: true,
    });
    expect(JSON.stringify(hook.body)).not.toContain('robot-secret-123');
    webhookChannelId = hook.body.id;
    // the same address on the user as well: one message per address, not two
    expect((await post('branch-a', { channel: 'webhook', address: hookUrl })).status).toBe(201);

    const listed = await h
      .http()
      .get('/api/v1/notifications/channels')
      .set(await h.as('branch-a'));
    expect(listed.status).toBe(200);
    expect(listed.body.map((c: any) => c.id)).toEqual(expect.arrayContaining([emailChannelId, webhookChannelId]));
    expect(JSON.stringify(listed.body)).not.toContain('robot-secret-123');
    const others = await h
      .http()
      .get('/api/v1/notifications/channels')
      .set(await h.as('branch-b'));
    expect(others.body).toEqual([]);
    expect(
      (
        await h
          .http()
          .get(`/api/v1/notifications/channels?orgId=${h.region.anchors.firmAOrgId}`)
          .set(await h.as('branch-b'))
      ).status,
    ).toBe(403);
    const byAdmin = await h
      .http()
      .get(`/api/v1/notifications/channels?orgId=${h.region.anchors.firmAOrgId}`)
      .set(await h.as('admin'));
    expect(byAdmin.body.map((c: any) => c.id)).toEqual([webhookChannelId]);

    // someone else's subscription is not found, not forbidden
    expect(
      (
        await h
          .http()
          .delete(`/api/v1/notifications/channels/${emailChannelId}`)
          .set(await h.as('branch-b'))
      ).status,
    ).toBe(404);
    expect(
      (
        await h
          .http()
          .delete(`/api/v1/notifications/channels/${webhookChannelId}`)
          .set(await h.as('city'))
      ).status,
    ).toBe(404);
  });

  it('e-mails the reminder through a real SMTP server, exactly once, with a Chinese subject', async () => {
    const n = base();
    // branch-a's own e-mail + firm A branch's webhook (the same URL on the user is sent once)
    expect(await notify(n)).toEqual({ inApp: 1, outbound: 2 });
    expect(await notify(n)).toEqual({ inApp: 0, outbound: 0 });
    const rows = await outboxRows(n.dedupeBase);
    expect(rows.map((r) => [r.topic, r.dedupe_key, r.status])).toEqual([
      ['notification.email', `${n.dedupeBase}:${emailChannelId}:email`, 'pending'],
      ['notification.webhook', `${n.dedupeBase}:${webhookChannelId}:webhook`, 'pending'],
    ]);
    expect(rows.every((r) => r.caseId === caseId)).toBe(true);

    const email = h.app.get(OutboxHandlers).get('notification.email')!;
    expect(email).toBeDefined();
    const sentBefore = mails.length;
    await email.deliver(rows[0]);
    expect(mails.length - sentBefore).toBe(1);
    const mail = mails[mails.length - 1];
    expect(mail.to).toEqual(['branch-a@example.com']);
    expect(mail.from).toBe('noreply@partyflow.local');
    const parsed = parseMail(mail.raw);
    // UTF-8 really was encoded on the wire (RFC 2047), and decodes to the Chinese title
    expect(parsed.rawHeaders.get('subject')).toMatch(/^=\?UTF-8\?[BQ]\?/i);
    expect(parsed.headers.get('subject')).toBe('【待办提醒】组织关系接转：转出审核');
    expect(parsed.headers.get('to')).toBe('branch-a@example.com');
    expect(parsed.headers.get('content-type')).toMatch(/text\/plain; charset=utf-8/i);
    expect(parsed.text).toContain('您有一项“转出审核”待办，期限为 2026年3月9日（星期一）。请及时办理。');
    expect(parsed.text).toContain(`案件编号：${caseId}`);
    expect(parsed.headers.get('x-partyflow-notification')).toBe(rows[0].dedupe_key);
  });

  it('posts the signed robot message to the webhook; a failing receiver makes delivery throw (retry)', async () => {
    const n = base();
    await notify(n);
    const [, row] = await outboxRows(n.dedupeBase);
    expect(row.topic).toBe('notification.webhook');
    const webhook = h.app.get(OutboxHandlers).get('notification.webhook')!;

    const before = hooks.length;
    await webhook.deliver(row);
    expect(hooks.length - before).toBe(1);
    const got = hooks[hooks.length - 1];
    expect(got.url).toBe('/robot/send?key=test');
    const ts = String(got.headers['x-partyflow-timestamp']);
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(120);
    const expected = 'sha256=' + createHmac('sha256', 'robot-secret-123').update(`${ts}.${got.body}`).digest('hex');
    expect(got.headers['x-partyflow-signature']).toBe(expected);
    const body = JSON.parse(got.body);
    expect(body.msgtype).toBe('text');
    expect(body.text.content).toContain('【待办提醒】组织关系接转：转出审核');
    expect(body.text.content).toContain('期限为 2026年3月9日（星期一）');
    expect(body.notification).toMatchObject({ kind: 'reminder', caseId, link: { caseId }, dueAt: DUE.toISOString() });

    hookStatus = 500;
    try {
      await expect(webhook.deliver(row)).rejects.toThrow(/HTTP 500/);
    } finally {
      hookStatus = 200;
    }
  });

  it('a stage scheduled by day but delivered late at night: shown in-app at once, pushed out the next working morning', async () => {
    const lateNight = DateTime.now()
      .setZone('Asia/Shanghai')
      .plus({ days: 30 })
      .set({ hour: 23, minute: 30, second: 0, millisecond: 0 })
      .toJSDate();
    const n = { ...base(), stageAt: NOW, now: lateNight };
    const t0 = Date.now();
    expect(await notify(n)).toEqual({ inApp: 1, outbound: 2 }); // branch-a's e-mail, the branch's webhook
    const [row] = await h.ds.query(`SELECT id, deliver_at FROM notifications WHERE dedupe_key LIKE $1`, [
      `${n.dedupeBase}:%`,
    ]);
    expect(row.deliver_at).toEqual(NOW);
    expect((await inbox('branch-a')).items.some((i) => i.id === row.id)).toBe(true);
    const expectedSend = new Date(h.app.get(WorkingCalendar).nextWorkingMorning(lateNight, 9));
    const delay = expectedSend.getTime() - lateNight.getTime();
    const out = await outboxRows(n.dedupeBase);
    expect(out).toHaveLength(2);
    for (const r of out) {
      expect(new Date(r.next_attempt_at).getTime()).toBeGreaterThanOrEqual(t0 + delay - 1000);
      expect(new Date(r.next_attempt_at).getTime()).toBeLessThanOrEqual(Date.now() + delay + 1000);
      expect(r.payload.notification.deliverAt).toBe(expectedSend.toISOString());
    }
  });

  it('defers outbound messages of a night reminder by the same delay (outbox runs on wall time)', async () => {
    const night = DateTime.now()
      .setZone('Asia/Shanghai')
      .plus({ days: 30 })
      .set({ hour: 22, minute: 0, second: 0, millisecond: 0 })
      .toJSDate();
    const n = { ...base(), now: night };
    const t0 = Date.now();
    await notify(n);
    const [inApp] = await h.ds.query(`SELECT deliver_at FROM notifications WHERE dedupe_key LIKE $1`, [
      `${n.dedupeBase}:%`,
    ]);
    const delay = new Date(inApp.deliver_at).getTime() - night.getTime();
    expect(delay).toBeGreaterThan(0);
    for (const r of await outboxRows(n.dedupeBase)) {
      const at = new Date(r.next_attempt_at).getTime();
      expect(at).toBeGreaterThanOrEqual(t0 + delay - 1000);
      expect(at).toBeLessThanOrEqual(Date.now() + delay + 1000);
      expect(r.payload.notification.deliverAt).toBe(new Date(inApp.deliver_at).toISOString());
    }
  });

  it('keeps an e-mail pending (throws) when no SMTP server is configured', async () => {
    const n = base();
    await notify(n);
    const [row] = await outboxRows(n.dedupeBase);
    const unconfigured = new EmailNotificationHandler(channelLookup(h.app.get(NotificationChannelsRepository)), {
      from: 'PartyFlow <noreply@partyflow.local>',
    });
    const before = mails.length;
    await expect(unconfigured.deliver(row)).rejects.toThrow(/SMTP_URL/);
    expect(mails.length).toBe(before);
  });

  it('sends nothing for a subscription removed before delivery (undeliverable); removed ones get no new messages', async () => {
    const n = base();
    await notify(n);
    const rows = await outboxRows(n.dedupeBase);
    const del = await h
      .http()
      .delete(`/api/v1/notifications/channels/${emailChannelId}`)
      .set(await h.as('branch-a'));
    expect(del.status).toBe(200);
    const mailsBefore = mails.length;
    // undeliverable, not "delivered": the relay marks the row dead with the reason, and does not retry
    await expect(h.app.get(OutboxHandlers).get('notification.email')!.deliver(rows[0])).rejects.toBeInstanceOf(
      OutboxUndeliverable,
    );
    expect(mails.length).toBe(mailsBefore);

    const after = base();
    expect(await notify(after)).toEqual({ inApp: 1, outbound: 1 }); // the webhook only
  });
});
