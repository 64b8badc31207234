/**
 * Campaign benchmark for `npm run bench`: a generated province of N organizations (BENCH_CAMPAIGN_ORGS,
 * default 40 000; 0 skips the section) under a fresh city committee. An annual-review campaign is launched
 * over it and its progress polled through HTTP until every case is open (goal < 60 s). Baseline: a raw
 * `INSERT … SELECT` of the very same case, history and timer rows into empty copies of those tables.
 * Memory: the process's peak RSS and heap during the run.
 */
import type { INestApplication } from '@nestjs/common';
import { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import type { Principal } from '../../libs/auth/principal';
import { CampaignsService } from '../../libs/campaigns/campaigns.service';
import { buildDemoRegion } from '../../libs/demo/demo-region';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;

export async function campaignBench(app: INestApplication, orgCount: number): Promise<string[]> {
  if (orgCount <= 0) return ['campaign: skipped (BENCH_CAMPAIGN_ORGS=0)'];
  const ds = app.get(DataSource);
  const region = buildDemoRegion();
  const province = region.orgs.find((o) => o.id === region.anchors.provinceId)!;
  const [{ path: provincePath }] = await ds.query(`SELECT path FROM orgs WHERE id = $1`, [province.id]);

  // ---- the generated province: one city committee, 20 county committees, orgCount branches under them
  const t0 = Date.now();
  const [city] = await ds.query(
    `INSERT INTO orgs (name, type, parent_id, path, region_code) VALUES ('压测市律师行业党委', 'city_committee', $1, '', '369900') RETURNING id`,
    [province.id],
  );
  const cityPath = `${provincePath}${city.id}/`;
  await ds.query(`UPDATE orgs SET path = $2 WHERE id = $1`, [city.id, cityPath]);
  await ds.query(
    `WITH c AS (SELECT gen_random_uuid() AS id, n FROM generate_series(1, 20) n)
     INSERT INTO orgs (id, name, type, parent_id, path, region_code, county)
     SELECT c.id, '压测县' || n || '司法局党组', 'county_committee', $1, $2 || c.id || '/', '3699' || lpad(n::text, 2, '0'), '压测县' || n FROM c`,
    [city.id, cityPath],
  );
  await ds.query(
    `WITH counties AS (SELECT id, path, region_code, county, row_number() OVER (ORDER BY id) - 1 AS k FROM orgs WHERE parent_id = $1),
          b AS (SELECT gen_random_uuid() AS id, n FROM generate_series(0, $2 - 1) n)
     INSERT INTO orgs (id, name, type, parent_id, path, region_code, county)
     SELECT b.id, '压测律师事务所' || b.n || '党支部', CASE WHEN b.n % 10 = 0 THEN 'joint_branch' ELSE 'branch' END,
            counties.id, counties.path || b.id || '/', counties.region_code, counties.county
     FROM b JOIN counties ON counties.k = b.n % 20`,
    [city.id, orgCount],
  );
  await ds.query('ANALYZE orgs');
  const generatedSeconds = (Date.now() - t0) / 1000;

  // ---- launch and poll progress over HTTP (an admin reads every campaign)
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}/api/v1`;
  const login = await fetch(`${base}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'demo' }),
  });
  const adminToken = ((await login.json()) as any).accessToken as string;
  const clerk: Principal = {
    userId: 'bench-city-clerk',
    username: 'bench-city',
    displayName: '压测市委党务干事',
    roles: [{ role: 'clerk', orgId: city.id }],
  };
  const memory = { rss: 0, heap: 0 };
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    memory.rss = Math.max(memory.rss, m.rss);
    memory.heap = Math.max(memory.heap, m.heapUsed);
  }, 200);
  const before = process.memoryUsage();
  const started = Date.now();
  const launched = await app.get(CampaignsService).launchAnnualReview(clerk, { year: 2031, orgId: city.id });
  const launchMs = Date.now() - started;
  const polls: string[] = [];
  let last: any = launched;
  while (Date.now() - started < 600_000) {
    const res = await fetch(`${base}/campaigns/${launched.id}`, { headers: { authorization: `Bearer ${adminToken}` } });
    last = await res.json();
    if (polls.length < 200) polls.push(`${((Date.now() - started) / 1000).toFixed(0)}s:${last.opened}`);
    if (last.status !== 'running') break;
    await sleep(1000);
  }
  const seconds = (Date.now() - started) / 1000;
  clearInterval(sampler);

  // ---- baseline: the same rows written by one INSERT … SELECT each
  await ds.query(`DROP TABLE IF EXISTS bench_raw_cases, bench_raw_history, bench_raw_timers`);
  await ds.query(`CREATE TABLE bench_raw_cases (LIKE cases INCLUDING ALL)`);
  await ds.query(`CREATE TABLE bench_raw_history (LIKE case_history INCLUDING ALL)`);
  await ds.query(`CREATE TABLE bench_raw_timers (LIKE timers INCLUDING ALL)`);
  const trigger = `campaign:${launched.id}`;
  const rawStart = Date.now();
  await ds.transaction(async (em) => {
    await em.query(`INSERT INTO bench_raw_cases SELECT * FROM cases WHERE opened_by ->> 'trigger' = $1`, [trigger]);
    await em.query(
      `INSERT INTO bench_raw_history SELECT h.* FROM case_history h JOIN cases c ON c.id = h.case_id WHERE c.opened_by ->> 'trigger' = $1`,
      [trigger],
    );
    await em.query(
      `INSERT INTO bench_raw_timers SELECT t.* FROM timers t JOIN cases c ON c.id = t.case_id WHERE c.opened_by ->> 'trigger' = $1`,
      [trigger],
    );
  });
  const rawSeconds = (Date.now() - rawStart) / 1000;
  const [{ n: rawRows }] = await ds.query(`SELECT count(*)::int AS n FROM bench_raw_cases`);
  await ds.query(`DROP TABLE bench_raw_cases, bench_raw_history, bench_raw_timers`);

  const done = last.status === 'completed' && last.opened === orgCount;
  const rate = last.opened / seconds;
  return [
    `campaign: ${orgCount} organizations generated in ${generatedSeconds.toFixed(1)} s; launch answered in ${launchMs} ms`,
    `campaign launch → all cases open   ${seconds.toFixed(1)} s   ${last.opened}/${last.total} opened, ${last.failed} failed, status ${last.status}   ${rate.toFixed(0)} orgs/s   goal < 60 s: ${done && seconds < 60 ? 'met' : 'NOT met'}`,
    `raw INSERT … SELECT of the same rows (${rawRows} cases + history + timers)   ${rawSeconds.toFixed(2)} s   ${(rawRows / rawSeconds).toFixed(0)} orgs/s   ratio campaign/raw ${(rate / (rawRows / rawSeconds)).toFixed(3)}`,
    `campaign memory: peak RSS ${mb(memory.rss)} (start ${mb(before.rss)}), peak heap ${mb(memory.heap)} (start ${mb(before.heapUsed)})`,
    `campaign progress polled (elapsed:opened): ${polls.join(' ')}`,
  ];
}
