/** Measuring helpers shared by the benchmark sections: drive operations concurrently, summarize, format. */

export interface Stats {
  ops: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** Each operation's latency in ms, in completion order. */
  latencies: number[];
  /**
   * CPU time of this node process (app and load generator alike) per operation, in ms: less sensitive than the
   * rates to a machine shared with other work, where a process waits for a core whenever it sleeps.
   */
  cpuMsPerOp: number;
}

/** Throughput and latency percentiles of `latencies` (ms) measured over `seconds`. */
export function stats(latencies: number[], seconds: number, cpuMs = 0): Stats {
  const sorted = [...latencies].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  return {
    ops: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50: q(0.5),
    p99: q(0.99),
    latencies,
    cpuMsPerOp: latencies.length ? cpuMs / latencies.length : 0,
  };
}

/** Combines rounds: total throughput over total time, latency percentiles over all samples. */
export function merge(runs: Stats[]): Stats {
  return stats(
    runs.flatMap((r) => r.latencies),
    runs.reduce((a, r) => a + r.seconds, 0),
    runs.reduce((a, r) => a + r.cpuMsPerOp * r.ops, 0),
  );
}

/**
 * Runs `total` operations with `concurrency` workers; `op` gets the worker index and the operation index,
 * so a caller can give each worker its own slots (no two workers touch one case at once).
 */
export async function drive(
  total: number,
  concurrency: number,
  op: (worker: number, i: number) => Promise<void>,
): Promise<Stats> {
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const t0 = process.hrtime.bigint();
        await op(w, i);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return stats(latencies, Number(process.hrtime.bigint() - started) / 1e9, (cpu.user + cpu.system) / 1000);
}

export const fmt = (s: Stats) =>
  `${s.perSecond.toFixed(0).padStart(6)} /s   p50 ${s.p50.toFixed(2)} ms   p99 ${s.p99.toFixed(2)} ms   (${s.ops} in ${s.seconds.toFixed(2)} s, node CPU ${s.cpuMsPerOp.toFixed(2)} ms/op)`;
