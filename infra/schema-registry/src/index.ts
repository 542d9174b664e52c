export { createRegistryApp, DEFAULT_DB_SCHEMA, type RegistryApp, type RegistryAppOptions } from './app';
export { startRegistry, type RunningRegistry, type StartRegistryOptions } from './registry.server';
export { loadConfig, ConfigError, type Config } from './config';
export {
  checkCompatibility,
  COMPATIBILITY_LEVELS,
  type CompatibilityLevel,
  type CompatibilityResult,
} from './domain/compatibility';
export { RegistryError } from './domain/registry.errors';
