import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { LicensingService } from '../libs/licensing/licensing.service';
import { signLicensingBody } from '../libs/licensing/signature';
import { Harness, startHarness } from './support/harness';

const SECRET = 'licensing-statements-secret';

/**
 * The licensing ingest path's round trips, counted (rates are noise on a shared machine, counts are not):
 * every statement a `firm-transfer.applied` sends to PostgreSQL while LicensingService.ingest runs for it,
 * recognised by the async context of that call, so the app's background workers do not count.
 */
describe('licensing ingest: statements per event (e2e)', () => {
  let h: Harness;
  const ingesting = new AsyncLocalStorage<string[]>();

  beforeAll(async () => {
    h = await startHarness({ LICENSING_WEBHOOK_SECRET: SECRET });
    // every pooled connection's query, counted while an ingest call runs (connections opened later too)
    const pool = (h.ds.driver as any).master;
    const count = (client: any) => {
      const query = client.query;
      client.query = function (this: unknown, ...args: any[]) {
        const log = ingesting.getStore();
        if (log) {
          const q = args[0];
          const text: string = typeof q === 'string' ? q : (q?.name ? `[${q.name}] ` : '') + (q?.text ?? '');
          log.push(text.replace(/\s+/g, ' ').trim());
        }
        return query.apply(this, args);
      };
    };
    pool.on('connect', count);
    for (const client of pool._clients) count(client);
  });
  afterAll(async () => {
    await h.close();
  });

  /** Ingests one signed event; returns the statements it sent and the answer. */
  async function ingest(body: Record<string, unknown>) {
    const raw = JSON.stringify(body);
    const log: string[] = [];
    const service = h.app.get(LicensingService);
    const out = await ingesting.run(log, () =>
      service.ingest(Buffer.from(raw), signLicensingBody(SECRET, raw), JSON.parse(raw)),
    );
    return { out, log };
  }

  /**
   * What one firm transfer that opens a case costs: START TRANSACTION, the event row with its application
   * (locked or created) and, in the same statement, the firms, the lawyer's member facts and the org tree of
   * their parties; the engine's opening (the case with its history and timers in one statement that also
   * checks the one open case per member), the application's changes with the stored answer, COMMIT. Was 13
   * (the application, the lawyer, the open-case check, the application's changes and the answer were
   * statements of their own), then 9 (a SAVEPOINT before the opening, which read the member and the party
   * orgs again; the firms and the lawyer a statement of their own).
   */
  const STATEMENTS_PER_TRANSFER = 5;

  /** A party member's 申请转所 from firm A to firm B, under a new event id. */
  const firmTransfer = (m: (typeof h.region.members)[number], applicationRef: string) => ({
    eventId: `stmt-${randomUUID()}`,
    type: 'firm-transfer.applied',
    occurredAt: new Date().toISOString(),
    lawyer: { licenseNo: m.licenseNo, name: m.name, idNumber: m.idNumber, isPartyMember: true },
    fromFirmId: h.region.anchors.firmAId,
    toFirmId: h.region.anchors.firmBId,
    applicationRef,
  });

  it('a firm transfer that opens a membership-transfer case costs a fixed number of statements; its replay opens nothing', async () => {
    const { firmAId } = h.region.anchors;
    const lawyers = h.region.members
      .filter((m) => m.firmId === firmAId && m.status === 'full' && m.licenseNo)
      .slice(1, 4);
    for (const m of lawyers) {
      const body = firmTransfer(m, `STMT-${randomUUID().slice(0, 8)}`);
      const first = await ingest(body);
      expect(first.out).toMatchObject({ status: 202, replay: false });
      expect(first.out.body).toMatchObject({ outcome: 'transfer_opened', partyTransfer: 'pending' });
      expect(first.out.body.openedCaseIds).toHaveLength(1);
      expect({ count: first.log.length, statements: first.log }).toMatchObject({ count: STATEMENTS_PER_TRANSFER });
      expect(first.log[0]).toBe('START TRANSACTION');
      expect(first.log.at(-1)).toBe('COMMIT');
      // every statement between them is a named prepared one: PostgreSQL plans it once per connection, not on
      // every event (planning the event's own statements cost it more than running them)
      expect(first.log.slice(1, -1).filter((q) => !q.startsWith('['))).toEqual([]);

      const replay = await ingest(body);
      expect(replay.out).toMatchObject({ status: 200, replay: true, body: first.out.body });
      // START TRANSACTION, the insert that finds the eventId stored, the replay counted and read, COMMIT (was 5)
      expect(replay.log).toHaveLength(4);
    }
    const [{ n }] = await h.ds.query(
      `SELECT count(*)::int AS n FROM cases WHERE workflow = 'membership-transfer' AND subject_member_id = ANY($1::uuid[])`,
      [lawyers.map((m) => m.id)],
    );
    expect(n).toBe(lawyers.length);
  });

  it('a transfer the engine refuses (the lawyer’s transfer is already open) is recorded without a savepoint: nothing was written to undo', async () => {
    const { firmAId, firmBId } = h.region.anchors;
    const m = h.region.members.filter((x) => x.firmId === firmAId && x.status === 'full' && x.licenseNo)[5];
    const body = (ref: string) => firmTransfer(m, ref);
    const first = await ingest(body(`STMT-${randomUUID().slice(0, 8)}`));
    expect(first.out.body).toMatchObject({ outcome: 'transfer_opened' });
    const ref = `STMT-${randomUUID().slice(0, 8)}`;
    const second = await ingest(body(ref));
    expect(second.out).toMatchObject({ status: 202, replay: false });
    expect(second.out.body).toMatchObject({ outcome: 'transfer_not_opened', openedCaseIds: [] });
    expect(second.out.body.notes.join()).toContain('已有未办结的组织关系接转案件');
    // the same statements as an opening: the insert that found the open case wrote nothing, so no savepoint
    expect(second.log).toHaveLength(STATEMENTS_PER_TRANSFER);
    expect(second.log.filter((q) => /SAVEPOINT/.test(q))).toEqual([]);
    expect(second.log.at(-1)).toBe('COMMIT');
    // the event and its application committed with the refusal's answer; still one case of the lawyer
    const [ev] = await h.ds.query(
      `SELECT status, result->>'outcome' AS outcome FROM licensing_events WHERE event_id = $1`,
      [second.out.body.eventId],
    );
    expect(ev).toEqual({ status: 'processed', outcome: 'transfer_not_opened' });
    const [app] = await h.ds.query(
      `SELECT member_id, to_firm_id, case_id FROM licensing_applications WHERE application_ref = $1`,
      [ref],
    );
    expect(app).toEqual({ member_id: m.id, to_firm_id: firmBId, case_id: null });
    const [{ n }] = await h.ds.query(
      `SELECT count(*)::int AS n FROM cases WHERE workflow = 'membership-transfer' AND subject_member_id = $1`,
      [m.id],
    );
    expect(n).toBe(1);
  });
});
