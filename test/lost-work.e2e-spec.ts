import { createServer, Server } from 'node:http';
import { loadConfig } from '../config/app-config';
import { Clock } from '../libs/engine/clock';
import { ClockSync } from '../libs/engine/clock-sync.service';
import { RetentionRepository } from '../libs/retention/retention.repository';
import { RetentionService } from '../libs/retention/retention.service';
import { TimerDrainService } from '../libs/timers/timer-drain.service';
import { fullMembersOf, Harness, startHarness } from './support/harness';
import { AppProcess, freePort, startAppProcess } from './support/processes';
import { beijingDay } from './support/dates';

/**
 * Lost and stuck work (issue 11, part B.1), on real PostgreSQL, Redis and worker processes. Faults are
 * injected with real database errors (a trigger that raises once) and real unreachable servers.
 */
jest.setTimeout(240_000);

describe('lost and stuck work (e2e)', () => {
  let h: Harness;
  let members: ReturnType<typeof fullMembersOf>;
  let used = 0;
  const procs: AppProcess[] = [];

  beforeAll(async () => {
    h = await startHarness({ ROLE: 'api' });
    members = fullMembersOf(h.region, h.region.anchors.firmBOrgId);
  });
  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.stop()));
  });
  afterAll(() => h.close());

  const send = async (user: string, caseId: string, body: object) =>
    h
      .http()
      .post(`/api/v1/cases/${caseId}/events`)
      .set(await h.as(user))
      .send(body);

  /** A transfer waiting for the member's report, its letter valid for 20 days; returns the letter timer's due time. */
  async function transferAwaitingReport(): Promise<{ caseId: string; dueAt: Date; validUntil: string }> {
    const opened = await h
      .http()
      .post('/api/v1/cases')
      .set(await h.as('branch-b'))
      .send({
        workflow: 'membership-transfer',
        subject: { memberId: members[used++].id },
        input: { toOrgId: h.region.anchors.firmAOrgId },
      });
    expect(opened.status).toBe(201);
    const caseId = opened.body.id;
    const now = h.app.get(Clock).now();
    const validUntil = beijingDay(20, now.getTime());
    expect((await send('branch-b', caseId, { type: 'APPROVE_RELEASE' })).status).toBe(200);
    expect(
      (
        await send('city', caseId, {
          type: 'ISSUE_LETTER',
          data: { letterNo: `赣律党转〔2026〕${used}号`, validUntil },
        })
      ).status,
    ).toBe(200);
    expect((await send('branch-a', caseId, { type: 'ACCEPT' })).status).toBe(200);
    const [timer] = await h.ds.query(
      `SELECT due_at FROM timers WHERE case_id = $1 AND deadline_key = 'awaiting_report.letter_validity' AND status = 'pending'`,
      [caseId],
    );
    return { caseId, dueAt: new Date(timer.due_at), validUntil };
  }
  const historyTypes = async (caseId: string) =>
    (
      (await h.ds.query(`SELECT type FROM case_history WHERE case_id = $1 ORDER BY seq`, [caseId])) as {
        type: string;
      }[]
    ).map((r) => r.type);
  const letterOutcome = async (caseId: string) =>
    (
      await h.ds.query(
        `SELECT d.outcome FROM timer_deliveries d JOIN timers t ON t.id = d.timer_id
         WHERE t.case_id = $1 AND t.deadline_key = 'awaiting_report.letter_validity'`,
        [caseId],
      )
    ).map((r: { outcome: string }) => r.outcome);

  /** Outcomes of the clock's event (refused or failed): none expected when the event went through. */
  const eventOutcomes = async (caseId: string) =>
    (await letterOutcome(caseId)).filter((o: string) => /^event_/.test(o));

  it('a transient database error while the clock sends its event is retried, not recorded as "event refused"', async () => {
    const { caseId, dueAt } = await transferAwaitingReport();
    // a real serialization failure (SQLSTATE 40001), raised once by the database when the expiry is written
    await h.ds.query(`CREATE SEQUENCE IF NOT EXISTS fault_once_expiry`);
    await h.ds.query(`
      CREATE OR REPLACE FUNCTION fault_expiry() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.type = 'LETTER_EXPIRED' AND nextval('fault_once_expiry') = 1 THEN
          RAISE EXCEPTION 'could not serialize access (injected)' USING ERRCODE = '40001';
        END IF;
        RETURN NEW;
      END $$`);
    await h.ds.query(
      `CREATE TRIGGER fault_expiry BEFORE INSERT ON case_history FOR EACH ROW EXECUTE FUNCTION fault_expiry()`,
    );
    try {
      await h.app.get(ClockSync).moveTo(new Date(dueAt.getTime() + 60_000));
      await h.app.get(TimerDrainService).drain();
    } finally {
      await h.ds.query(`DROP TRIGGER fault_expiry ON case_history`);
    }
    const [{ v }] = await h.ds.query(`SELECT last_value AS v FROM fault_once_expiry`);
    expect(Number(v)).toBeGreaterThanOrEqual(1); // the fault did happen
    expect(await historyTypes(caseId)).toContain('LETTER_EXPIRED');
    expect(await eventOutcomes(caseId)).toEqual([]);
    const [c] = await h.ds.query(`SELECT state FROM cases WHERE id = $1`, [caseId]);
    expect(c.state).toBe('letter_expired');
  });

  it('the timer drain and a transition on the same case do not deadlock: the transition that holds the case goes first, the expiry is not lost', async () => {
    const { caseId, dueAt, validUntil } = await transferAwaitingReport();
    await h.app.get(ClockSync).moveTo(new Date(dueAt.getTime() + 60_000));
    const drain = h.app.get(TimerDrainService);
    // hold the claimed timer longer than deadlock_timeout (1 s): the report's transition updates the case, then
    // waits for the timer it must cancel; the drain then finds the case taken and must not wait for it
    drain.pauseAfterClaimMs = 1500;
    let drained: Promise<{ events: number; fired: number }>;
    try {
      drained = drain.drainBatch(500);
      // let the drain claim its batch (a probe of the row locks here would make its SKIP LOCKED pass the row by)
      await new Promise((r) => setTimeout(r, 400));
      // the receiving branch records the report (on the letter's last day: valid) while the drain holds the timer
      const report = await send('branch-a', caseId, { type: 'RECORD_REPORT', data: { reportedOn: validUntil } });
      expect(report.status).toBe(200);
      const batch = await drained;
      expect(batch.events).toBe(0); // the expiry was not sent into a case another transaction held
    } finally {
      drain.pauseAfterClaimMs = 0;
    }
    // the report left the state: the letter timer is cancelled, not left pending, and nothing was refused
    const [timer] = await h.ds.query(
      `SELECT status FROM timers WHERE case_id = $1 AND deadline_key = 'awaiting_report.letter_validity'`,
      [caseId],
    );
    expect(timer.status).toBe('cancelled');
    expect(await eventOutcomes(caseId)).toEqual([]);
    expect(await historyTypes(caseId)).not.toContain('LETTER_EXPIRED');
    const verify = await h
      .http()
      .get(`/api/v1/audit/verify?caseId=${caseId}`)
      .set(await h.as('supervisor'));
    expect(verify.body.ok).toBe(true);
  });

  it('a clock event whose case is held by another transaction waits for the next pass, and is then delivered once', async () => {
    const { caseId, dueAt } = await transferAwaitingReport();
    await h.app.get(ClockSync).moveTo(new Date(dueAt.getTime() + 60_000));
    const drain = h.app.get(TimerDrainService);
    const holder = h.ds.createQueryRunner();
    let reminders: number;
    await holder.connect();
    try {
      // another transaction holds the case row (as a transition does between its update and its commit)
      await holder.startTransaction();
      await holder.query(`SELECT id FROM cases WHERE id = $1 FOR NO KEY UPDATE`, [caseId]);
      const first = await drain.drain();
      expect(first.events).toBe(0);
      // the reminders before it went out; the timer waits at its deadline stage, the one that sends the event
      const [pending] = await h.ds.query(
        `SELECT status, stages -> next_stage ->> 'kind' AS kind FROM timers
         WHERE case_id = $1 AND deadline_key = 'awaiting_report.letter_validity'`,
        [caseId],
      );
      expect(pending).toEqual({ status: 'pending', kind: 'deadline' });
      reminders = (await letterOutcome(caseId)).length;
      await holder.commitTransaction();
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
    const second = await drain.drain();
    expect(second.events).toBe(1);
    expect(await historyTypes(caseId)).toContain('LETTER_EXPIRED');
    expect(await letterOutcome(caseId)).toEqual(Array(reminders + 1).fill('notified'));
    expect((await drain.drain()).events).toBe(0);
    expect((await historyTypes(caseId)).filter((t) => t === 'LETTER_EXPIRED')).toHaveLength(1);
  });

  it('an outbox row whose delivery hit a database error is delivered on a later pass, not left pending forever', async () => {
    const received: string[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(body);
        res.end('ok');
      });
    });
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    try {
      // a real database error, once, in the delivery's bookkeeping (after the receiver was called)
      await h.ds.query(`CREATE SEQUENCE IF NOT EXISTS fault_once_attempt`);
      await h.ds.query(`
        CREATE OR REPLACE FUNCTION fault_attempt() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF nextval('fault_once_attempt') = 1 THEN RAISE EXCEPTION 'disk full (injected)' USING ERRCODE = 'XX000'; END IF;
          RETURN NEW;
        END $$`);
      await h.ds.query(
        `CREATE TRIGGER fault_attempt BEFORE INSERT ON outbox_attempts FOR EACH ROW EXECUTE FUNCTION fault_attempt()`,
      );
      procs.push(
        await startAppProcess('worker', {
          ...h.env,
          LICENSING_CALLBACK_URL: `http://127.0.0.1:${port}/callback`,
          LICENSING_WEBHOOK_SECRET: 'lost-work-licensing-secret',
          WEBHOOK_ALLOW_CIDRS: '127.0.0.0/8',
        }),
      );
      // inserted once the worker runs, and checked well before its PostgreSQL fallback (15 s) would pick it up:
      // the queue alone must deliver it
      const [{ id }] = await h.ds.query(
        `INSERT INTO outbox (topic, payload) VALUES ('licensing.status', $1) RETURNING id`,
        [{ applicationRef: 'FAULT-OUTBOX-1', partyTransfer: 'pending' }],
      );
      let row: { status: string; attempts: number } | undefined;
      for (let i = 0; i < 30; i++) {
        [row] = await h.ds.query(`SELECT status, attempts FROM outbox WHERE id = $1`, [id]);
        if (row?.status !== 'pending') break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const [{ v }] = await h.ds.query(`SELECT last_value AS v FROM fault_once_attempt`);
      expect(Number(v)).toBeGreaterThanOrEqual(2); // failed once, then went through
      expect(row).toEqual({ status: 'delivered', attempts: 1 });
      // at least once: the receiver saw the first (rolled back) attempt too, with the same delivery id to dedupe on
      expect(received.length).toBeGreaterThanOrEqual(2);
      expect(new Set(received.map((b) => JSON.parse(b).deliveryId))).toEqual(new Set([String(id)]));
    } finally {
      await h.ds.query(`DROP TRIGGER IF EXISTS fault_attempt ON outbox_attempts`);
      server.close();
    }
  });

  it('with Redis unreachable a worker still starts and delivers due timers by polling PostgreSQL; an all-role process serves', async () => {
    const deadRedis = `redis://127.0.0.1:${await freePort()}`; // nothing listens there
    const { caseId, dueAt } = await transferAwaitingReport();
    await h.app.get(ClockSync).moveTo(new Date(dueAt.getTime() + 60_000));
    const worker = await startAppProcess('worker', { ...h.env, REDIS_URL: deadRedis }, { timeoutMs: 120_000 });
    procs.push(worker);
    let state = '';
    for (let i = 0; i < 75 && state !== 'letter_expired'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      [{ state }] = await h.ds.query(`SELECT state FROM cases WHERE id = $1`, [caseId]);
    }
    expect(state).toBe('letter_expired');
    expect(await eventOutcomes(caseId)).toEqual([]);

    // ROLE=all: listens although the relay cannot reach Redis; ready (PostgreSQL answers), Redis reported degraded
    const port = await freePort();
    const all = await startAppProcess(
      'all',
      { ...h.env, REDIS_URL: deadRedis, PORT: String(port) },
      { timeoutMs: 120_000 },
    );
    procs.push(all);
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as any).details.redis).toMatchObject({ degraded: true });
    expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(503);
  });

  it('retention removes old idempotency keys, notifications, delivered outbox rows, deliveries and finished timers, and keeps the rest', async () => {
    const config = loadConfig({
      ...process.env,
      ...h.env,
      RETENTION_IDEMPOTENCY_DAYS: '7',
      RETENTION_NOTIFICATIONS_DAYS: '30',
      RETENTION_OUTBOX_DAYS: '30',
      RETENTION_DELIVERIES_DAYS: '30',
      RETENTION_TIMERS_DAYS: '30',
    });
    const clock = h.app.get(Clock);
    const retention = new RetentionService(config, clock, new RetentionRepository(h.ds));
    const old = new Date(Date.now() - 100 * 86_400_000);
    const engineOld = new Date(clock.now().getTime() - 100 * 86_400_000);
    await h.ds.query(
      `INSERT INTO idempotency_keys (user_id, scope, key, request_hash, created_at) VALUES ('u', 's', 'old', 'h', $1), ('u', 's', 'new', 'h', now())`,
      [old],
    );
    const [user] = await h.ds.query(`SELECT id FROM users WHERE username = 'branch-a'`);
    await h.ds.query(
      `INSERT INTO notifications (user_id, kind, title, body, dedupe_key, deliver_at, created_at)
       VALUES ($1, 'info', '旧', '旧', 'retention-old', $2, $2), ($1, 'info', '新', '新', 'retention-new', now(), now())`,
      [user.id, old],
    );
    const [[oldOut], [newOut], [pendingOut]] = await Promise.all([
      h.ds.query(
        `INSERT INTO outbox (topic, payload, status, attempts, delivered_at, created_at) VALUES ('x', '{}', 'delivered', 1, $1, $1) RETURNING id`,
        [old],
      ),
      h.ds.query(
        `INSERT INTO outbox (topic, payload, status, attempts, delivered_at) VALUES ('x', '{}', 'delivered', 1, now()) RETURNING id`,
      ),
      h.ds.query(`INSERT INTO outbox (topic, payload, created_at) VALUES ('x', '{}', $1) RETURNING id`, [old]),
    ]);
    await h.ds.query(`INSERT INTO outbox_attempts (outbox_id, attempt, at, ok) VALUES ($1, 1, $2, true)`, [
      oldOut.id,
      old,
    ]);
    // a closed case's fired timer with its delivery, a cancelled timer, and a fired timer of a visit still going on
    const { caseId } = await transferAwaitingReport();
    const [[fired], [cancelled], [current]] = await Promise.all(
      ['fired', 'cancelled', 'fired'].map((status, i) =>
        h.ds.query(
          `INSERT INTO timers (case_id, epoch, state_path, deadline_key, due_at, rule, title, stages, next_at, ident, status, fired_at, created_at)
           VALUES ($1, $2, $3, 'retention.' || $4, $5, 'r', 't', '[]', NULL, 'retention|' || $4, $6, $5, $7) RETURNING id`,
          [
            caseId,
            i === 2 ? 1000 : 1,
            i === 2 ? 'awaiting_report' : 'release_review',
            String(i),
            engineOld,
            status,
            old,
          ],
        ),
      ),
    );
    await h.ds.query(
      `INSERT INTO timer_deliveries (timer_id, stage, kind, level, due_at, fired_at, late_ms, outcome) VALUES ($1, 0, 'deadline', 0, $2, $2, 0, 'notified')`,
      [fired.id, engineOld],
    );

    const removed = await retention.runOnce();
    expect(removed.idempotencyKeys).toBeGreaterThanOrEqual(1);
    const left = async (sql: string, params: unknown[]) => (await h.ds.query(sql, params)).length;
    expect(await left(`SELECT 1 FROM idempotency_keys WHERE key = ANY($1)`, [['old', 'new']])).toBe(1);
    expect(
      await left(`SELECT 1 FROM notifications WHERE dedupe_key = ANY($1)`, [['retention-old', 'retention-new']]),
    ).toBe(1);
    expect(await left(`SELECT 1 FROM outbox WHERE id = ANY($1)`, [[oldOut.id, newOut.id, pendingOut.id]])).toBe(2);
    expect(await left(`SELECT 1 FROM outbox WHERE id = $1`, [pendingOut.id])).toBe(1); // pending work is never removed
    expect(await left(`SELECT 1 FROM timers WHERE id = ANY($1)`, [[fired.id, cancelled.id, current.id]])).toBe(1);
    expect(await left(`SELECT 1 FROM timers WHERE id = $1`, [current.id])).toBe(1); // its visit goes on
    expect(await left(`SELECT 1 FROM timer_deliveries WHERE timer_id = $1`, [fired.id])).toBe(0);
    // the case's history is untouched
    expect((await historyTypes(caseId)).length).toBeGreaterThanOrEqual(4);
  });
});
