import { quoteIdent, type Pool } from '@orderflow/runtime';
import type { KpiCounters } from '../domain/kpi';

export interface KpiSnapshotRow extends KpiCounters {
  date: string;
  currency: string;
}

interface Row {
  date: string;
  currency: string;
  revenue_cents: string;
  order_count: string;
  failed_order_count: string;
  refund_count: string;
  refund_amount_cents: string;
}

/** Daily KPI copies in Postgres (table `kpi_snapshots` of the service's schema). */
export class KpiSnapshotRepository {
  private readonly table: string;

  constructor(schema: string) {
    this.table = `${quoteIdent(schema)}.kpi_snapshots`;
  }

  /** Inserts or replaces the day's rows, one statement for all currencies. */
  async upsert(pool: Pool, rows: readonly KpiSnapshotRow[], generation: string): Promise<void> {
    if (rows.length === 0) return;
    await pool.query(
      `INSERT INTO ${this.table} AS s
         (date, currency, revenue_cents, order_count, failed_order_count, refund_count, refund_amount_cents,
          generation)
       SELECT d, c, r, o, f, rc, ra, $8
       FROM unnest($1::date[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
         AS t(d, c, r, o, f, rc, ra)
       ON CONFLICT (date, currency) DO UPDATE SET
         revenue_cents = EXCLUDED.revenue_cents,
         order_count = EXCLUDED.order_count,
         failed_order_count = EXCLUDED.failed_order_count,
         refund_count = EXCLUDED.refund_count,
         refund_amount_cents = EXCLUDED.refund_amount_cents,
         generation = EXCLUDED.generation,
         taken_at = clock_timestamp()`,
      [
        rows.map((r) => r.date),
        rows.map((r) => r.currency),
        rows.map((r) => r.revenue_cents),
        rows.map((r) => r.order_count),
        rows.map((r) => r.failed_order_count),
        rows.map((r) => r.refund_count),
        rows.map((r) => r.refund_amount_cents),
        generation,
      ],
    );
  }

  /** Counters per currency for each of the days that has a snapshot. */
  async findDays(pool: Pool, days: readonly string[]): Promise<Map<string, Map<string, KpiCounters>>> {
    const result = new Map<string, Map<string, KpiCounters>>();
    if (days.length === 0) return result;
    // to_char: a `date` would come back as a JS Date at local midnight.
    const { rows } = await pool.query<Row>(
      `SELECT to_char(date, 'YYYY-MM-DD') AS date, currency, revenue_cents, order_count, failed_order_count,
              refund_count, refund_amount_cents
       FROM ${this.table} WHERE date = ANY($1::date[])`,
      [days],
    );
    for (const row of rows) {
      let byCurrency = result.get(row.date);
      if (!byCurrency) {
        byCurrency = new Map();
        result.set(row.date, byCurrency);
      }
      byCurrency.set(row.currency, {
        revenue_cents: Number(row.revenue_cents),
        order_count: Number(row.order_count),
        failed_order_count: Number(row.failed_order_count),
        refund_count: Number(row.refund_count),
        refund_amount_cents: Number(row.refund_amount_cents),
      });
    }
    return result;
  }
}
