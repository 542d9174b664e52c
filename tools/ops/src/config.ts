import { kafkaClientEnv, loadConfig, port } from '@orderflow/runtime';
import { SERVICE_PORTS, type ServiceName } from '@orderflow/stack';
import { z } from 'zod';

export const SERVICES = Object.keys(SERVICE_PORTS) as ServiceName[];
export type { ServiceName };

const servicePorts = Object.fromEntries(
  SERVICES.map((name) => [`${name.toUpperCase()}_PORT`, port(SERVICE_PORTS[name])]),
) as Record<`${Uppercase<ServiceName>}_PORT`, ReturnType<typeof port>>;

const serviceGroups = Object.fromEntries(
  SERVICES.map((name) => [`${name.toUpperCase()}_CONSUMER_GROUP`, z.string().min(1).optional()]),
) as Record<`${Uppercase<ServiceName>}_CONSUMER_GROUP`, z.ZodOptional<z.ZodString>>;

/** What the ops CLIs read from the environment: the runtime's Kafka and registry settings, and where services are. */
export const opsEnv = {
  ...kafkaClientEnv,
  /** A CLI's stderr is for people: failures end in one line; kafkajs' own logs only when asked for. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('silent'),
  /** How long to wait for the first connection to Kafka before giving up. */
  OPS_CONNECT_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** Host the services' HTTP ports are reached on (status). */
  OPS_SERVICE_HOST: z.string().min(1).default('127.0.0.1'),
  /** Milliseconds to wait for each /readyz answer. */
  OPS_HTTP_TIMEOUT_MS: z.coerce.number().int().positive().default(3000),
  ...servicePorts,
  ...serviceGroups,
};

export type OpsConfig = z.infer<z.ZodObject<typeof opsEnv>>;

export function loadOpsConfig(env: NodeJS.ProcessEnv = process.env): OpsConfig {
  return loadConfig(opsEnv, env);
}

export function servicePort(config: OpsConfig, service: ServiceName): number {
  return config[`${service.toUpperCase() as Uppercase<ServiceName>}_PORT`];
}

/** The service's consumer group, named as the runtime names it: TOPIC_PREFIX + service, unless overridden. */
export function serviceGroup(config: OpsConfig, service: ServiceName): string {
  return (
    config[`${service.toUpperCase() as Uppercase<ServiceName>}_CONSUMER_GROUP`] ??
    `${config.TOPIC_PREFIX}${service}`
  );
}

export function isService(name: string): name is ServiceName {
  return (SERVICES as string[]).includes(name);
}
