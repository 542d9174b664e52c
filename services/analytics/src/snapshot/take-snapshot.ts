import type { Pool } from '@orderflow/runtime';
import type { KpiSnapshotRepository, KpiSnapshotRow } from '../db/kpi-snapshot.repository';
import type { AnalyticsStore } from '../redis/analytics.store';

export interface SnapshotResult {
  date: string;
  generation: string;
  rows: KpiSnapshotRow[];
}

/**
 * Copies one day's KPIs, every currency, from the active Redis generation into Postgres (upsert: taking
 * the same day again replaces its rows). A day Redis has nothing for writes nothing, so an older
 * snapshot of it is kept.
 */
export async function takeSnapshot(deps: {
  store: AnalyticsStore;
  snapshots: KpiSnapshotRepository;
  pool: Pool;
  date: string;
}): Promise<SnapshotResult> {
  const { generation, days } = await deps.store.readDays([deps.date]);
  const rows = [...(days.get(deps.date) ?? new Map())]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([currency, counters]) => ({ date: deps.date, currency, ...counters }));
  await deps.snapshots.upsert(deps.pool, rows, generation);
  return { date: deps.date, generation, rows };
}
