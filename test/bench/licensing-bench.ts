/**
 * Licensing benchmark for `npm run bench`: signed licensing events ingested per second, each a
 * `firm-transfer.applied` of a party member that opens a membership-transfer case (HMAC check, validation,
 * event row, application row, case + history + timers, all in one transaction), against a raw-`pg`
 * baseline in the same run doing the same shape by hand (HMAC check, JSON parse, one transaction inserting
 * an event row, a case row and a history row). Also: the same through HTTP, and replays; and the engine's own
 * opening of such a case with nothing of the integration around it (the member and org rows read beforehand,
 * one transaction of its own): an ingest does that and more, so its ratio to the baseline bounds ingest/raw.
 */
import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { AppConfig } from '../../config/app-config';
import { IdNumberCipher } from '../../libs/common/id-number-cipher';
import { residentIdCheckChar } from '../../libs/common/resident-id';
import { buildDemoRegion } from '../../libs/demo/demo-region';
import { DataSource } from 'typeorm';
import { SYSTEM_PRINCIPAL } from '../../libs/auth/principal';
import { EngineService, type OpeningReads, validatePayload } from '../../libs/engine/engine.service';
import { WorkflowRegistry } from '../../libs/engine/workflow-registry';
import { LicensingRegistryRepository } from '../../libs/licensing/licensing-registry.repository';
import { LicensingService } from '../../libs/licensing/licensing.service';
import { receivingOrgFor } from '../../workflows/membership-transfer/receiving-org';
import { signLicensingBody, verifyLicensingSignature } from '../../libs/licensing/signature';
import { type Stats, drive, fmt, merge } from './measure';

export interface LicensingBenchOptions {
  /** events per measured round (default 400) */
  events?: number;
  /** concurrent senders (default 8) */
  concurrency?: number;
  /** measured rounds, alternating engine and baseline (default 3) */
  rounds?: number;
  /** unmeasured events first (default 1 200) */
  warmup?: number;
}

