import type Redis from 'ioredis';

// Analytics' numbers straight from its Redis keys (services/analytics/src/redis/keys.ts): the active
// generation's daily KPI hashes and every leaderboard, whole (the HTTP API caps boards at 100 entries).

export interface AnalyticsState {
  /** The active generation, or null when Redis holds no data (wiped and not rebuilt). */
  generation: string | null;
  /** `<day> <CUR> <counter>` -> value. */
  kpis: Map<string, number>;
  /** `<CUR>:<all|YYYY-MM>` -> customer id -> net spend cents. */
  boards: Map<string, Map<string, number>>;
}

async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

export async function readAnalytics(redis: Redis, prefix: string): Promise<AnalyticsState> {
  const generation = await redis.get(`${prefix}:active`);
  const state: AnalyticsState = { generation, kpis: new Map(), boards: new Map() };
  if (generation === null) return state;
  const base = `${prefix}:${generation}:`;

  const kpiKeys = await scanKeys(redis, `${base}kpi:*`);
  const hashes = await Promise.all(kpiKeys.map((key) => redis.hgetall(key)));
  kpiKeys.forEach((key, i) => {
    const day = key.slice(`${base}kpi:`.length);
    for (const [field, value] of Object.entries(hashes[i] ?? {})) {
      const at = field.indexOf(':');
      state.kpis.set(`${day} ${field.slice(0, at)} ${field.slice(at + 1)}`, Number(value));
    }
  });

  const boardKeys = await scanKeys(redis, `${base}lb:*`);
  const boards = await Promise.all(boardKeys.map((key) => redis.zrange(key, 0, -1, 'WITHSCORES')));
  boardKeys.forEach((key, i) => {
    const scores = new Map<string, number>();
    const flat = boards[i] ?? [];
    for (let j = 0; j + 1 < flat.length; j += 2) scores.set(flat[j]!, Number(flat[j + 1]));
    state.boards.set(key.slice(`${base}lb:`.length), scores);
  });
  return state;
}
