import { baseEnv, ConfigError, loadConfig } from '@orderflow/runtime';
import { z } from 'zod';
import { opsEnv } from '../config';

/** The services whose Postgres schemas `verify` reads (analytics' state is in Redis). */
export const STORE_SERVICES = ['orders', 'inventory', 'payments', 'refunds', 'notifier'] as const;
export type StoreService = (typeof STORE_SERVICES)[number];

const identifier = z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a lowercase Postgres identifier');

const schemaOverrides = Object.fromEntries(
  STORE_SERVICES.map((name) => [`${name.toUpperCase()}_DB_SCHEMA`, identifier.optional()]),
) as Record<`${Uppercase<StoreService>}_DB_SCHEMA`, z.ZodOptional<typeof identifier>>;

const CHANNELS = ['log', 'email', 'webhook'] as const;

/** What `verify` reads besides the ops settings: where each service keeps its state. */
export const verifyEnv = {
  ...opsEnv,
  DATABASE_URL: baseEnv.DATABASE_URL,
  REDIS_URL: baseEnv.REDIS_URL,
  ...schemaOverrides,
  /** Analytics' Redis key prefix, as the service reads it. */
  ANALYTICS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, underscore and dash only')
    .default('analytics'),
  /** Days whose KPI hash analytics let expire (older than this) are not compared. */
  ANALYTICS_KPI_TTL_DAYS: z.coerce.number().int().min(0).max(36_500).default(400),
  /** The notifier's channels in the run being checked: every outcome must have one notification on each. */
  NOTIFY_CHANNELS: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(CHANNELS, { error: `expected a comma-separated list of ${CHANNELS.join(', ')}` })))
    .default(['log']),
};

export type VerifyConfig = z.infer<z.ZodObject<typeof verifyEnv>>;

export interface VerifyTargets {
  schemas: Record<StoreService, string>;
  analyticsKeyPrefix: string;
}

/**
 * Loads the settings. `isolate` (a demo `--isolate NAME` run) supplies the names that run used — topics
 * `NAME.*`, schemas `NAME_<service>`, analytics keys `NAME:*` — unless the environment says otherwise.
 */
export function loadVerifyConfig(
  env: NodeJS.ProcessEnv = process.env,
  isolate?: string,
): { config: VerifyConfig; targets: VerifyTargets } {
  if (isolate !== undefined && !/^[a-z][a-z0-9_]{0,39}$/.test(isolate)) {
    throw new ConfigError([
      { variable: '--isolate', problem: 'a lowercase letter then up to 39 of a-z, 0-9, _' },
    ]);
  }
  const withIsolation: NodeJS.ProcessEnv = isolate
    ? {
        ...env,
        TOPIC_PREFIX: env.TOPIC_PREFIX || `${isolate}.`,
        ANALYTICS_KEY_PREFIX: env.ANALYTICS_KEY_PREFIX || isolate,
      }
    : env;
  const config = loadConfig(verifyEnv, withIsolation);
  const schemas = Object.fromEntries(
    STORE_SERVICES.map((name) => [
      name,
      config[`${name.toUpperCase() as Uppercase<StoreService>}_DB_SCHEMA`] ??
        (isolate ? `${isolate}_${name}` : name),
    ]),
  ) as Record<StoreService, string>;
  return { config, targets: { schemas, analyticsKeyPrefix: config.ANALYTICS_KEY_PREFIX } };
}
