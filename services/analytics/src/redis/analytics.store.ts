import type { Redis } from '@orderflow/runtime';
import { kpiExpiresAt } from '../domain/dates';
import type { EventEffects } from '../domain/event-effects';
import { isKpiCounter, zeroCounters, type KpiCounters } from '../domain/kpi';
import { AnalyticsKeys, inGeneration, parseKpiField } from './keys';
import {
  allScripts,
  applyEventsScript,
  healthScript,
  readKpisScript,
  readLeaderboardScript,
} from './scripts';

export interface AnalyticsStoreOptions {
  /** A day's KPI hash expires this many days after the day (0 = never). */
  kpiTtlDays: number;
  /** Seconds an event id is remembered (0 = for ever). */
  eventIdTtlSeconds: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** Where a batch goes: the live consumer's targets (active and building) or one explicit generation. */
export type ApplyTarget = { kind: 'live' } | { kind: 'generation'; generation: string };

export interface LeaderboardRow {
  customerId: string;
  netSpendCents: number;
  name: string;
  email: string;
}

/**
 * The service's Redis state: applies event effects through one script call per batch and reads KPIs
 * and leaderboards of the active generation.
 */
export class AnalyticsStore {
  readonly keys: AnalyticsKeys;

  constructor(
    readonly redis: Redis,
    prefix: string,
    private readonly options: AnalyticsStoreOptions,
  ) {
    this.keys = new AnalyticsKeys(prefix);
  }

  /** Puts the scripts into Redis' cache so the first batch does not pay for it. */
  async loadScripts(): Promise<void> {
    for (const script of allScripts) await script.load(this.redis);
  }

  /** Applies every event not applied before; returns how many were new (the rest were duplicates). */
  async apply(effects: readonly EventEffects[], target: ApplyTarget): Promise<number> {
    if (effects.length === 0) return 0;
    const nowSeconds = Math.floor((this.options.now?.() ?? Date.now()) / 1000);
    const args: (string | number)[] = [
      this.keys.namespaceBase,
      target.kind === 'generation' ? target.generation : '',
      this.options.eventIdTtlSeconds,
      inGeneration.seenPrefix,
    ];
    for (const effect of effects) {
      const ops = scriptOps(effect, this.options.kpiTtlDays, nowSeconds);
      args.push(effect.eventId, ops.length / 5, ...ops);
    }
    const fresh = await applyEventsScript.run(this.redis, [this.keys.active, this.keys.building], args);
    return Number(fresh);
  }

  async activeGeneration(): Promise<string | undefined> {
    return (await this.redis.get(this.keys.active)) ?? undefined;
  }

  async buildingGeneration(): Promise<string | undefined> {
    return (await this.redis.get(this.keys.building)) ?? undefined;
  }

  /** The pointers, and whether the active generation is intact (its marker survived). */
  async health(): Promise<{ active?: string; building?: string; intact: boolean }> {
    const [active, building, intact] = (await healthScript.run(
      this.redis,
      [this.keys.active, this.keys.building],
      [this.keys.namespaceBase, inGeneration.marker],
    )) as [string, string, number];
    return { active: active || undefined, building: building || undefined, intact: intact === 1 };
  }

  /**
   * Counters per currency for each day, from the active generation in one atomic read. A day with no
   * hash (no events, or expired) is absent from the map.
   */
  async readDays(days: readonly string[]): Promise<{
    generation: string;
    days: Map<string, Map<string, KpiCounters>>;
  }> {
    const answer = (await readKpisScript.run(
      this.redis,
      [this.keys.active],
      [this.keys.namespaceBase, ...days.map(inGeneration.kpiDay)],
    )) as [string, ...string[][]];
    const [generation, ...hashes] = answer;
    const result = new Map<string, Map<string, KpiCounters>>();
    days.forEach((day, index) => {
      const flat = hashes[index] ?? [];
      if (flat.length === 0) return;
      result.set(day, countersByCurrency(flat));
    });
    return { generation, days: result };
  }

  async readLeaderboard(
    currency: string,
    month: string | undefined,
    limit: number,
  ): Promise<{ generation: string; rows: LeaderboardRow[] }> {
    const [generation, flat] = (await readLeaderboardScript.run(
      this.redis,
      [this.keys.active],
      [
        this.keys.namespaceBase,
        inGeneration.leaderboard(currency, month),
        limit,
        inGeneration.customerPrefix,
      ],
    )) as [string, string[]];
    const rows: LeaderboardRow[] = [];
    for (let i = 0; i + 3 < flat.length; i += 4) {
      rows.push({
        customerId: flat[i]!,
        netSpendCents: Number(flat[i + 1]),
        name: flat[i + 2]!,
        email: flat[i + 3]!,
      });
    }
    return { generation, rows };
  }
}

/** HGETALL of a day hash (`EUR:revenue_cents`, `1200`, ...) -> counters per currency. */
export function countersByCurrency(flat: readonly string[]): Map<string, KpiCounters> {
  const byCurrency = new Map<string, KpiCounters>();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = parseKpiField(flat[i]!);
    if (!field || !isKpiCounter(field.counter)) continue;
    let counters = byCurrency.get(field.currency);
    if (!counters) {
      counters = zeroCounters();
      byCurrency.set(field.currency, counters);
    }
    counters[field.counter] = Number(flat[i + 1]);
  }
  return byCurrency;
}

/**
 * The script's ops for one event (5 arguments each, see scripts.ts). KPIs of a day already past its
 * expiry are left out: Redis would drop them at once, and the day is served from snapshots.
 */
export function scriptOps(effect: EventEffects, kpiTtlDays: number, nowSeconds: number): (string | number)[] {
  const ops: (string | number)[] = [];
  const { day, currency, increments } = effect.kpi;
  const expiresAt = kpiExpiresAt(day, kpiTtlDays);
  if (expiresAt === undefined || expiresAt > nowSeconds) {
    const dayKey = inGeneration.kpiDay(day);
    for (const [counter, amount] of Object.entries(increments)) {
      if (!isKpiCounter(counter) || amount === undefined) continue;
      ops.push('H', dayKey, inGeneration.kpiField(currency, counter), amount, '');
    }
    if (expiresAt !== undefined) ops.push('X', dayKey, expiresAt, '', '');
  }
  if (effect.spend) {
    const { currency: spendCurrency, month, customerId, deltaCents } = effect.spend;
    ops.push('Z', inGeneration.leaderboard(spendCurrency), customerId, deltaCents, '');
    ops.push('Z', inGeneration.leaderboard(spendCurrency, month), customerId, deltaCents, '');
  }
  if (effect.customer) {
    const { customerId, name, email, version } = effect.customer;
    ops.push('C', inGeneration.customer(customerId), name, email, `${version.at}:${version.tiebreak}`);
  }
  return ops;
}
