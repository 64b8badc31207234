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
   * (locked or created), the firms with the lawyer, SAVEPOINT, the engine's opening (subject, party orgs,
   * then the case with its history and timers in one statement that also checks the one open case per
   * member), the application's changes with the stored answer, COMMIT. Was 13 (the application, the lawyer,
   * the open-case check, the application's changes and the answer were statements of their own).
   */
  const STATEMENTS_PER_TRANSFER = 9;

  it('a firm transfer that opens a membership-transfer case costs a fixed number of statements; its replay opens nothing', async () => {
    const { firmAId, firmBId } = h.region.anchors;
    const lawyers = h.region.members
      .filter((m) => m.firmId === firmAId && m.status === 'full' && m.licenseNo)
      .slice(1, 4);
    for (const m of lawyers) {
      const body = {
        eventId: `stmt-${randomUUID()}`,
        type: 'firm-transfer.applied',
        occurredAt: new Date().toISOString(),
        lawyer: { licenseNo: m.licenseNo, name: m.name, idNumber: m.idNumber, isPartyMember: true },
        fromFirmId: firmAId,
        toFirmId: firmBId,
        applicationRef: `STMT-${randomUUID().slice(0, 8)}`,
      };
      const first = await ingest(body);
      expect(first.out).toMatchObject({ status: 202, replay: false });
      expect(first.out.body).toMatchObject({ outcome: 'transfer_opened', partyTransfer: 'pending' });
      expect(first.out.body.openedCaseIds).toHaveLength(1);
      expect({ count: first.log.length, statements: first.log }).toMatchObject({ count: STATEMENTS_PER_TRANSFER });
      expect(first.log[0]).toBe('START TRANSACTION');
      expect(first.log.at(-1)).toBe('COMMIT');

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
});