export async function licensingBench(app: INestApplication, opts: LicensingBenchOptions = {}): Promise<string[]> {
  const events = opts.events ?? Number(process.env.BENCH_LICENSING_EVENTS ?? 400);
  const concurrency = opts.concurrency ?? 8;
  const rounds = opts.rounds ?? 3;
  // as for the engine and HTTP figures, a steady state: V8 optimizes the ingest path (signature, validation, the
  // registry lookups, party resolution, the case opening) over the first thousand or so events
  const warmup = opts.warmup ?? Number(process.env.BENCH_LICENSING_WARMUP ?? 1200);
  const config = app.get(AppConfig);
  // the bench signs its own events: without a configured secret it uses one for this process only
  if (!config.LICENSING_WEBHOOK_SECRET) config.LICENSING_WEBHOOK_SECRET = 'bench-licensing-secret';
  const secret = config.LICENSING_WEBHOOK_SECRET;
  const service = app.get(LicensingService);
  const region = buildDemoRegion();
  const { firmAId, firmBId, firmBOrgId } = region.anchors;
  // party members with a licence in firm branches; each event moves one to firm A or B (whichever is not theirs)
  const branchOrgs = new Set(
    region.orgs.filter((o) => o.type === 'branch' || o.type === 'general_branch').map((o) => o.id),
  );
  const demoLawyers = region.members.filter((m) => m.status === 'full' && m.licenseNo && branchOrgs.has(m.orgId));
  const run = randomUUID().slice(0, 8);
  // A member may have one open transfer at a time, so every event needs a lawyer of its own: register fresh
  // party members (copies of the demo's lawyers, each with its own licence and ID number) before measuring.
  // Events: warm-up, the measured rounds of both sides, then the HTTP round (replays reuse those); the
  // openings alone take lawyers of their own (twice as many as they open: some already are where they would go).
  const needed = warmup + 4 * rounds * events + events;
  const runNo = Number.parseInt(run, 16) % 1000;
  const lawyers = Array.from({ length: needed }, (_, i) => {
    const m = demoLawyers[i % demoLawyers.length];
    const birth = new Date(Date.UTC(1960, 0, 1) + i * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
    const first17 = `110101${birth}${String(runNo).padStart(3, '0')}`;
    return {
      ...m,
      name: `${m.name}${i}`,
      licenseNo: `9${String(runNo).padStart(3, '0')}${String(i).padStart(13, '0')}`,
      idNumber: first17 + residentIdCheckChar(first17),
    };
  });
  const seed = new Pool({ connectionString: config.DATABASE_URL, max: 1 });
  // ID numbers are stored sealed, with their blind index, as the registry stores them (IdNumberCipher)
  const cipher = app.get(IdNumberCipher);
  await seed.query(
    `INSERT INTO members (name, gender, id_number, id_number_blind_index, birth_date, license_no, firm_id, org_id, status, joined_on)
     SELECT t.name, m.gender, t.sealed, t.blind_index, t.birth_date, t.license_no, m.firm_id, m.org_id, 'full', m.joined_on
     FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::text[], $6::uuid[])
       AS t(name, sealed, blind_index, birth_date, license_no, template) JOIN members m ON m.id = t.template`,
    [
      lawyers.map((l) => l.name),
      lawyers.map((l) => cipher.seal(l.idNumber)),
      lawyers.map((l) => cipher.blindIndex(l.idNumber)),
      lawyers.map((l) => `${l.idNumber.slice(6, 10)}-${l.idNumber.slice(10, 12)}-${l.idNumber.slice(12, 14)}`),
      lawyers.map((l) => l.licenseNo),
      lawyers.map((l) => l.id),
    ],
  );
  await seed.end();
  let n = 0;
  const nextEvent = () => {
    const i = n++;
    const m = lawyers[i % lawyers.length];
    const toFirmId = m.orgId === firmBOrgId ? firmAId : firmBId;
    const body = JSON.stringify({
      eventId: `bench-${run}-${i}`,
      type: 'firm-transfer.applied',
      occurredAt: new Date().toISOString(),
      lawyer: { licenseNo: m.licenseNo, name: m.name, idNumber: m.idNumber, isPartyMember: true },
      fromFirmId: m.firmId,
      toFirmId,
      applicationRef: `BENCH-${run}-${i}`,
    });
    return { body, signature: signLicensingBody(secret, body) };
  };

  let failures = 0;
  const ingestRound = () =>
    drive(events, concurrency, async () => {
      const e = nextEvent();
      const out = await service.ingest(Buffer.from(e.body), e.signature, JSON.parse(e.body));
      if (out.status !== 202 || out.body.openedCaseIds.length !== 1) failures++;
    });

  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 20 });
  await pool.query(`DROP TABLE IF EXISTS bench_lic_history; DROP TABLE IF EXISTS bench_lic_cases; DROP TABLE IF EXISTS bench_lic_events;
    CREATE TABLE bench_lic_events (id bigserial PRIMARY KEY, event_id text NOT NULL UNIQUE, type text NOT NULL, raw_body text NOT NULL, raw jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE bench_lic_cases (id uuid PRIMARY KEY, subject jsonb NOT NULL, snapshot jsonb NOT NULL, version int NOT NULL, opened_at timestamptz NOT NULL);
    CREATE TABLE bench_lic_history (id bigserial PRIMARY KEY, case_id uuid NOT NULL REFERENCES bench_lic_cases(id), seq int NOT NULL, at timestamptz NOT NULL, type text NOT NULL, data jsonb, hash text NOT NULL);`);
  const rawRound = () =>
    drive(events, concurrency, async () => {
      const e = nextEvent();
      if (!verifyLicensingSignature(secret, Buffer.from(e.body), e.signature)) throw new Error('bench signature');
      const parsed = JSON.parse(e.body);
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(
          `INSERT INTO bench_lic_events (event_id, type, raw_body, raw) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
          [parsed.eventId, parsed.type, e.body, parsed],
        );
        const id = randomUUID();
        await client.query(`INSERT INTO bench_lic_cases VALUES ($1, $2, $3, 1, now())`, [
          id,
          { memberId: parsed.lawyer.licenseNo },
          { value: 'release_review', context: { toFirmId: parsed.toFirmId } },
        ]);
        await client.query(
          `INSERT INTO bench_lic_history (case_id, seq, at, type, data, hash) VALUES ($1, 1, now(), 'OPEN', $2, 'h')`,
          [id, { eventId: parsed.eventId }],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      } finally {
        client.release();
      }
    });

  // The engine's opening alone: the transfer case an ingest opens, with the member and org rows read beforehand
  // by the statement the ingest's first one carries (firmsAndLawyer), in a transaction of its own: what is
  // left is the engine (input validation, party resolution, the machine's initial state, timers, hash chain,
  // the one insert of case + history + timers). Lawyers whose organization already is the target's are passed over.
  const engine = app.get(EngineService);
  const lawyerReads = app.get(LicensingRegistryRepository);
  const transfer = app.get(WorkflowRegistry).latest('membership-transfer');
  const ds = app.get(DataSource);
  const openingRound = async () => {
    const openings: { memberId: string; toOrgId: string; reads: OpeningReads; ref: string }[] = [];
    while (openings.length < events) {
      const i = n++;
      const m = lawyers[i % lawyers.length];
      const toFirmId = m.orgId === firmBOrgId ? firmAId : firmBId;
      const read = await lawyerReads.firmsAndLawyer(ds.manager, [toFirmId, ...(m.firmId ? [m.firmId] : [])], {
        licenseNo: m.licenseNo,
        idNumber: m.idNumber,
      });
      const target = receivingOrgFor({ coverage: read.firms[0].coverage, partyOrgId: read.firms[0].party_org_id });
      const member = read.member;
      if (!member || target.kind !== 'firm_org' || target.orgId === member.org_id) continue;
      openings.push({
        memberId: member.id,
        toOrgId: target.orgId,
        ref: `BENCH-${run}-${i}`,
        reads: {
          member: {
            id: member.id,
            name: member.name,
            orgId: member.org_id,
            status: member.status,
            firmId: member.firm_id,
            path: member.path,
          },
          partyOrgs: read.partyOrgs,
        },
      });
    }
    return drive(events, concurrency, async (_w, i) => {
      const o = openings[i];
      await ds.transaction(async (em) => {
        const input = await validatePayload(
          transfer.createInput,
          { toOrgId: o.toOrgId, licensingRef: o.ref, trigger: 'firm_transfer' },
          'input',
        );
        await engine.openCaseIn(em, SYSTEM_PRINCIPAL, transfer, { memberId: o.memberId }, input, `bench:${o.ref}`, {
          reads: o.reads,
          undoRefusal: true,
        });
      });
    });
  };

  // warm-up, then alternate the three so machine noise hits them alike
  await drive(warmup, concurrency, async () => {
    const e = nextEvent();
    await service.ingest(Buffer.from(e.body), e.signature, JSON.parse(e.body));
  });
  const ingestRuns: Stats[] = [];
  const rawRuns: Stats[] = [];
  const openingRuns: Stats[] = [];
  for (let r = 0; r < rounds; r++) {
    ingestRuns.push(await ingestRound());
    rawRuns.push(await rawRound());
    openingRuns.push(await openingRound());
  }
  const ingest = merge(ingestRuns);
  const raw = merge(rawRuns);
  const opening = merge(openingRuns);

  // through HTTP (signature over the raw bytes, express body parser, controller), and replays of those events
  const address = app.getHttpServer().address() as AddressInfo | null;
  const lines: string[] = [];
  let http: Stats | undefined;
  let replay: Stats | undefined;
  let httpErrors = 0;
  if (address) {
    const url = `http://127.0.0.1:${address.port}/api/v1/integrations/licensing/events`;
    const sent: { body: string; signature: string }[] = [];
    const post = async (e: { body: string; signature: string }, expect: number) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-signature': e.signature },
        body: e.body,
      });
      if (res.status !== expect) httpErrors++;
      await res.arrayBuffer();
    };
    http = await drive(events, concurrency, async () => {
      const e = nextEvent();
      sent.push(e);
      await post(e, 202);
    });
    replay = await drive(sent.length, concurrency, async (_w, i) => post(sent[i], 200));
  }
  await pool.query(
    `DROP TABLE IF EXISTS bench_lic_history; DROP TABLE IF EXISTS bench_lic_cases; DROP TABLE IF EXISTS bench_lic_events;`,
  );
  await pool.end();

  const ratio = ingest.perSecond / raw.perSecond;
  lines.push(
    `licensing events → cases, ${lawyers.length} fresh lawyers, concurrency ${concurrency}, ${rounds} × ${events} events`,
  );
  lines.push(`licensing ingest (service: HMAC, validate, event + case)  ${fmt(ingest)}   failures ${failures}`);
  lines.push(`raw pg baseline (HMAC, insert event + case + history)     ${fmt(raw)}`);
  lines.push(
    `ratio ingest/raw                                          ${ratio.toFixed(2)}   (baseline 0.16; goal ≥ 0.40: ${ratio >= 0.4 ? 'met' : 'NOT met'})`,
  );
  lines.push(`case opening alone (engine, rows read before, no event)   ${fmt(opening)}`);
  lines.push(
    `ratio opening/raw                                         ${(opening.perSecond / raw.perSecond).toFixed(2)}   (an ingest opens such a case and does more: the ceiling of ingest/raw)`,
  );
  lines.push(
    `ratio ingest/opening                                      ${(ingest.perSecond / opening.perSecond).toFixed(2)}   (what the integration's own work leaves of the engine's rate)`,
  );
  if (http) lines.push(`licensing ingest over HTTP (POST …/licensing/events)      ${fmt(http)}   errors ${httpErrors}`);
  if (replay) lines.push(`replays over HTTP (same eventId → 200, nothing opened)    ${fmt(replay)}`);
  if (!address) lines.push('(HTTP part skipped: the app is not listening)');
  return lines;
}
