import { z } from 'zod';
import { baseEnv, ConfigError, loadConfig, port } from '@orderflow/runtime';

/**
 * Published in the README and .env.example so a fresh checkout works; a deployment must set its own
 * (refused when NODE_ENV=production).
 */
export const DEV_API_TOKEN = 'orderflow-dev-api-token-change-me';

export const refundsEnv = {
  ...baseEnv,
  PORT: port(3004),
  /** Bearer token for POST /refunds. */
  API_TOKEN: z.string().min(16, 'at least 16 characters').default(DEV_API_TOKEN),
  /**
   * How long a request for an order whose outcome is not known yet waits for orders.finished, counted
   * from when the worker first saw it, before it is rejected as ORDER_UNKNOWN.
   */
  REFUND_GRACE_MS: z.coerce
    .number()
    .int()
    .positive()
    .max(7 * 86_400_000)
    .default(60_000),
  /** Expired waiting requests rejected per transaction by the grace worker. */
  REFUND_EXPIRY_BATCH: z.coerce.number().int().min(1).max(1_000).default(100),
};

export type RefundsConfig = z.infer<z.ZodObject<typeof refundsEnv>>;

export function assertProductionToken(config: { NODE_ENV: string; API_TOKEN: string }): void {
  if (config.NODE_ENV === 'production' && config.API_TOKEN === DEV_API_TOKEN) {
    throw new ConfigError([
      { variable: 'API_TOKEN', problem: 'must be set in production (the default is a public dev value)' },
    ]);
  }
}

export function loadRefundsConfig(env: NodeJS.ProcessEnv = process.env): RefundsConfig {
  const config = loadConfig(refundsEnv, env);
  assertProductionToken(config);
  return config;
}
