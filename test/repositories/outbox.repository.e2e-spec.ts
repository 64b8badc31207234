import { OutboxHandlers, outboxBackoffMs } from '../../libs/outbox/outbox';
import { OutboxDeliveryService, OutboxUndeliverable } from '../../libs/outbox/outbox-delivery';
import { OutboxRepository } from '../../libs/outbox/outbox.repository';
import { startDatabase, TestDatabase } from '../support/database';

describe('OutboxRepository and OutboxDeliveryService (real PostgreSQL)', () => {
  let db: TestDatabase;
  let outbox: OutboxRepository;
  let delivery: OutboxDeliveryService;
  let topicNo = 0;
  /** every test its own topic, so due rows of other tests never get in the way */
  const freshTopic = () => `test.topic-${++topicNo}`;
  const now = new Date('2026-05-01T00:00:00Z');

  beforeAll(async () => {
    db = await startDatabase([OutboxRepository, OutboxDeliveryService, OutboxHandlers], { seed: false });
    outbox = db.get(OutboxRepository);
    delivery = db.get(OutboxDeliveryService);
  }, 30_000);
  afterAll(() => db.close());

  const enqueue = (topic: string, extra: { dedupeKey?: string; notBefore?: Date } = {}) =>
    db.ds.transaction((em) => outbox.enqueue(em, { topic, payload: { a: 1 }, notBefore: now, ...extra }));
  const rowOf = async (topic: string) =>
    (await db.ds.query(`SELECT * FROM outbox WHERE topic = $1 ORDER BY id`, [topic]))[0];
  const attemptsOf = (id: string) =>
    db.ds.query(`SELECT attempt, ok, error FROM outbox_attempts WHERE outbox_id = $1 ORDER BY attempt`, [id]);

  it('stores a dedupe key once, and schedules a row at notBefore (else now)', async () => {
    const topic = freshTopic();
    expect(await enqueue(topic, { dedupeKey: `${topic}:k` })).toBe(true);
    expect(await enqueue(topic, { dedupeKey: `${topic}:k` })).toBe(false);
    expect(await db.ds.query(`SELECT count(*)::int AS n FROM outbox WHERE topic = $1`, [topic])).toEqual([{ n: 1 }]);
    const later = freshTopic();
    await db.ds.transaction((em) => outbox.enqueue(em, { topic: later, payload: {} }));
    expect(new Date((await rowOf(later)).next_attempt_at).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('lists due ids per topic and the relay window soonest first', async () => {
    const topic = freshTopic();
    await enqueue(topic, { notBefore: new Date(now.getTime() + 2_000) });
    await enqueue(topic, { notBefore: new Date(now.getTime() + 1_000) });
    await enqueue(topic, { notBefore: new Date(now.getTime() + 60_000) });
    const ids = await outbox.dueIds({ now: new Date(now.getTime() + 5_000), topic, limit: 10 });
    expect(ids).toHaveLength(2);
    expect(Number(ids[0])).toBeLessThan(Number(ids[1]));
    const window = (await outbox.pendingBefore(new Date(now.getTime() + 5_000), 5000)).filter((r) =>
      ids.includes(r.id),
    );
    expect(window.map((r) => r.id)).toEqual([ids[1], ids[0]]);
    expect(window[0]).toMatchObject({ attempts: 0, nextAttemptAt: new Date(now.getTime() + 1_000) });
  });

  it('locks a row for delivery with SKIP LOCKED: a second transaction does not wait for it', async () => {
    const topic = freshTopic();
    await enqueue(topic);
    const { id } = await rowOf(topic);
    const runner = db.ds.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      expect(await outbox.lockForDelivery(runner.manager, id)).toMatchObject({
        id,
        topic,
        status: 'pending',
        attempts: 0,
        caseId: null,
      });
      expect(await db.ds.transaction((em) => outbox.lockForDelivery(em, id))).toBeUndefined();
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });

  it('delivers: marks the row delivered with the attempt count and time, and logs the attempt', async () => {
    const topic = freshTopic();
    await enqueue(topic);
    const seen: unknown[] = [];
    db.get(OutboxHandlers).register(topic, { deliver: async (m) => void seen.push(m) });
    const [out] = await delivery.deliverDue({ topic, now });
    const row = await rowOf(topic);
    expect(out).toEqual({ id: row.id, outcome: 'delivered', attempts: 1 });
    expect(seen[0]).toMatchObject({ id: row.id, attempts: 1, payload: { a: 1 } });
    expect(row).toMatchObject({ status: 'delivered', attempts: 1, delivered_at: now });
    expect(await attemptsOf(row.id)).toEqual([{ attempt: 1, ok: true, error: null }]);
    // delivered rows are no longer due
    expect(await delivery.deliverDue({ topic, now })).toEqual([]);
  });

  it('records a failure with backoff and never throws; retried when due again', async () => {
    const topic = freshTopic();
    await enqueue(topic);
    let fail = true;
    const err = Object.assign(new Error('fetch failed'), {
      cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9' },
    });
    db.get(OutboxHandlers).register(topic, { deliver: async () => (fail ? Promise.reject(err) : undefined) });
    const [out] = await delivery.deliverDue({ topic, now });
    expect(out.outcome).toBe('retry');
    expect(out.error).toMatch(/^无法连接接收方（ECONNREFUSED/);
    expect(out.nextAttemptAt).toEqual(new Date(now.getTime() + outboxBackoffMs(1)));
    const row = await rowOf(topic);
    expect(row).toMatchObject({ status: 'pending', attempts: 1, next_attempt_at: out.nextAttemptAt });
    expect(row.last_error).toBe(out.error);
    // not due before the backoff has passed
    expect(await delivery.deliverDue({ topic, now })).toEqual([]);
    fail = false;
    const [second] = await delivery.deliverDue({ topic, now: out.nextAttemptAt });
    expect(second).toMatchObject({ outcome: 'delivered', attempts: 2 });
    expect((await attemptsOf(row.id)).map((a: { ok: boolean }) => a.ok)).toEqual([false, true]);
  });

  it('makes an undeliverable message dead, with the reason', async () => {
    const topic = freshTopic();
    await enqueue(topic);
    db.get(OutboxHandlers).register(topic, {
      deliver: async () => Promise.reject(new OutboxUndeliverable('nobody to tell')),
    });
    const [out] = await delivery.deliverDue({ topic, now });
    expect(out).toMatchObject({ outcome: 'dead', error: 'nobody to tell', attempts: 1 });
    expect(await rowOf(topic)).toMatchObject({ status: 'dead', attempts: 1, last_error: 'nobody to tell' });
  });

  it('leaves a row without a handler pending, and one not yet due alone', async () => {
    const topic = freshTopic();
    await enqueue(topic);
    const { id } = await rowOf(topic);
    expect(await delivery.deliverOne(id, now, now)).toBeUndefined();
    expect(await rowOf(topic)).toMatchObject({ status: 'pending', attempts: 0 });
    db.get(OutboxHandlers).register(topic, { deliver: async () => undefined });
    expect(await delivery.deliverOne(id, new Date(now.getTime() - 1), now)).toBeUndefined();
    expect(await delivery.deliverOne(id, now, now)).toMatchObject({ outcome: 'delivered' });
  });
});
