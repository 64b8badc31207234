/**
 * `npm run bench -- scale`: the read paths at scale (issue 11). Generates cases and their history with
 * set-based SQL (not through the engine: 10 M engine transitions would take hours), cloned from real cases the
 * engine opened, in two steps — BENCH_SCALE_CASES / 10 cases first (default 100 k cases, 1 M history rows),
 * then the rest (default 1 M cases, 10 M rows) — and measures, at both sizes, through the compiled API
 * (`node dist/apps/main.js --role api` with the V8 options of `npm start` and the image, as production runs it):
 *  - p95 of one case's history (GET /cases/:id/history), target < 10 ms;
 *  - p95 of a supervisor's filtered audit page (GET /audit/events: workflow + type + a month; an organization +
 *    a month; and the next page of the first), target < 100 ms;
 *  - p95 of /tasks for the city clerk (5 000 open cases in scope at full size), target < 100 ms;
 *  - p95 of /cases?status=open (first page), for comparison;
 *  - RSS of the api and a worker process (`--role worker`) at 100 k open cases, target < 300 MB.
 * One case in ten is open; one in two hundred belongs to the demo city (the rest to 19 generated cities),
 * so the city clerk's scope holds 5 000 open cases of the 100 000. Each case has 10 history rows, an hour
 * apart, over two years. Each size is measured BENCH_SCALE_ROUNDS times (default 2, fresh processes each round; the
 * load average is printed beside each round). A rerun on the same database reuses what was generated.
 * Environment: BENCH_SCALE_CASES (default 1 000 000), BENCH_SCALE_SAMPLES (default 60), BENCH_SCALE_ROUNDS.
 */
import 'reflect-metadata';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { createApp } from '../../apps/bootstrap';
import { loadConfig } from '../../config/app-config';
import type { Principal } from '../../libs/auth/principal';
import { SYSTEM_PRINCIPAL } from '../../libs/auth/principal';
import { buildDemoRegion } from '../../libs/demo/demo-region';
import { EngineService } from '../../libs/engine/engine.service';
import { compileApp } from '../faults/compile';
import { AppProcess, freePort, startAppProcess } from '../support/processes';

