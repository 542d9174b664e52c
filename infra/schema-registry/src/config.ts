import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

// Empty variables count as unset, so `PORT= node dist/main.js` falls back to the default.
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema);

export const envSchema = z.object({
  PORT: optional(
    z
      .string()
      .regex(/^\d+$/, 'must be a port number')
      .transform(Number)
      .pipe(z.number().int().min(0).max(65535))
      .default(8081),
  ),
  HOST: optional(z.string().default('127.0.0.1')),
  DATABASE_URL: optional(
    z
      .string()
      .refine((value) => {
        try {
          return ['postgres:', 'postgresql:'].includes(new URL(value).protocol);
        } catch {
          return false;
        }
      }, 'must be a postgres:// URL')
      .default('postgres://postgres@127.0.0.1:5432/orderflow'),
  ),
  LOG_LEVEL: optional(z.enum(LOG_LEVELS).default('info')),
  SCHEMA_REGISTRY_DB_SCHEMA: optional(
    z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case Postgres identifier')
      .default('schema_registry'),
  ),
});

export type Config = {
  port: number;
  host: string;
  databaseUrl: string;
  logLevel: (typeof LOG_LEVELS)[number];
  dbSchema: string;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the registry's environment; a bad value throws a ConfigError naming each offending variable. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const { PORT, HOST, DATABASE_URL, LOG_LEVEL, SCHEMA_REGISTRY_DB_SCHEMA } = parsed.data;
  return {
    port: PORT,
    host: HOST,
    databaseUrl: DATABASE_URL,
    logLevel: LOG_LEVEL,
    dbSchema: SCHEMA_REGISTRY_DB_SCHEMA,
  };
}
