import { z } from 'zod';
import { baseEnv, ConfigError, envBoolean, loadConfig, port } from '@orderflow/runtime';

/**
 * Shared with the gateway and published in the README so a fresh checkout works; a deployment must set
 * its own (refused when NODE_ENV=production).
 */
export const DEV_WEBHOOK_SECRET = 'orderflow-dev-webhook-secret-change-me';

/** The simulation knobs, read by the payments service (embedded gateway) and the standalone gateway alike. */
export const gatewaySimulationEnv = {
  /** Share of orders the gateway accepts, 0..1. */
  PAYMENT_SUCCESS_RATE: z.coerce.number().min(0).max(1).default(0.9),
  /** How long the gateway takes to call back. */
  PAYMENT_DELAY_MS: z.coerce.number().int().min(0).max(86_400_000).default(200),
  /** Fixes every order's outcome, so a run can be repeated. */
  PAYMENT_SEED: z.string().min(1).default('orderflow'),
  /** HMAC key of the callbacks; must be the same on both sides. */
  WEBHOOK_SECRET: z.string().min(16, 'at least 16 characters').default(DEV_WEBHOOK_SECRET),
  GATEWAY_PORT: port(3013),
};

export const paymentsEnv = {
  ...baseEnv,
  PORT: port(3003),
  ...gatewaySimulationEnv,
  /**
   * A payment with no callback this long after its first charge request fails as a gateway timeout
   * (counted from the request, so a backlog of payments not yet sent is not blamed on the gateway).
   */
  PAYMENT_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** Start the simulated gateway inside this process (on GATEWAY_PORT); false: use GATEWAY_URL. */
  GATEWAY_EMBEDDED: envBoolean.default(true),
  GATEWAY_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3013'),
  /** Base URL the gateway calls back on; defaults to http://127.0.0.1:<PORT>. */
  PAYMENTS_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Per charge request to the gateway. */
  GATEWAY_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  /** Payments submitted to the gateway per round (the requests of a round run concurrently). */
  PAYMENT_SUBMIT_BATCH: z.coerce.number().int().min(1).max(1_000).default(100),
  /** How often the workers look for payments to submit and payments that timed out. */
  PAYMENT_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(100),
};

export type PaymentsConfig = z.infer<z.ZodObject<typeof paymentsEnv>>;

export function assertProductionSecret(config: { NODE_ENV: string; WEBHOOK_SECRET: string }): void {
  if (config.NODE_ENV === 'production' && config.WEBHOOK_SECRET === DEV_WEBHOOK_SECRET) {
    throw new ConfigError([
      {
        variable: 'WEBHOOK_SECRET',
        problem: 'must be set in production (the default is a public dev value)',
      },
    ]);
  }
}

export function loadPaymentsConfig(env: NodeJS.ProcessEnv = process.env): PaymentsConfig {
  const config = loadConfig(paymentsEnv, env);
  assertProductionSecret(config);
  return config;
}
