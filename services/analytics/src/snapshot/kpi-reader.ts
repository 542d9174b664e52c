import type { Pool } from '@orderflow/runtime';
import type { KpiSnapshotRepository } from '../db/kpi-snapshot.repository';
import type { KpiCounters } from '../domain/kpi';
import type { AnalyticsStore } from '../redis/analytics.store';

export type DaySource = 'redis' | 'snapshot' | 'none';

export interface DayKpis {
  day: string;
  source: DaySource;
  byCurrency: Map<string, KpiCounters>;
}

/**
 * KPIs of a list of days: from Redis where it has the day, from the Postgres snapshots for days it no
 * longer has (expired, or lost with Redis before a rebuild could bring them back).
 */
export class KpiReader {
  constructor(
    private readonly store: AnalyticsStore,
    private readonly snapshots: KpiSnapshotRepository,
    private readonly pool: Pool,
  ) {}

  async read(days: readonly string[]): Promise<DayKpis[]> {
    const live = await this.store.readDays(days);
    const missing = days.filter((day) => !live.days.has(day));
    const saved = await this.snapshots.findDays(this.pool, missing);
    return days.map((day) => {
      const fromRedis = live.days.get(day);
      if (fromRedis) return { day, source: 'redis', byCurrency: fromRedis };
      const fromSnapshot = saved.get(day);
      if (fromSnapshot) return { day, source: 'snapshot', byCurrency: fromSnapshot };
      return { day, source: 'none', byCurrency: new Map() };
    });
  }
}
