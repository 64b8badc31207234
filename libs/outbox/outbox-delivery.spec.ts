import { deliverOutboxRow, OutboxUndeliverable } from './outbox-delivery';
import { outboxBackoffMs } from './outbox';

/** A fake EntityManager recording the statements. */
const fakeEm = () => {
  const calls: { sql: string; params: unknown[] }[] = [];
  return { calls, em: { query: async (sql: string, params: unknown[]) => (calls.push({ sql, params }), []) } as any };
};
const row = { id: '7', topic: 'licensing.status', payload: { a: 1 }, attempts: 2, caseId: null };
const now = new Date('2026-05-01T00:00:00Z');

describe('deliverOutboxRow', () => {
  it('marks a delivered row with the attempt count and time, and logs the attempt', async () => {
    const { em, calls } = fakeEm();
    const seen: any[] = [];
    const out = await deliverOutboxRow(em, row, { deliver: async (m) => void seen.push(m) }, now);
    expect(out).toEqual({ id: '7', outcome: 'delivered', attempts: 3 });
    expect(seen[0]).toMatchObject({ id: '7', attempts: 3, payload: { a: 1 } });
    expect(calls[0].sql).toMatch(/INSERT INTO outbox_attempts/);
    expect(calls[0].params).toEqual(['7', 3, now, true, null, expect.any(Number)]);
    expect(calls[1].sql).toMatch(/status = 'delivered'/);
    expect(calls[1].params).toEqual(['7', 3, now]);
  });

  it('records a failure with backoff and never throws', async () => {
    const { em, calls } = fakeEm();
    const err = Object.assign(new Error('fetch failed'), {
      cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9' },
    });
    const out = await deliverOutboxRow(em, row, { deliver: async () => Promise.reject(err) }, now);
    expect(out.outcome).toBe('retry');
    expect(out.error).toMatch(/^无法连接接收方（ECONNREFUSED/);
    expect(out.nextAttemptAt).toEqual(new Date(now.getTime() + outboxBackoffMs(3)));
    expect(calls[1].sql).toMatch(/last_error = \$3, next_attempt_at = \$4/);
  });

  it('makes an undeliverable message dead, with the reason', async () => {
    const { em, calls } = fakeEm();
    const out = await deliverOutboxRow(
      em,
      row,
      { deliver: async () => Promise.reject(new OutboxUndeliverable('nobody to tell')) },
      now,
    );
    expect(out).toMatchObject({ outcome: 'dead', error: 'nobody to tell' });
    expect(calls[1].sql).toMatch(/status = 'dead'/);
  });
});
