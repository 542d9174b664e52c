import { z } from 'zod';

/** Raised at start-up when the environment is wrong; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; problem: string }[]) {
    super(`invalid configuration: ${issues.map((i) => `${i.variable}: ${i.problem}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

const csv = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port')).min(1));

/** Booleans from env: only the spellings people actually write. */
export const envBoolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => ['true', '1', 'yes'].includes(v));

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** Variables every service reads. Services extend this with their own. */
export const baseEnv = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KAFKA_BROKERS: csv.default(['127.0.0.1:9092']),
  KAFKA_CLIENT_ID: z.string().min(1).optional(),
  KAFKA_SSL: envBoolean.default(false),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  SCHEMA_REGISTRY_URL: z.url().default('http://127.0.0.1:8081'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')
    .default('postgres://postgres@127.0.0.1:5432/orderflow'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'expected a redis:// URL')
    .default('redis://127.0.0.1:6379'),
  HOST: z.string().default('127.0.0.1'),
  /** Postgres schema the service owns; defaults to the service name. */
  DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'a lowercase Postgres identifier')
    .optional(),
  /** How long the group waits for a silent consumer before moving its partitions (6000 is the broker minimum). */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(3000).max(300_000).default(30_000),
  /** Consumer group id; defaults to TOPIC_PREFIX + service name. Two instances of a service share it. */
  CONSUMER_GROUP: z.string().min(1).optional(),
  /**
   * Prepended to every topic the service consumes and produces. Empty in production; tests and parallel
   * local runs use it to get a private set of topics.
   */
  TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, dot, underscore and dash only')
    .default(''),
  /** Body size limit for HTTP requests, in bytes. */
  HTTP_BODY_LIMIT: z.coerce.number().int().positive().default(100_000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
};

/**
 * Parses the environment once. Empty strings count as unset so `FOO=` in an env file means "default".
 */
export function loadConfig<S extends z.ZodRawShape>(
  shape: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<S>> {
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const result = z.object(shape).safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? '(env)'),
        problem: issue.message,
      })),
    );
  }
  return result.data;
}

export type BaseConfig = z.infer<z.ZodObject<typeof baseEnv>>;