const CASES = Number(process.env.BENCH_SCALE_CASES ?? 1_000_000);
const SAMPLES = Number(process.env.BENCH_SCALE_SAMPLES ?? 60);
const ROUNDS = Number(process.env.BENCH_SCALE_ROUNDS ?? 2);
const HISTORY_PER_CASE = 10;
const SYNTHETIC_CITIES = 19;
const caseId = (g: number) => {
  const h = createHash('md5').update(`pf-scale-${g}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
const ms = (v: number) => `${v.toFixed(1)} ms`;

type Run = (sql: string, params?: unknown[]) => Promise<any[]>;

interface Figures {
  cases: number;
  historyRows: number;
  openCases: number;
  cityOpen: number;
  p95: Record<string, number>;
  rss?: { api: number; apiPeak: number; worker: number; workerPeak: number };
  /** The load average before → after the round: the machine is shared. */
  load?: string;
}

export async function scaleBench(): Promise<string[]> {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
  // the demo members' ID numbers are sealed with PII_KEY at the first start: a rerun on the same database must
  // use that key (the launcher makes a new one each run), so the bench keeps it beside its generated data
  await pool.query(`CREATE TABLE IF NOT EXISTS pf_scale_keys (k int PRIMARY KEY, pii_key text NOT NULL)`);
  const piiKey: string =
    (await pool.query(`SELECT pii_key FROM pf_scale_keys WHERE k = 0`)).rows[0]?.pii_key ??
    process.env.PII_KEY ??
    randomBytes(32).toString('base64');
  await pool.query(`INSERT INTO pf_scale_keys VALUES (0, $1) ON CONFLICT DO NOTHING`, [piiKey]);
  const config = loadConfig({
    ...process.env,
    DEMO: '1',
    JWT_SECRET: process.env.JWT_SECRET ?? randomBytes(32).toString('hex'),
    PII_KEY: piiKey,
    PORT: '0',
  });
  const log = (line: string) => console.log(`[scale ${new Date().toISOString().slice(11, 19)}] ${line}`);

  // ---- schema, demo region and two real cases (the templates) through the engine — once per database: a rerun
  // (after an interruption, or to measure again) reuses them and the cases generated so far (pf_scale_state)
  const app = await createApp(config, { logger: ['error', 'warn'] });
  await app.init(); // the engine finds its fact loaders and effect handlers at init
  const region = buildDemoRegion();
  const cityId = region.anchors.cityId;
  const provinceId = region.anchors.provinceId;
  const q = async (sql: string, params: unknown[] = []) => (await pool.query(sql, params)).rows;
  await q(`CREATE TABLE IF NOT EXISTS pf_scale_templates (k int PRIMARY KEY, case_id uuid NOT NULL)`);
  await q(`CREATE TABLE IF NOT EXISTS pf_scale_cities (k int PRIMARY KEY, city uuid NOT NULL, branch uuid NOT NULL)`);
  await q(`CREATE TABLE IF NOT EXISTS pf_scale_state (k int PRIMARY KEY, generated int NOT NULL)`);
  if ((await q(`SELECT 1 FROM pf_scale_templates`)).length < 2) {
    const engine = app.get(EngineService);
    const [m1, m2] = region.members
      .filter((m) => m.status === 'full' && region.orgs.find((o) => o.id === m.orgId)?.type === 'branch')
      .slice(-2);
    const target = region.orgs.find((o) => o.type === 'joint_branch')!.id;
    const open = (memberId: string) =>
      engine.openCase(SYSTEM_PRINCIPAL, {
        workflow: 'membership-transfer',
        subject: { memberId },
        input: { toOrgId: target },
      });
    const t1 = (await open(m1.id)).record; // release_review: the sending branch acts
    const t2 = (await open(m2.id)).record;
    const clerkOf = (orgId: string): Principal => ({
      userId: randomUUID(),
      username: 'bench',
      displayName: '压测',
      roles: [{ role: 'clerk', orgId }],
    });
    await engine.sendEvent(clerkOf(m2.orgId), t2.id, { type: 'APPROVE_RELEASE' }); // letter_pending: the city acts
    await q(`INSERT INTO pf_scale_templates VALUES (0, $1), (1, $2)`, [t1.id, t2.id]);
  }
  await app.close();

  // 19 more cities under the province, one branch each: the rest of the province's work (region codes of
  // their own: one city committee per region)
  const [{ path: provincePath, region_code: regionCode }] = await q(
    `SELECT path, region_code FROM orgs WHERE id = $1`,
    [provinceId],
  );
  for (let k = (await q(`SELECT 1 FROM pf_scale_cities`)).length; k < SYNTHETIC_CITIES; k++) {
    const city = randomUUID();
    const branch = randomUUID();
    await q(
      `INSERT INTO orgs (id, name, type, parent_id, path, region_code) VALUES
         ($1::uuid, $3, 'city_committee', $5::uuid, $6 || $1 || '/', $7),
         ($2::uuid, $4, 'branch', $1::uuid, $6 || $1 || '/' || $2 || '/', $7)`,
      [
        city,
        branch,
        `压测市${k}律师行业党委`,
        `压测市${k}律师事务所党支部`,
        provinceId,
        provincePath,
        `${regionCode.slice(0, 2)}${20 + k}00`,
      ],
    );
    await q(`INSERT INTO pf_scale_cities VALUES ($1, $2, $3)`, [k, city, branch]);
  }

  // ---- generation: every column of the template, except what makes each case its own
  const columns = async (table: string) =>
    (
      await q(`SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`, [
        table,
      ])
    ).map((r: { column_name: string }) => r.column_name);
  const caseCols = await columns('cases');
  const timerCols = (await columns('timers')).filter((c) => c !== 'id');
  const historyCols = (await columns('case_history')).filter((c) => c !== 'id');
  const ts = `(now() - (g % 730) * interval '1 day' - (g % 86400) * interval '1 second')`;
  const home = `(g % 200 = 0 OR g % 50 = 3)`; // the demo city: every 200th case (open) and 2 % of the closed
  // which template a case is cloned from: alternating among the demo city's open cases too (every 200th), so half
  // of them wait for the city (letter_pending) and the city clerk has a task list to page through
  const TEMPLATE = `(g / 200 + g / 10) % 2`;
  const caseExpr: Record<string, string> = {
    id: `md5('pf-scale-' || g)::uuid`,
    status: `CASE WHEN g % 10 = 0 THEN 'open' ELSE 'closed' END`,
    version: String(HISTORY_PER_CASE),
    head_hash: `md5('pf-scale-head-' || g)`,
    parties: `CASE WHEN ${home} THEN t.parties ELSE replace(replace(t.parties::text, '${cityId}', s.city::text), t.parties->>'sending', s.branch::text)::jsonb END`,
    scope_org_ids: `CASE WHEN ${home} THEN t.scope_org_ids ELSE ARRAY['${provinceId}'::uuid, s.city, s.branch] END`,
    opened_at: ts,
    updated_at: `${ts} + interval '${HISTORY_PER_CASE - 1} hours'`,
    closed_at: `CASE WHEN g % 10 = 0 THEN NULL ELSE ${ts} + interval '${HISTORY_PER_CASE - 1} hours' END`,
    open_key: 'NULL',
  };
  const insertCases = (run: Run, lo: number, hi: number) =>
    run(
      `INSERT INTO cases (${caseCols.join(', ')})
       SELECT ${caseCols.map((c) => caseExpr[c] ?? `t.${c}`).join(', ')}
       FROM generate_series($1::int, $2::int) g
       JOIN pf_scale_templates k ON k.k = ${TEMPLATE} JOIN cases t ON t.id = k.case_id
       JOIN pf_scale_cities s ON s.k = g % ${SYNTHETIC_CITIES}`,
      [lo, hi],
    );
  const types = `(ARRAY['OPEN', 'REJECT_RELEASE', 'DENY_EXCEPTION'])[CASE WHEN n = 1 THEN 1 WHEN n % 2 = 0 THEN 2 ELSE 3 END]`;
  const historyExpr: Record<string, string> = {
    case_id: 'c.id',
    seq: 'n',
    at: `c.opened_at + (n - 1) * interval '1 hour'`,
    actor: `jsonb_set(o.actor, '{userId}', to_jsonb(md5('pf-scale-user-' || (g % 500))::uuid::text))`,
    type: types,
    data: `CASE WHEN n % 2 = 0 THEN jsonb_build_object('reason', '压测 ' || n) END`,
    comment: 'NULL',
    prev_hash: `md5('pf-scale-' || g || '-' || (n - 1))`,
    hash: `md5('pf-scale-' || g || '-' || n)`,
  };
  const insertHistory = (run: Run, lo: number, hi: number) =>
    run(
      `INSERT INTO case_history (${historyCols.join(', ')})
       SELECT ${historyCols.map((c) => historyExpr[c] ?? `o.${c}`).join(', ')}
       FROM generate_series($1::int, $2::int) g
       JOIN cases c ON c.id = md5('pf-scale-' || g)::uuid
       JOIN pf_scale_templates k ON k.k = ${TEMPLATE}
       JOIN case_history o ON o.case_id = k.case_id AND o.seq = 1
       CROSS JOIN generate_series(1, ${HISTORY_PER_CASE}) n`,
      [lo, hi],
    );
  const insertTimers = (run: Run, lo: number, hi: number) =>
    run(
      `INSERT INTO timers (${timerCols.join(', ')})
       SELECT ${timerCols.map((c) => (c === 'case_id' ? 'c.id' : `tt.${c}`)).join(', ')}
       FROM generate_series($1::int, $2::int) g
       JOIN cases c ON c.id = md5('pf-scale-' || g)::uuid AND c.status = 'open'
       JOIN pf_scale_templates k ON k.k = ${TEMPLATE}
       JOIN timers tt ON tt.case_id = k.case_id AND tt.status = 'pending'
       WHERE g % 10 = 0`,
      [lo, hi],
    );
  let generated: number = (await q(`SELECT generated FROM pf_scale_state WHERE k = 0`))[0]?.generated ?? 0;
  async function generateUpTo(total: number) {
    if (generated >= total) return log(`${generated} cases already generated`);
    const started = Date.now();
    const client = await pool.connect();
    try {
      const run: Run = async (sql, params = []) => (await client.query(sql, params)).rows;
      await run(`SET synchronous_commit = off`);
      for (let lo = generated + 1; lo <= total; lo += 50_000) {
        const hi = Math.min(total, lo + 49_999);
        // one transaction per batch, with its progress: an interrupted run resumes after the last whole batch
        await run('BEGIN');
        await insertCases(run, lo, hi);
        await insertHistory(run, lo, hi);
        await insertTimers(run, lo, hi);
        await run(
          `INSERT INTO pf_scale_state VALUES (0, $1) ON CONFLICT (k) DO UPDATE SET generated = excluded.generated`,
          [hi],
        );
        await run('COMMIT');
        if ((hi / 50_000) % 4 === 0 || hi === total)
          log(`generated ${hi} cases (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      }
    } finally {
      client.release();
    }
    generated = total;
    await q('VACUUM ANALYZE cases');
    await q('VACUUM ANALYZE case_history');
    await q('VACUUM ANALYZE timers');
    log(`generated and analyzed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }

  // ---- the processes measured: compiled, as production runs them
  const root = join(__dirname, '..', '..');
  mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
  const buildDir = mkdtempSync(join(root, 'node_modules', '.cache', 'pf-scale-build-'));
  const main = compileApp(root, buildDir);
  const env: Record<string, string> = {
    PII_KEY: piiKey,
    DATABASE_URL: config.DATABASE_URL,
    REDIS_URL: config.REDIS_URL,
    REDIS_PREFIX: `pf-scale-${process.pid}`,
    JWT_SECRET: config.JWT_SECRET,
    LOG_LEVEL: 'log',
    NODE_ENV: 'production',
    ...(process.env.MIGRATION_DATABASE_URL ? { MIGRATION_DATABASE_URL: process.env.MIGRATION_DATABASE_URL } : {}),
    ...(process.env.LICENSING_WEBHOOK_SECRET ? { LICENSING_WEBHOOK_SECRET: process.env.LICENSING_WEBHOOK_SECRET } : {}),
  };
  const rssOf = (p: AppProcess) => {
    const status = readFileSync(`/proc/${p.child.pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  };

  async function measure(): Promise<Figures> {
    const port = await freePort();
    const [api, worker] = await Promise.all([
      startAppProcess(
        'api',
        { ...env, PORT: String(port) },
        {
          compiled: main,
          readyText: /PartyFlow 已启动|PartyFlow started/,
          timeoutMs: 300_000,
        },
      ),
      startAppProcess('worker', env, { compiled: main, timeoutMs: 300_000 }),
    ]);
    try {
      const base = `http://127.0.0.1:${port}/api/v1`;
      const login = async (username: string) => {
        const res = await fetch(`${base}/auth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password: 'demo' }),
        });
        if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
        return ((await res.json()) as any).accessToken as string;
      };
      const tokens = { supervisor: await login('supervisor'), city: await login('city') };
      const get = async (path: string, who: keyof typeof tokens) => {
        const t0 = process.hrtime.bigint();
        const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${tokens[who]}` } });
        const body = (await res.json()) as any;
        const took = Number(process.hrtime.bigint() - t0) / 1e6;
        if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
        return { took, body };
      };
      const p95 = async (name: string, path: (i: number) => string, who: keyof typeof tokens) => {
        for (let i = 0; i < 3; i++) await get(path(i), who); // warm-up
        const times: number[] = [];
        for (let i = 0; i < SAMPLES; i++) times.push((await get(path(i + 3), who)).took);
        times.sort((a, b) => a - b);
        return [name, times[Math.min(times.length - 1, Math.floor(0.95 * times.length))]] as const;
      };
      // a month two years' half ago: every day of the range holds cases
      const day = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10);
      const month = `from=${day(400)}&to=${day(370)}`;
      const firstPage = await get(
        `/audit/events?workflow=membership-transfer&type=REJECT_RELEASE&${month}&pageSize=50`,
        'supervisor',
      );
      const cursor: string | undefined = firstPage.body.nextCursor;
      const results = [
        await p95('history of one case', (i) => `/cases/${caseId(1 + ((i * 7919) % generated))}/history`, 'supervisor'),
        await p95(
          'audit: workflow + type + a month',
          () => `/audit/events?workflow=membership-transfer&type=REJECT_RELEASE&${month}&pageSize=50`,
          'supervisor',
        ),
        ...(cursor
          ? [
              await p95(
                'audit: the next page (cursor)',
                () =>
                  `/audit/events?workflow=membership-transfer&type=REJECT_RELEASE&${month}&pageSize=50&cursor=${encodeURIComponent(cursor)}`,
                'supervisor',
              ),
            ]
          : []),
        await p95(
          'audit: the demo city + a month',
          () => `/audit/events?orgId=${cityId}&${month}&pageSize=50`,
          'supervisor',
        ),
        await p95('tasks of the city clerk', () => `/tasks`, 'city'),
        await p95('cases: open, first page (city clerk)', () => `/cases?status=open&pageSize=50`, 'city'),
      ];
      const a = rssOf(api);
      const w = rssOf(worker);
      const [{ n: historyRows }] = await q(`SELECT count(*)::int AS n FROM case_history`);
      const [{ open: openCases, city: cityOpen }] = await q(
        `SELECT count(*)::int AS open, count(*) FILTER (WHERE scope_org_ids @> ARRAY[$1::uuid])::int AS city FROM cases WHERE status = 'open'`,
        [cityId],
      );
      return {
        cases: generated,
        historyRows,
        openCases,
        cityOpen,
        p95: Object.fromEntries(results),
        rss: { api: a.rss, apiPeak: a.peak, worker: w.rss, workerPeak: w.peak },
      };
    } finally {
      await Promise.allSettled([api.stop(), worker.stop()]);
    }
  }

  const out: string[] = [];
  const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const targets: Record<string, number> = {
    'history of one case': 10,
    'audit: workflow + type + a month': 100,
    'audit: the next page (cursor)': 100,
    'audit: the demo city + a month': 100,
    'tasks of the city clerk': 100,
  };
  // the machine is shared: every size is measured ROUNDS times (fresh processes each), and each round reported
  const measureRounds = async (label: string) => {
    const rounds: Figures[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      const before = load();
      const figures = await measure();
      figures.load = `${before} → ${load()}`;
      log(`measured ${label}, round ${r}: load average ${figures.load}`);
      rounds.push(figures);
    }
    return rounds;
  };
  try {
    // a rerun on a database already past the small size measures the full size only (no growth figures)
    const resumedPast = generated > CASES / 10;
    log(`generating ${CASES / 10} cases …`);
    await generateUpTo(CASES / 10);
    const small = resumedPast ? [] : await measureRounds('the small size');
    log(`generating up to ${CASES} cases …`);
    await generateUpTo(CASES);
    const large = await measureRounds('the full size');
    const l0 = large[0];
    const s0 = small[0] ?? { cases: '–', historyRows: NaN, openCases: '–', cityOpen: '–' };
    out.push(
      `scale: ${s0.cases} → ${l0.cases} cases, ${s0.historyRows} → ${l0.historyRows} history rows, ` +
        `${s0.openCases} → ${l0.openCases} open (${s0.cityOpen} → ${l0.cityOpen} in the city clerk's scope); ` +
        `${ROUNDS} rounds at each size, ${SAMPLES} samples each` +
        (resumedPast ? ' (a rerun on a generated database: the full size only)' : ''),
    );
    for (let r = 0; r < ROUNDS; r++)
      out.push(
        `  round ${r + 1}: load average (1/5/15 min) ${small[r]?.load ?? '–'} at the small size, ${large[r].load} at the full size`,
      );
    const rounds = (f: Figures[], pick: (x: Figures) => number, unit: (v: number) => string) =>
      f.map((x) => unit(pick(x)).padStart(9)).join(' ');
    for (const name of Object.keys(l0.p95)) {
      const goal = targets[name];
      const worst = Math.max(...large.map((x) => x.p95[name]));
      const growth = Math.min(...large.map((x) => x.p95[name])) / Math.min(...small.map((x) => x.p95[name]));
      out.push(
        `  p95 ${name.padEnd(38)} ${rounds(small, (x) => x.p95[name], ms)} → ${rounds(large, (x) => x.p95[name], ms)}` +
          (small.length
            ? `  (best ×${growth.toFixed(2)} for ×${(l0.historyRows / s0.historyRows).toFixed(0)} rows)`
            : '') +
          (goal ? `  target < ${goal} ms: ${worst < goal ? 'met' : 'NOT met'}` : ''),
      );
    }
    const peak = (x: Figures) => Math.max(x.rss!.apiPeak, x.rss!.workerPeak);
    for (const [i, x] of large.entries())
      out.push(
        `  RSS round ${i + 1} at ${x.openCases} open cases: api ${mb(x.rss!.api)} (peak ${mb(x.rss!.apiPeak)}), ` +
          `worker ${mb(x.rss!.worker)} (peak ${mb(x.rss!.workerPeak)})  target < 300 MB: ${peak(x) < 300 * 1024 ? 'met' : 'NOT met'}`,
      );
    const [{ history, cases, timers }] = await q(
      `SELECT pg_size_pretty(pg_total_relation_size('case_history')) AS history,
              pg_size_pretty(pg_total_relation_size('cases')) AS cases,
              pg_size_pretty(pg_total_relation_size('timers')) AS timers`,
    );
    out.push(`  on disk (with indexes): case_history ${history}, cases ${cases}, timers ${timers}`);
  } finally {
    await pool.end();
    rmSync(buildDir, { recursive: true, force: true });
  }
  return out;
}
