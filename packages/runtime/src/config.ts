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
  /** PEM file of the CA(s) that signed the brokers' certificates; unset: Node's built-in public CAs. */
  KAFKA_SSL_CA_FILE: z.string().optional(),
  /** PEM client certificate and unencrypted key, for brokers that require mutual TLS. Set both or neither. */
  KAFKA_SSL_CERT_FILE: z.string().optional(),
  KAFKA_SSL_KEY_FILE: z.string().optional(),
  /** `false` accepts any broker certificate: only for a throwaway cluster, never in production. */
  KAFKA_SSL_REJECT_UNAUTHORIZED: envBoolean.default(true),
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
  /**
   * Partitions whose batches are applied at the same time, each in its own transaction (batches of one
   * partition never overlap, so per-order order holds).
   */
  KAFKA_PARTITION_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(6),
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

/** TLS and SASL towards Kafka: what `createKafka` needs besides the brokers. */
export const kafkaSecurityEnv = {
  KAFKA_SSL: baseEnv.KAFKA_SSL,
  KAFKA_SSL_CA_FILE: baseEnv.KAFKA_SSL_CA_FILE,
  KAFKA_SSL_CERT_FILE: baseEnv.KAFKA_SSL_CERT_FILE,
  KAFKA_SSL_KEY_FILE: baseEnv.KAFKA_SSL_KEY_FILE,
  KAFKA_SSL_REJECT_UNAUTHORIZED: baseEnv.KAFKA_SSL_REJECT_UNAUTHORIZED,
  KAFKA_SASL_MECHANISM: baseEnv.KAFKA_SASL_MECHANISM,
  KAFKA_SASL_USERNAME: baseEnv.KAFKA_SASL_USERNAME,
  KAFKA_SASL_PASSWORD: baseEnv.KAFKA_SASL_PASSWORD,
};

export type KafkaSecurityConfig = z.infer<z.ZodObject<typeof kafkaSecurityEnv>>;

/** What a Kafka client outside a service needs (the importer, the ops CLIs): brokers, security, registry, prefix. */
export const kafkaClientEnv = {
  KAFKA_BROKERS: baseEnv.KAFKA_BROKERS,
  KAFKA_CLIENT_ID: baseEnv.KAFKA_CLIENT_ID,
  ...kafkaSecurityEnv,
  SCHEMA_REGISTRY_URL: baseEnv.SCHEMA_REGISTRY_URL,
  TOPIC_PREFIX: baseEnv.TOPIC_PREFIX,
};

type Issue = ConfigError['issues'][number];

/**
 * Rules that span variables, for any schema that has them: SASL needs a user and a password, and the TLS
 * files mean nothing without KAFKA_SSL (a CA file silently ignored would send SASL credentials in clear).
 */
function kafkaSecurityIssues(config: Record<string, unknown>): Issue[] {
  const issues: Issue[] = [];
  if (config.KAFKA_SASL_MECHANISM !== undefined) {
    for (const variable of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD']) {
      if (config[variable] === undefined)
        issues.push({ variable, problem: 'required when KAFKA_SASL_MECHANISM is set' });
    }
  }
  for (const variable of ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE']) {
    if (config[variable] !== undefined && config.KAFKA_SSL === false)
      issues.push({ variable, problem: 'set, but KAFKA_SSL is false: set KAFKA_SSL=true to use it' });
  }
  const [cert, key] = [config.KAFKA_SSL_CERT_FILE, config.KAFKA_SSL_KEY_FILE];
  if ((cert === undefined) !== (key === undefined)) {
    issues.push({
      variable: cert === undefined ? 'KAFKA_SSL_CERT_FILE' : 'KAFKA_SSL_KEY_FILE',
      problem: 'KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together: set both or neither',
    });
  }
  return issues;
}

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
  const crossIssues = kafkaSecurityIssues(result.data as Record<string, unknown>);
  if (crossIssues.length > 0) throw new ConfigError(crossIssues);
  return result.data;
}

export type BaseConfig = z.infer<z.ZodObject<typeof baseEnv>>;
