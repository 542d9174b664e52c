import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createKafka, createLogger, type KafkaSecurityConfig } from '@orderflow/runtime';
import type { StackPaths } from './paths';
import { commandVersion, ownedPid, spawnDetached, tail, waitUntil } from './processes';

export class StackError extends Error {}

/** A plaintext cluster without SASL: the local stack. */
export const NO_SECURITY: KafkaSecurityConfig = { KAFKA_SSL: false, KAFKA_SSL_REJECT_UNAUTHORIZED: true };

const silent = createLogger({ service: 'stack', level: 'silent' });

/** Resolves Kafka's jars from Maven Central into infra/stack/kafka/lib on first use. */
export function ensureKafkaJars(paths: StackPaths, say: (line: string) => void): void {
  const marker = path.join(paths.kafkaLib, '.complete');
  if (fs.existsSync(marker)) return;
  if (!commandVersion('java', ['-version'])) {
    throw new StackError(
      'Java 17+ is required to run Kafka: install it (apt-get install openjdk-17-jre-headless) and retry',
    );
  }
  if (!commandVersion('mvn', ['-v'])) {
    throw new StackError(
      'Maven is required to fetch Kafka from Maven Central: install it (apt-get install maven) and retry',
    );
  }
  say('fetching Apache Kafka jars from Maven Central (first run only) ...');
  fs.rmSync(paths.kafkaLib, { recursive: true, force: true });
  const result = spawnSync('mvn', ['-q', '-B', '-f', path.join(paths.kafkaHome, 'pom.xml'), 'package'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0) {
    throw new StackError(
      `mvn could not resolve Kafka's jars:\n${(result.stdout + result.stderr).slice(-3000)}`,
    );
  }
  fs.rmSync(path.join(paths.kafkaHome, 'target'), { recursive: true, force: true });
  fs.writeFileSync(marker, new Date().toISOString());
}

function classpath(paths: StackPaths): string {
  return path.join(paths.kafkaLib, '*');
}

function writeServerConfig(paths: StackPaths): void {
  const template = fs.readFileSync(path.join(paths.kafkaHome, 'server.properties'), 'utf8');
  fs.mkdirSync(path.dirname(paths.kafkaConfig), { recursive: true });
  fs.writeFileSync(paths.kafkaConfig, `${template}\nlog.dirs=${paths.kafkaData}\n`);
}

/** Formats KRaft storage once; an existing data folder is kept (and with it every topic). */
export function ensureFormatted(paths: StackPaths, say: (line: string) => void): void {
  writeServerConfig(paths);
  if (fs.existsSync(path.join(paths.kafkaData, 'meta.properties'))) return;
  say('formatting Kafka storage (KRaft, standalone controller) ...');
  formatKafkaStorage(paths);
}

/**
 * A Kafka cluster id: a random v4 UUID's bytes in URL-safe base64 without padding. One in 64 starts with
 * '-', which the storage tool would read as an option ("--cluster-id: expected one argument"); like
 * Kafka's own Uuid.randomUuid(), draw again.
 */
export function newClusterId(random: () => string = randomUUID): string {
  for (;;) {
    const id = Buffer.from(random().replace(/-/g, ''), 'hex').toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * Formats `paths.kafkaData` for the config at `paths.kafkaConfig` as a new single-node cluster.
 * `extraArgs` go to the storage tool as they are, e.g. `--add-scram 'SCRAM-SHA-512=[name=..,password=..]'`
 * to bootstrap SASL/SCRAM users into the metadata log.
 */
export function formatKafkaStorage(paths: StackPaths, extraArgs: string[] = []): void {
  fs.mkdirSync(paths.kafkaData, { recursive: true });
  const clusterId = newClusterId();
  const result = spawnSync(
    'java',
    [
      '-cp',
      classpath(paths),
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      paths.kafkaConfig,
      '--standalone',
      ...extraArgs,
    ],
    { encoding: 'utf8' },
  );
  if (result.status !== 0)
    throw new StackError(`formatting Kafka storage failed:\n${result.stdout}${result.stderr}`);
}

/** Starts a broker for `paths.kafkaConfig` in the background; `heap` defaults to KAFKA_HEAP_OPTS. */
export function startKafkaProcess(paths: StackPaths, options: { heap?: string } = {}): number {
  const heap = options.heap || process.env.KAFKA_HEAP_OPTS || '-Xms256m -Xmx1g';
  return spawnDetached(
    'java',
    [
      ...heap.split(/\s+/).filter(Boolean),
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${path.join(paths.kafkaHome, 'log4j2.properties')}`,
      '-cp',
      classpath(paths),
      'kafka.Kafka',
      paths.kafkaConfig,
    ],
    { logFile: paths.kafkaLog, pidFile: paths.kafkaPid },
  );
}

/**
 * Ready means more than an open port: the broker answers metadata and the group coordinator has loaded
 * __consumer_offsets, so the first consumer of a test doesn't meet "coordinator is loading".
 */
export async function kafkaReady(
  brokers: string[],
  security: KafkaSecurityConfig = NO_SECURITY,
): Promise<boolean> {
  const kafka = createKafka({ ...security, KAFKA_BROKERS: brokers }, 'orderflow-stack', silent, {
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    await admin.describeGroups(['orderflow-stack-probe']);
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function waitForKafka(
  paths: StackPaths,
  brokers: string[],
  timeoutMs: number,
  startedByUs: boolean,
  security: KafkaSecurityConfig = NO_SECURITY,
): Promise<void> {
  await waitUntil('Kafka', () => kafkaReady(brokers, security), {
    timeoutMs,
    intervalMs: 300,
    failFast: () =>
      startedByUs && ownedPid(paths.kafkaPid) === undefined
        ? `the broker exited; last lines of ${paths.kafkaLog}:\n${tail(paths.kafkaLog, 20)}`
        : undefined,
  });
}
