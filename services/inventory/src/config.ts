import { z } from 'zod';
import { baseEnv, loadConfig, port } from '@orderflow/runtime';

export const inventoryEnv = {
  ...baseEnv,
  PORT: port(3002),
};

export type InventoryConfig = z.infer<z.ZodObject<typeof inventoryEnv>>;

export function loadInventoryConfig(env: NodeJS.ProcessEnv = process.env): InventoryConfig {
  return loadConfig(inventoryEnv, env);
}
