import { NotificationChannelsRepository } from '../../libs/notifications/notification-channels.repository';
import { NotificationsRepository, NoticeToFanOut } from '../../libs/notifications/notifications.repository';
import { startDatabase, TestDatabase } from '../support/database';

describe('NotificationsRepository and NotificationChannelsRepository (real PostgreSQL)', () => {
  let db: TestDatabase;
  let notifications: NotificationsRepository;
  let channels: NotificationChannelsRepository;
  const userId = async (username: string): Promise<string> =>
    (await db.ds.query(`SELECT id FROM users WHERE username = $1`, [username]))[0].id;
  const at = new Date('2026-06-01T02:00:00Z');
  let n = 0;
  const notice = (over: Partial<NoticeToFanOut> = {}): NoticeToFanOut => ({
    orgId: db.region.anchors.cityId,
    role: 'clerk',
    caseId: null,
    kind: 'reminder',
    level: 1,
    title: `提醒 ${++n}`,
    body: '正文',
    link: { caseId: null },
    dedupeBase: `test:${n}`,
    deliverAt: at,
    ...over,
  });

  beforeAll(async () => {
    db = await startDatabase([NotificationsRepository, NotificationChannelsRepository]);
    notifications = db.get(NotificationsRepository);
    channels = db.get(NotificationChannelsRepository);
  }, 30_000);
  afterAll(() => db.close());

  it('fans a batch out to the clerks of the org and the supervisors above it, once per dedupe key', async () => {
    const city = await userId('city');
    const supervisor = await userId('supervisor');
    const batch = [notice(), notice({ role: 'supervisor', orgId: db.region.anchors.firmAOrgId })];
    const first = await db.ds.transaction((em) => notifications.fanOutDeadlines(em, batch, at));
    expect(first).toEqual({ inApp: 2, channels: [] });
    // the same batch again (a retried timer): nothing new
    const again = await db.ds.transaction((em) => notifications.fanOutDeadlines(em, batch, at));
    expect(again.inApp).toBe(0);
    const mine = await notifications.listDelivered(city, at, { unreadOnly: false, limit: 10, offset: 0 });
    expect(mine.map((r) => r.title)).toContain(batch[0].title);
    const theirs = await notifications.listDelivered(supervisor, at, { unreadOnly: false, limit: 10, offset: 0 });
    expect(theirs.map((r) => r.title)).toEqual([batch[1].title]);
  });

  it('returns the enabled subscriptions each notice reaches, signed webhooks first, then the org’s', async () => {
    const city = await userId('city');
    const personal = await channels.insert({
      userId: city,
      orgId: null,
      channel: 'webhook',
      address: 'https://example.org/mine',
      secret: null,
      enabled: true,
    });
    const orgs = await channels.insert({
      userId: null,
      orgId: db.region.anchors.cityId,
      channel: 'webhook',
      address: 'https://example.org/org',
      secret: 's3cret',
      enabled: true,
    });
    await channels.insert({
      userId: null,
      orgId: db.region.anchors.cityId,
      channel: 'email',
      address: 'off@example.org',
      secret: null,
      enabled: false,
    });
    const { channels: reached } = await db.ds.transaction((em) =>
      notifications.fanOutDeadlines(em, [notice(), notice({ orgId: db.region.anchors.firmBOrgId })], at),
    );
    expect(reached).toEqual([
      { idx: 0, id: orgs!.id, channel: 'webhook', address: 'https://example.org/org' },
      { idx: 0, id: personal!.id, channel: 'webhook', address: 'https://example.org/mine' },
    ]);
    await channels.delete(personal!.id);
    await channels.delete(orgs!.id);
  });

  it('counts, lists only what is delivered by now, and marks read once', async () => {
    const city = await userId('city');
    const later = new Date(at.getTime() + 86_400_000);
    await db.ds.transaction((em) =>
      notifications.fanOutDeadlines(em, [notice({ title: '明早再看', deliverAt: later })], at),
    );
    const before = await notifications.countDelivered(city, at);
    const listed = await notifications.listDelivered(city, at, { unreadOnly: true, limit: 100, offset: 0 });
    expect(listed.map((r) => r.title)).not.toContain('明早再看');
    expect(before.unread).toBe(listed.length);
    const row = await notifications.markRead(listed[0].id, city, at);
    expect(row?.read_at).toEqual(at);
    // a second read keeps the first read time
    expect((await notifications.markRead(listed[0].id, city, later))?.read_at).toEqual(at);
    // not someone else's, not one not yet delivered
    expect(await notifications.markRead(listed[0].id, await userId('supervisor'), at)).toBeUndefined();
    const future = (await notifications.listDelivered(city, later, { unreadOnly: true, limit: 100, offset: 0 })).find(
      (r) => r.title === '明早再看',
    )!;
    expect(await notifications.markRead(future.id, city, at)).toBeUndefined();
    expect(await notifications.markAllRead(city, at)).toBe(before.unread - 1);
    expect(await notifications.countDelivered(city, at)).toEqual({ all: before.all, unread: 0 });
    expect((await notifications.countDelivered(city, later)).unread).toBe(1);
  });

  it('keeps one subscription per owner, channel and address, and lists what a user may see', async () => {
    const city = await userId('city');
    const c = {
      userId: null,
      orgId: db.region.anchors.cityId,
      channel: 'email' as const,
      address: 'dup@example.org',
      secret: null,
      enabled: true,
    };
    const first = await channels.insert(c);
    expect(first).toMatchObject({ address: 'dup@example.org', has_secret: false, org_id: c.orgId, user_id: null });
    expect(await channels.insert(c)).toBeUndefined();
    const mine = await channels.insert({ ...c, orgId: null, userId: city });
    expect(await channels.ownerOf(first!.id)).toEqual({ user_id: null, org_id: c.orgId });
    expect((await channels.listOfOrg(c.orgId)).map((r) => r.id)).toContain(first!.id);
    // own subscriptions first, then the managed organizations'
    const visible = await channels.listVisible(city, [c.orgId], false);
    expect(visible[0].id).toBe(mine!.id);
    expect(visible.map((r) => r.id)).toContain(first!.id);
    expect((await channels.listVisible(await userId('supervisor'), [], false)).map((r) => r.id)).not.toContain(
      first!.id,
    );
    expect((await channels.listVisible(await userId('admin'), [], true)).map((r) => r.id)).toContain(first!.id);
    expect(await channels.findTarget(first!.id)).toMatchObject({ channel: 'email', secret: null, enabled: true });
    await channels.delete(first!.id);
    expect(await channels.findTarget(first!.id)).toBeNull();
  });
});
