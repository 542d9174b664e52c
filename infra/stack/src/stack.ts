import fs from 'node:fs';
import { kafkaSecurityEnv, loadConfig, type KafkaSecurityConfig } from '@orderflow/runtime';
import { stackPaths, type StackPaths } from './paths';
import { ownedPid, portOpen, stopPid } from './processes';
import {
  ensureFormatted,
  ensureKafkaJars,
  kafkaReady,
  startKafkaProcess,
  StackError,
  waitForKafka,
} from './kafka';
import { registryReady, startRegistryProcess, waitForRegistry } from './registry';
import { checkRedis, ensurePostgres } from './dependencies';
import {
  databaseOwners,
  ownerDatabaseUrl,
  provisionDatabaseRoles,
  type DatabaseOwner,
  type RoleProvisioning,
} from './roles';
import { SERVICE_PORTS } from './services';

export interface StackEnv {
  brokers: string[];
  /** TLS and SASL for `brokers` (KAFKA_SSL*, KAFKA_SASL_*), checked as the services check them. */
  kafkaSecurity: KafkaSecurityConfig;
  registryUrl: string;
  databaseUrl: string;
  redisUrl: string;
}

export function stackEnv(env: NodeJS.ProcessEnv = process.env): StackEnv {
  return {
    brokers: (env.KAFKA_BROKERS || '127.0.0.1:9092')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    kafkaSecurity: loadConfig(kafkaSecurityEnv, env),
    registryUrl: env.SCHEMA_REGISTRY_URL || 'http://127.0.0.1:8081',
    databaseUrl: env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/orderflow',
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
  };
}

export interface ComponentStatus {
  component: string;
  up: boolean;
  address: string;
  /** Who runs it: our pid, or something outside the stack. */
  owner: string;
  detail: string;
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function isLocal(address: string): boolean {
  return LOCAL_HOSTS.has(address.split(':')[0] ?? '');
}

/**
 * Brings up what is missing: Kafka and the registry are started here (in the background, pid and log
 * files under .stack/); PostgreSQL and Redis must already run and are only checked. Anything already
 * answering is left alone, so calling this twice is a no-op.
 */
export async function stackUp(
  env: StackEnv,
  say: (line: string) => void,
  paths: StackPaths = stackPaths(),
): Promise<void> {
  const postgres = await ensurePostgres(env.databaseUrl);
  if (!postgres.ok) throw new StackError(postgres.detail);
  if (postgres.detail.startsWith('created')) say(postgres.detail);
  for (const { role, schema, changes } of await provisionRoles(env)) {
    if (changes.length > 0) say(`postgres: ${role} (schema ${schema}): ${changes.join(', ')}`);
  }
  const redis = await checkRedis(env.redisUrl);
  if (!redis.ok) throw new StackError(redis.detail);

  const [firstBroker] = env.brokers;
  if (!(await kafkaReady(env.brokers, env.kafkaSecurity))) {
    const [host, port] = (firstBroker ?? '').split(':');
    const local = env.brokers.length === 1 && isLocal(firstBroker ?? '') && port === '9092';
    if (!local)
      throw new StackError(
        `Kafka at ${env.brokers.join(',')} is not reachable, and only a local one can be started here`,
      );
    let startedByUs = false;
    if (ownedPid(paths.kafkaPid) === undefined) {
      if (await portOpen(host ?? '127.0.0.1', 9092)) {
        say('something listens on :9092 but is not answering as a Kafka broker yet; waiting for it');
      } else {
        ensureKafkaJars(paths, say);
        ensureFormatted(paths, say);
        const pid = startKafkaProcess(paths);
        startedByUs = true;
        say(`started Kafka (pid ${pid}, log ${paths.kafkaLog})`);
      }
    }
    await waitForKafka(paths, env.brokers, 120_000, startedByUs || ownedPid(paths.kafkaPid) !== undefined);
  }

  if (!(await registryReady(env.registryUrl))) {
    if (!isLocal(new URL(env.registryUrl).host)) {
      throw new StackError(`the schema registry at ${env.registryUrl} is not reachable`);
    }
    if (ownedPid(paths.registryPid) === undefined) {
      const registry = ownerDatabaseUrl(registryOwner(), env.databaseUrl, process.env);
      const pid = startRegistryProcess(paths, env.registryUrl, registry.url);
      say(`started the schema registry (pid ${pid}, log ${paths.registryLog})`);
    }
    await waitForRegistry(paths, env.registryUrl, 30_000);
  }
}

/** The services' and the registry's Postgres roles and schemas (roles.ts). */
export function stackDatabaseOwners(): DatabaseOwner[] {
  return databaseOwners(Object.keys(SERVICE_PORTS));
}

function registryOwner(): DatabaseOwner {
  return stackDatabaseOwners().find((owner) => owner.name === 'schema-registry')!;
}

/** Creates or repairs every owner's role and schema on DATABASE_URL's database; idempotent. */
export function provisionRoles(
  env: StackEnv,
  processEnv: NodeJS.ProcessEnv = process.env,
): Promise<RoleProvisioning[]> {
  return provisionDatabaseRoles(env.databaseUrl, stackDatabaseOwners(), processEnv);
}

/** Stops only the processes this stack started (it has their pid files); external services stay. */
export async function stackDown(
  say: (line: string) => void,
  options: { purge?: boolean } = {},
  paths: StackPaths = stackPaths(),
): Promise<void> {
  const owned: [string, string, number][] = [
    ['schema registry', paths.registryPid, 10_000],
    ['Kafka', paths.kafkaPid, 30_000],
  ];
  for (const [name, pidFile, graceMs] of owned) {
    const pid = ownedPid(pidFile);
    if (pid === undefined) {
      say(`${name}: not started by this stack, nothing to stop`);
      continue;
    }
    const how = await stopPid(pid, graceMs);
    fs.rmSync(pidFile, { force: true });
    say(`${name}: ${how} (pid ${pid})`);
  }
  if (options.purge) {
    fs.rmSync(paths.state, { recursive: true, force: true });
    say(`removed ${paths.state} (Kafka data and logs)`);
  }
}

export async function stackStatus(
  env: StackEnv,
  paths: StackPaths = stackPaths(),
): Promise<ComponentStatus[]> {
  const owner = (pidFile: string): string => {
    const pid = ownedPid(pidFile);
    return pid === undefined ? 'external' : `stack (pid ${pid})`;
  };
  const [kafka, registry, postgres, redis] = await Promise.all([
    kafkaReady(env.brokers, env.kafkaSecurity),
    registryReady(env.registryUrl),
    ensurePostgres(env.databaseUrl),
    checkRedis(env.redisUrl),
  ]);
  return [
    {
      component: 'kafka',
      up: kafka,
      address: env.brokers.join(','),
      owner: kafka ? owner(paths.kafkaPid) : '-',
      detail: kafka ? 'broker and group coordinator answer' : 'not reachable',
    },
    {
      component: 'schema-registry',
      up: registry,
      address: env.registryUrl,
      owner: registry ? owner(paths.registryPid) : '-',
      detail: registry ? 'answers GET /subjects' : 'not reachable',
    },
    {
      component: 'postgres',
      up: postgres.ok,
      address: new URL(env.databaseUrl).host,
      owner: 'external',
      detail: postgres.detail,
    },
    {
      component: 'redis',
      up: redis.ok,
      address: new URL(env.redisUrl).host,
      owner: 'external',
      detail: redis.detail,
    },
  ];
}
