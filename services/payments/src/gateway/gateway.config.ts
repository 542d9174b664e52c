import { z } from 'zod';
import { loadConfig } from '@orderflow/runtime';
import { assertProductionSecret, gatewaySimulationEnv } from '../config';

/** The standalone gateway's environment: the simulation knobs plus where to listen. */
export const gatewayEnv = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GATEWAY_HOST: z.string().default('127.0.0.1'),
  ...gatewaySimulationEnv,
};

export type GatewayConfig = z.infer<z.ZodObject<typeof gatewayEnv>>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const config = loadConfig(gatewayEnv, env);
  assertProductionSecret(config);
  return config;
}
