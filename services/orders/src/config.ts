import { baseEnv, loadConfig, port } from '@orderflow/runtime';
import { z } from 'zod';

const positiveMs = z.coerce.number().int().positive();

export const ordersEnv = {
  ...baseEnv,
  PORT: port(3001),
  /** An order not final this long after the service first heard of it is reported as stuck. */
  ORDER_STUCK_AFTER_MS: positiveMs.default(300_000),
  /** How often the stuck-order report (readiness detail and gauge) is refreshed. */
  ORDER_STUCK_CHECK_INTERVAL_MS: positiveMs.default(10_000),
};

export type OrdersConfig = z.infer<z.ZodObject<typeof ordersEnv>>;

export function loadOrdersConfig(env: NodeJS.ProcessEnv = process.env): OrdersConfig {
  return loadConfig(ordersEnv, env);
}
