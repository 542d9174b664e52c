// Pure helpers: percentiles over latencies, and per-order latencies from two timestamp maps.

export interface LatencySummary {
  /** Orders with both timestamps. */
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of ascending `sorted` values (p in 0..100); NaN for no values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (p <= 0) return sorted[0] as number;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, rank) - 1] as number;
}

export function summarize(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((total, v) => total + v, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : Number.NaN,
    mean: sorted.length > 0 ? Math.round(sum / sorted.length) : Number.NaN,
  };
}

/**
 * finished - placed per order id present in both maps, for orders placed at or after `since` (epoch ms):
 * the orders of one run when several runs share the topics.
 */
export function latencies(
  placed: ReadonlyMap<string, number>,
  finished: ReadonlyMap<string, number>,
  since = 0,
): { values: number[]; unfinished: number } {
  const values: number[] = [];
  let unfinished = 0;
  for (const [id, at] of placed) {
    if (at < since) continue;
    const done = finished.get(id);
    if (done === undefined) unfinished += 1;
    else values.push(Math.max(0, done - at));
  }
  return { values, unfinished };
}

/** Events per second over `ms`, rounded; 0 when no time passed. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? Math.round((count * 1000) / ms) : 0;
}
