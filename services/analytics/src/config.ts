import { z } from 'zod';
import { baseEnv, ConfigError, loadConfig, port } from '@orderflow/runtime';

/** Shortest event-id memory that still covers a redelivery after a consumer-offset reset (a week). */
export const MIN_EVENT_ID_TTL_DAYS = 7;

export const analyticsEnv = {
  ...baseEnv,
  PORT: port(3006),
  /**
   * Every Redis key of the service starts with `<prefix>:`. Restricted to characters that are not Redis
   * glob syntax, so the prefix can be used in SCAN patterns as it is.
   */
  ANALYTICS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, underscore and dash only')
    .default('analytics'),
  /** A day's KPI hash expires this many days after the day ends (0 = never); snapshots keep it after that. */
  ANALYTICS_KPI_TTL_DAYS: z.coerce.number().int().min(0).max(36_500).default(400),
  /**
   * How long an event id is remembered for deduplication (0 = for ever). It must cover the retention of
   * the consumed topics, which keep their events for ever, hence the default; see README.
   */
  ANALYTICS_EVENT_ID_TTL_DAYS: z.coerce.number().int().min(0).max(36_500).default(0),
  /** How often the service checks that Redis still holds its data (the active-generation pointer). */
  ANALYTICS_GENERATION_CHECK_MS: z.coerce.number().int().min(50).max(600_000).default(5_000),
  /** Lease of the rebuild lock; the holder refreshes it every third of this. */
  ANALYTICS_REBUILD_LOCK_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
};

export type AnalyticsConfig = z.infer<z.ZodObject<typeof analyticsEnv>>;

export function loadAnalyticsConfig(env: NodeJS.ProcessEnv = process.env): AnalyticsConfig {
  const config = loadConfig(analyticsEnv, env);
  const ttl = config.ANALYTICS_EVENT_ID_TTL_DAYS;
  if (ttl > 0 && ttl < MIN_EVENT_ID_TTL_DAYS) {
    throw new ConfigError([
      {
        variable: 'ANALYTICS_EVENT_ID_TTL_DAYS',
        problem: `0 (never expire) or at least ${MIN_EVENT_ID_TTL_DAYS} days: a redelivered event must still be recognised`,
      },
    ]);
  }
  return config;
}
