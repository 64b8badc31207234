/**
 * Per-statement PostgreSQL costs for profiling a bench section (BENCH_PG_STATS=1: the launcher then starts
 * its embedded PostgreSQL with pg_stat_statements preloaded). Without the extension every call is a no-op.
 */
import { Client } from 'pg';

export interface PgStats {
  reset(): Promise<void>;
  /** The `n` statements with the most execution time since the last reset, one line each. */
  top(label: string, n?: number): Promise<string[]>;
  end(): Promise<void>;
}

export async function pgStats(url: string): Promise<PgStats> {
  const off: PgStats = { reset: async () => undefined, top: async () => [], end: async () => undefined };
  if (process.env.BENCH_PG_STATS !== '1') return off;
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await client.query('SELECT pg_stat_statements_reset()');
  } catch (e) {
    console.log(`(pg_stat_statements unavailable: ${(e as Error).message})`);
    await client.end();
    return off;
  }
  return {
    end: () => client.end(),
    reset: async () => void (await client.query('SELECT pg_stat_statements_reset()')),
    top: async (label, n = 12) => {
      const { rows } = await client.query(
        `SELECT calls, round(total_exec_time)::int AS ms, round(mean_exec_time::numeric, 3) AS mean, rows,
                round((total_plan_time / greatest(calls, 1))::numeric, 3) AS plan,
                regexp_replace(left(query, 150), '\\s+', ' ', 'g') AS q
         FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
         ORDER BY total_exec_time DESC LIMIT $1`,
        [n],
      );
      const [{ total }] = (
        await client.query(
          `SELECT round(sum(total_exec_time))::int AS total FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        )
      ).rows;
      return [
        `-- pg_stat_statements: ${label} (total ${total} ms)`,
        ...rows.map(
          (r) =>
            `${String(r.ms).padStart(7)} ms ${String(r.calls).padStart(7)} calls ${String(r.mean).padStart(8)} ms/call  plan ${String(r.plan).padStart(6)} ms/call  ${r.q}`,
        ),
      ];
    },
  };
}
