// Every Redis key the service uses is named here.
//
//   <prefix>:active            id of the generation readers use (e.g. g3-1a2b3c); missing = no data yet
//   <prefix>:building          id of the generation a rebuild is filling; the live consumer writes to it too
//   <prefix>:generation        counter behind generation ids
//   <prefix>:rebuild-lock      token of the one process allowed to rebuild (SET NX PX, refreshed)
//   <prefix>:rebuild-status    JSON progress of the running rebuild, for /readyz and the CLI
//   <prefix>:<gen>:marker      set when the generation became active; missing = the data was lost
//   <prefix>:<gen>:seen:<event_id>            1 (dedupe; optional TTL)
//   <prefix>:<gen>:kpi:<YYYY-MM-DD>           hash <CUR>:<counter> -> integer (TTL after the day)
//   <prefix>:<gen>:lb:<CUR>:all               zset customer_id -> net spend cents
//   <prefix>:<gen>:lb:<CUR>:<YYYY-MM>         zset customer_id -> net spend cents of orders placed that month
//   <prefix>:<gen>:customer:<customer_id>     hash name, email, v (version of the event they came from)
//
// Keys inside a generation are written as suffixes (`kpi:2025-01-31`); the scripts put
// `<prefix>:<gen>:` in front, because the generation is only known inside the script.
import type { KpiCounter } from '../domain/kpi';

const GENERATION_ID = /^g\d+-[0-9a-f]+$/;

export class AnalyticsKeys {
  readonly active: string;
  readonly building: string;
  readonly generationCounter: string;
  readonly rebuildLock: string;
  readonly rebuildStatus: string;

  constructor(readonly prefix: string) {
    this.active = `${prefix}:active`;
    this.building = `${prefix}:building`;
    this.generationCounter = `${prefix}:generation`;
    this.rebuildLock = `${prefix}:rebuild-lock`;
    this.rebuildStatus = `${prefix}:rebuild-status`;
  }

  /** What the scripts put in front of a generation id to get its namespace. */
  get namespaceBase(): string {
    return `${this.prefix}:`;
  }

  /** Full name of a key inside a generation. */
  inGeneration(generation: string, suffix: string): string {
    return `${this.prefix}:${generation}:${suffix}`;
  }

  /** SCAN pattern matching every generation's keys (and nothing else of the service). */
  get generationsPattern(): string {
    return `${this.prefix}:g*`;
  }

  /** The generation a key belongs to, or undefined for the service's own bookkeeping keys. */
  generationOf(key: string): string | undefined {
    if (!key.startsWith(`${this.prefix}:`)) return undefined;
    const generation = key.slice(this.prefix.length + 1).split(':', 1)[0] ?? '';
    return GENERATION_ID.test(generation) ? generation : undefined;
  }

  static generationId(counter: number, random: string): string {
    return `g${counter}-${random}`;
  }
}

/** Key suffixes inside a generation. */
export const inGeneration = {
  marker: 'marker',
  /** The script appends the event id. */
  seenPrefix: 'seen:',
  kpiDay: (day: string) => `kpi:${day}`,
  kpiField: (currency: string, counter: KpiCounter) => `${currency}:${counter}`,
  leaderboard: (currency: string, month?: string) => `lb:${currency}:${month ?? 'all'}`,
  /** The script appends the customer id. */
  customerPrefix: 'customer:',
  customer: (customerId: string) => `customer:${customerId}`,
};

/** `EUR:revenue_cents` -> currency and counter name. */
export function parseKpiField(field: string): { currency: string; counter: string } | undefined {
  const at = field.indexOf(':');
  if (at <= 0) return undefined;
  return { currency: field.slice(0, at), counter: field.slice(at + 1) };
}
