import fs from 'node:fs';
import { parse } from 'csv-parse';
import Redis from 'ioredis';
import { Pool } from 'pg';
import type { OpsContext } from '../context';
import { readAnalytics } from './analytics-reader';
import { scanTopics } from './event-scan';
import { checkAll, type InvariantResult } from './invariants';
import { readStores } from './store-reader';
import type { VerifyConfig, VerifyTargets } from './verify-config';

export interface VerifyOptions {
  /** Only orders whose first orders.placed was written at or after this time (epoch millis). */
  sinceMs?: number;
  /** Only these order ids (from an orders CSV or a list of ids). */
  orderIds?: Set<string>;
  /** Violations kept per invariant. */
  keep?: number;
}

export interface VerifyReport {
  ok: boolean;
  scope: { placed_orders: number; checked_orders: number; restricted: boolean; not_placed: number };
  topics: { prefix: string; messages: Record<string, number>; complete: boolean; unreadable: number };
  schemas: VerifyTargets['schemas'];
  analytics: { key_prefix: string; generation: string | null };
  invariants: InvariantResult[];
  elapsed_ms: number;
}

/** Order ids of a file: an orders CSV (column `external_order_id` or `order_id`), or one id per line. */
export async function readOrderIds(file: string): Promise<Set<string>> {
  const ids = new Set<string>();
  const text = fs.createReadStream(file);
  let column: number | undefined;
  for await (const record of text.pipe(
    parse({ relax_column_count: true, skip_empty_lines: true, trim: true }),
  )) {
    const row = record as string[];
    if (column === undefined) {
      const found = row.findIndex((h) => h === 'external_order_id' || h === 'order_id');
      column = found >= 0 ? found : 0;
      if (found >= 0) continue;
    }
    const id = row[column];
    if (id) ids.add(id);
  }
  return ids;
}

/** Reads topics, stores and analytics, then judges every invariant. */
export async function runVerify(
  ctx: OpsContext,
  config: VerifyConfig,
  targets: VerifyTargets,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const started = Date.now();
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 4 });
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
  try {
    await redis.connect();
    const [scan, stores, analytics] = await Promise.all([
      scanTopics(ctx),
      readStores(pool, targets.schemas),
      readAnalytics(redis, targets.analyticsKeyPrefix),
    ]);
    const scope = new Set<string>();
    let notPlaced = 0;
    for (const [orderId, placedAt] of scan.placed) {
      if (options.sinceMs !== undefined && placedAt < options.sinceMs) continue;
      if (options.orderIds && !options.orderIds.has(orderId)) continue;
      scope.add(orderId);
    }
    if (options.orderIds) for (const id of options.orderIds) if (!scan.placed.has(id)) notPlaced++;
    const restricted = options.sinceMs !== undefined || options.orderIds !== undefined;
    const invariants = checkAll({
      scan,
      stores,
      analytics,
      scope,
      unscoped: !restricted,
      channels: config.NOTIFY_CHANNELS,
      kpiTtlDays: config.ANALYTICS_KPI_TTL_DAYS,
      now: Date.now(),
      keep: options.keep,
    });
    // A topic that could not be read whole, or an event that cannot be decoded, makes every answer doubtful.
    const topicsOk = scan.complete && scan.unreadable.length === 0;
    if (!topicsOk) {
      const first = invariants[0]!;
      first.notes.push(
        scan.complete
          ? `${scan.unreadable.length} undecodable messages`
          : 'a topic could not be read to its end',
      );
      for (const u of scan.unreadable.slice(0, 3)) {
        first.violations.push({ id: `${u.topic} ${u.partition}@${u.offset}`, problem: u.problem });
      }
      first.violationCount += scan.complete ? scan.unreadable.length : 1;
      first.ok = false;
    }
    return {
      ok: invariants.every((i) => i.ok),
      scope: {
        placed_orders: scan.placed.size,
        checked_orders: scope.size,
        restricted,
        not_placed: notPlaced,
      },
      topics: {
        prefix: ctx.prefix,
        messages: scan.counts,
        complete: scan.complete,
        unreadable: scan.unreadable.length,
      },
      schemas: targets.schemas,
      analytics: { key_prefix: targets.analyticsKeyPrefix, generation: analytics.generation },
      invariants,
      elapsed_ms: Date.now() - started,
    };
  } finally {
    redis.disconnect();
    await pool.end();
  }
}
