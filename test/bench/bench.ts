/**
 * `npm run bench`: engine throughput against a raw-`pg` baseline doing the same SQL shape, HTTP events per
 * second, licensing events ingested against a raw-insert baseline, and the timer storm and lateness sections.
 * Prints figures and each ratio to its baseline (engine/raw goal ≥ 0.5; http/engine goal ≥ 0.6 with p99 < 50 ms, and
 * the same events behind a bare node http server as its ceiling),
 * then the annual-review campaign over a generated province (BENCH_CAMPAIGN_ORGS, default 40 000;
 * BENCH_ONLY=campaign runs that section alone, BENCH_ONLY=events only the engine / raw / HTTP one, BENCH_ONLY=licensing
 * stops after the licensing section, BENCH_ONLY=ingest runs the licensing section alone, BENCH_ONLY=timers runs the
 * timer sections alone; BENCH_PG_STATS=1 adds the top PostgreSQL statements of each section).
 *
 * Workload: membership-transfer cases cycling REJECT_RELEASE → DENY_EXCEPTION (release_review ↔
 * exception_review), so every step is a real transition that writes history and re-plans timers.
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { Client, Pool } from 'pg';
import { createApp } from '../../apps/bootstrap';
import { loadConfig } from '../../config/app-config';
import type { Principal } from '../../libs/auth/principal';
import { buildDemoRegion } from '../../libs/demo/demo-region';
import { EngineService } from '../../libs/engine/engine.service';
import { campaignBench } from './campaign-bench';
import { licensingBench } from './licensing-bench';
import { scaleBench } from './scale-bench';
import { startBareEventServer } from './http-floor';
import { type HttpLoadCase, startHttpLoad } from './http-load';
import { type Stats, drive, fmt, merge, stats as summarize } from './measure';
import { pgStats } from './pg-stats';
import { timerBench } from './timer-bench';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const CASES = Number(process.env.BENCH_CASES ?? 160);
const TRANSITIONS = Number(process.env.BENCH_TRANSITIONS ?? 4000);
const HTTP_REQUESTS = Number(process.env.BENCH_HTTP_REQUESTS ?? 2000);
const HTTP_WARMUP = Number(process.env.BENCH_HTTP_WARMUP ?? 4000);
const ENGINE_WARMUP = Number(process.env.BENCH_ENGINE_WARMUP ?? 4000);
const ROUNDS = 4;
const TIMER_STORM = Number(process.env.BENCH_TIMER_STORM ?? 100_000);
const TIMER_STORM_SMALL = Number(process.env.BENCH_TIMER_STORM_SMALL ?? 30_000);
const LATENESS_TIMERS = Number(process.env.BENCH_LATENESS_TIMERS ?? 1000);
const LATENESS_WINDOW_MS = Number(process.env.BENCH_LATENESS_WINDOW_MS ?? 60_000);
const CAMPAIGN_ORGS = Number(process.env.BENCH_CAMPAIGN_ORGS ?? 40_000);

async function main() {
  if (process.argv.slice(2).includes('scale')) {
    // the read paths at 1 M cases and 10 M history rows (test/bench/scale-bench.ts), alone: it takes long
    for (const line of await scaleBench()) console.log(line);
    return;
  }
  const config = loadConfig({
    ...process.env,
    DEMO: '1',
    JWT_SECRET: process.env.JWT_SECRET ?? randomBytes(32).toString('hex'),
    PORT: '0',
  });
  const app = await createApp(config, { logger: ['error', 'warn'] });
  await app.listen(0, '127.0.0.1');
  if (process.env.BENCH_ONLY === 'campaign') {
    // just the campaign section (the others take minutes)
    for (const line of await campaignBench(app, CAMPAIGN_ORGS)) console.log(line);
    await app.close();
    return;
  }
  if (process.env.BENCH_ONLY === 'timers') {
    // just the timer storm and lateness sections
    const stats = await pgStats(config.DATABASE_URL);
    const lines = await timerBench(
      app,
      { storm: TIMER_STORM, stormSmall: TIMER_STORM_SMALL, lateness: LATENESS_TIMERS, windowMs: LATENESS_WINDOW_MS },
      stats,
    );
    for (const line of lines) console.log(line);
    await stats.end();
    await app.close();
    return;
  }
  if (process.env.BENCH_ONLY === 'ingest') {
    // just the licensing section (without the engine section's minute first: for trying ingest changes)
    for (const line of await licensingBench(app)) console.log(line);
    await app.close();
    return;
  }
  const engine = app.get(EngineService);
  const region = buildDemoRegion();
  const cityId = region.anchors.cityId;

  // subjects: full members of firm branches, each case driven by a clerk of the member's own branch
  // firm A's members are kept for the HTTP part (driven by the demo user branch-a)
  const members = region.members
    .filter(
      (m) =>
        m.status === 'full' &&
        m.orgId !== region.anchors.firmAOrgId &&
        region.orgs.find((o) => o.id === m.orgId)?.type === 'branch',
    )
    .slice(0, CASES);
  const principalFor = (orgId: string): Principal => ({
    userId: randomUUID(),
    username: 'bench',
    displayName: '压测',
    roles: [
      { role: 'clerk', orgId },
      { role: 'clerk', orgId: cityId },
    ],
  });
  const target = region.orgs.find((o) => o.type === 'joint_branch')!.id;
  const cases: { id: string; p: Principal; step: number }[] = [];
  for (const m of members) {
    const p = principalFor(m.orgId);
    const { record } = await engine.openCase(p, {
      workflow: 'membership-transfer',
      subject: { memberId: m.id },
      input: { toOrgId: target },
    });
    cases.push({ id: record.id, p, step: 0 });
  }
  const cycle = [{ type: 'REJECT_RELEASE', data: { reason: '压测：确不能接转' } }, { type: 'DENY_EXCEPTION' }];
  // each worker owns cases w, w+8, …: transitions on one case never race, as with real clerks on different cases
  const ownCase = (w: number, i: number) => cases[(w + CONCURRENCY * Math.floor(i / CONCURRENCY)) % cases.length];

  console.log(`PartyFlow benchmark — ${cases.length} cases, concurrency ${CONCURRENCY}`);
  // warm-up: V8 optimizes the engine's path over the first thousand or so transitions (0.96 ms of CPU each over
  // the first 2 000, 0.40–0.44 ms from the third 2 000 on); the figures are the steady state's
  await drive(ENGINE_WARMUP, CONCURRENCY, async (w, i) => {
    const c = ownCase(w, i);
    await engine.sendEvent(c.p, c.id, cycle[c.step++ % 2]);
  });

  const engineRound = () =>
    drive(TRANSITIONS / ROUNDS, CONCURRENCY, async (w, i) => {
      const c = ownCase(w, i);
      await engine.sendEvent(c.p, c.id, cycle[c.step++ % 2]);
    });

  // baseline: the same shape with raw pg — lock the row, update it, insert a history row, one transaction
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 20 });
  const setup = new Client({ connectionString: config.DATABASE_URL });
  await setup.connect();
  await setup.query(`DROP TABLE IF EXISTS bench_history; DROP TABLE IF EXISTS bench_cases;
    CREATE TABLE bench_cases (id uuid PRIMARY KEY, snapshot jsonb NOT NULL, version int NOT NULL, updated_at timestamptz NOT NULL);
    CREATE TABLE bench_history (id bigserial PRIMARY KEY, case_id uuid NOT NULL REFERENCES bench_cases(id), seq int NOT NULL, at timestamptz NOT NULL, type text NOT NULL, data jsonb, hash text NOT NULL, UNIQUE (case_id, seq));`);
  const rawIds = cases.map(() => randomUUID());
  for (const id of rawIds)
    await setup.query(`INSERT INTO bench_cases VALUES ($1, $2, 1, now())`, [
      id,
      { value: 'release_review', context: {} },
    ]);
  await setup.end();
  const rawStep = new Map<string, number>();
  const rawRound = () =>
    drive(TRANSITIONS / ROUNDS, CONCURRENCY, async (w, i) => {
      const id = rawIds[(w + CONCURRENCY * Math.floor(i / CONCURRENCY)) % rawIds.length];
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query('SELECT version, snapshot FROM bench_cases WHERE id = $1 FOR UPDATE', [id]);
        const version = rows[0].version + 1;
        const step = (rawStep.get(id) ?? 0) + 1;
        rawStep.set(id, step);
        await client.query('UPDATE bench_cases SET snapshot = $2, version = $3, updated_at = now() WHERE id = $1', [
          id,
          { value: step % 2 ? 'exception_review' : 'release_review', context: {} },
          version,
        ]);
        await client.query(
          'INSERT INTO bench_history (case_id, seq, at, type, data, hash) VALUES ($1, $2, now(), $3, $4, $5)',
          [id, version, 'EVENT', { n: step }, 'h'],
        );
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    });
  // HTTP: the same workload through the API with a real clerk token per case
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}/api/v1`;
  const login = async (username: string) => {
    const res = await fetch(`${base}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: 'demo' }),
    });
    return ((await res.json()) as any).accessToken as string;
  };
  const tokenCity = await login('city');
  const tokenA = await login('branch-a');
  const httpCases: HttpLoadCase[] = [];
  const firmAMembers = region.members.filter((m) => m.orgId === region.anchors.firmAOrgId && m.status === 'full');
  for (const m of firmAMembers.slice(0, CONCURRENCY)) {
    const res = await fetch(`${base}/cases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenA}` },
      body: JSON.stringify({
        workflow: 'membership-transfer',
        subject: { memberId: m.id },
        input: { toOrgId: target },
      }),
    });
    if (res.status !== 201) throw new Error(`opening an HTTP bench case failed: ${res.status} ${await res.text()}`);
    const id = ((await res.json()) as any).id as string;
    httpCases.push({
      id,
      cycle: cycle.map((body) => ({ body, token: body.type === 'DENY_EXCEPTION' ? tokenCity : tokenA })),
    });
  }
  // the same cases answered by node's bare http server as well (test/bench/http-floor.ts): what HTTP alone costs
  const floorServer = await startBareEventServer(app);
  // the load comes from a process of its own (test/bench/http-load.ts), one keep-alive connection per case and server
  const load = await startHttpLoad([port, floorServer.port], httpCases);
  const counted = [0, 1].map(() => ({ errors: 0, clientCpuMs: 0 }));
  const httpRound = async (requests: number, server: 0 | 1 = 0) => {
    // the server's CPU per request is this process's (the client's is not counted)
    const cpu0 = process.cpuUsage();
    const r = await load.round({ requests, concurrency: httpCases.length, server });
    const cpu = process.cpuUsage(cpu0);
    counted[server].errors += r.errors;
    counted[server].clientCpuMs += r.clientCpuMs;
    return summarize(r.latencies, r.seconds, (cpu.user + cpu.system) / 1000);
  };
  // warm-up: the API's path (Express, Nest's pipeline, validation, the view) runs about half as fast until V8 has
  // optimized it too, which takes a few thousand requests (2.2 ms of CPU per request over the first 1 500, 1.2–1.3 ms
  // from the third 1 500 on): the ratio compares steady states
  await httpRound(HTTP_WARMUP);
  await httpRound(HTTP_WARMUP, 1);
  for (const c of counted) Object.assign(c, { errors: 0, clientCpuMs: 0 });

  // interleave the three so that machine noise (2 cores shared by node, PostgreSQL and whatever else runs)
  // hits each alike: the ratios compare rounds measured side by side, not minutes apart
  const stats = await pgStats(config.DATABASE_URL);
  await stats.reset();
  const engineRuns: Stats[] = [];
  const rawRuns: Stats[] = [];
  const httpRuns: Stats[] = [];
  const floorRuns: Stats[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    engineRuns.push(await engineRound());
    rawRuns.push(await rawRound());
    httpRuns.push(await httpRound(HTTP_REQUESTS / ROUNDS));
    floorRuns.push(await httpRound(HTTP_REQUESTS / ROUNDS, 1));
  }
  await pool.end();
  await load.close();
  await floorServer.close();
  const engineStats = merge(engineRuns);
  const rawStats = merge(rawRuns);
  const httpStats = merge(httpRuns);
  const floorStats = merge(floorRuns);

  const ratio = engineStats.perSecond / rawStats.perSecond;
  const httpRatio = httpStats.perSecond / engineStats.perSecond;
  const httpMet = httpRatio >= 0.6 && httpStats.p99 < 50;
  console.log('');
  console.log(`engine transitions (service, no HTTP)  ${fmt(engineStats)}`);
  console.log(`raw pg baseline (lock/update/insert)    ${fmt(rawStats)}`);
  const engineMet = ratio >= 0.7 && engineStats.p99 < 15;
  console.log(
    `ratio engine/raw                        ${ratio.toFixed(2)}   (baseline 0.54; goal ≥ 0.70 with p99 < 15 ms: ${engineMet ? 'met' : 'NOT met'})`,
  );
  // the load process shares the machine's two cores with the API and PostgreSQL: its CPU is shown beside
  console.log(
    `HTTP events (POST /cases/:id/events)   ${fmt(httpStats)}   errors ${counted[0].errors}   (load client CPU ${(counted[0].clientCpuMs / httpStats.ops).toFixed(2)} ms/op)`,
  );
  console.log(
    `ratio http/engine                       ${httpRatio.toFixed(2)}   (baseline 0.24; goal ≥ 0.60 with p99 < 50 ms: ${httpMet ? 'met' : 'NOT met'})`,
  );
  // the same event behind node's bare http server (test/bench/http-floor.ts): no framework can do better than this
  console.log(`HTTP floor (node http, no framework)    ${fmt(floorStats)}   errors ${counted[1].errors}`);
  console.log(
    `ratio floor/engine                      ${(floorStats.perSecond / engineStats.perSecond).toFixed(2)}   (the ceiling of ratio http/engine on this machine)`,
  );

  for (const line of await stats.top('engine + raw + HTTP rounds')) console.log(line);

  if (process.env.BENCH_ONLY === 'events') {
    // just the engine / raw / HTTP section (the others take minutes)
    await stats.end();
    await app.close();
    return;
  }

  console.log('');
  await stats.reset();
  for (const line of await licensingBench(app)) console.log(line);
  for (const line of await stats.top('licensing section')) console.log(line);
  if (process.env.BENCH_ONLY === 'licensing') {
    await stats.end();
    await app.close();
    return;
  }

  console.log('');
  for (const line of await timerBench(
    app,
    {
      storm: TIMER_STORM,
      stormSmall: TIMER_STORM_SMALL,
      lateness: LATENESS_TIMERS,
      windowMs: LATENESS_WINDOW_MS,
    },
    stats,
  ))
    console.log(line);
  await stats.end();

  console.log('');
  for (const line of await campaignBench(app, CAMPAIGN_ORGS)) console.log(line);
  await app.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
