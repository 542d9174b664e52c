import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { allTopicSpecs } from '@orderflow/contracts';
import { SERVICE_PORTS, stackEnv, type ServiceName } from '@orderflow/stack';

/**
 * `--isolate NAME`: a private run beside anything else on the stack — topics `NAME.<topic>`, Postgres
 * schemas `NAME_<service>`, consumer groups from the topic prefix, analytics keys under `NAME:`, pid and
 * log files in a temporary folder, and free ports unless `<SERVICE>_PORT` / `GATEWAY_PORT` say otherwise.
 */
export interface Isolation {
  name: string;
  topicPrefix: string;
  stateDir: string;
  env: NodeJS.ProcessEnv;
  envFor: (service: ServiceName) => NodeJS.ProcessEnv;
}

export const SERVICE_NAMES = Object.keys(SERVICE_PORTS) as ServiceName[];

export function checkIsolationName(name: string): string {
  // A Postgres identifier part, a topic-name part and a Redis key prefix all at once.
  if (!/^[a-z][a-z0-9_]{0,39}$/.test(name)) {
    throw new Error(`--isolate must be a lowercase letter then up to 39 of a-z, 0-9, _; got "${name}"`);
  }
  return name;
}

export function isolationStateDir(name: string): string {
  return path.join(os.tmpdir(), `orderflow-demo-${name}`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Sets `<SERVICE>_PORT` (read by the stack's service list) and `GATEWAY_PORT` where unset: the ports
 * of the run's earlier start when its services may still be running, else free ones.
 */
export async function isolate(name: string, env: NodeJS.ProcessEnv = process.env): Promise<Isolation> {
  checkIsolationName(name);
  const stateDir = isolationStateDir(name);
  const portsFile = path.join(stateDir, 'ports.json');
  let remembered: Record<string, string> = {};
  try {
    remembered = JSON.parse(fs.readFileSync(portsFile, 'utf8')) as Record<string, string>;
  } catch {
    // first start of this run
  }
  const keys = [...SERVICE_NAMES.map((service) => `${service.toUpperCase()}_PORT`), 'GATEWAY_PORT'];
  const ports: Record<string, string> = {};
  for (const key of keys) {
    if (!env[key]) env[key] = remembered[key] ?? String(await freePort());
    ports[key] = env[key] as string;
  }
  fs.mkdirSync(stateDir, { recursive: true });
  fs.writeFileSync(portsFile, `${JSON.stringify(ports, null, 2)}\n`);
  const topicPrefix = `${name}.`;
  return {
    name,
    topicPrefix,
    stateDir,
    env: {
      TOPIC_PREFIX: topicPrefix,
      ANALYTICS_KEY_PREFIX: name,
      GATEWAY_PORT: ports.GATEWAY_PORT,
      GATEWAY_URL: `http://127.0.0.1:${ports.GATEWAY_PORT}`,
    },
    envFor: (service) => ({ DB_SCHEMA: `${name}_${service}` }),
  };
}

/**
 * Removes what an isolated run left behind: its topics, Postgres schemas, analytics keys and state
 * folder. The services must be stopped first.
 */
export async function removeIsolated(name: string, say: (line: string) => void): Promise<void> {
  checkIsolationName(name);
  const env = stackEnv();
  const kafka = new Kafka({
    clientId: 'orderflow-demo-cleanup',
    brokers: env.brokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const topics = allTopicSpecs()
      .map((spec) => `${name}.${spec.topic}`)
      .filter((topic) => existing.has(topic));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    say(`deleted ${topics.length} topics ${name}.*`);
  } finally {
    await admin.disconnect();
  }
  const client = new Client({ connectionString: env.databaseUrl });
  await client.connect();
  try {
    for (const service of SERVICE_NAMES)
      await client.query(`DROP SCHEMA IF EXISTS "${name}_${service}" CASCADE`);
    say(`dropped the schemas ${name}_<service>`);
  } finally {
    await client.end();
  }
  const redis = new Redis(env.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  try {
    let removed = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${name}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) removed += await redis.unlink(...keys);
    } while (cursor !== '0');
    say(`removed ${removed} Redis keys ${name}:*`);
  } finally {
    redis.disconnect();
  }
  fs.rmSync(isolationStateDir(name), { recursive: true, force: true });
}
