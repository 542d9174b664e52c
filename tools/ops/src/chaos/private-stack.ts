import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { EventSerde } from '@orderflow/contracts';
import {
  ensureKafkaJars,
  formatKafkaStorage,
  startKafkaProcess,
  waitForKafka,
} from '@orderflow/stack/dist/kafka';
import {
  databaseOwners,
  ensureTopics,
  ownerDatabaseUrl,
  provisionDatabaseRoles,
  repoRoot,
  SERVICE_PORTS,
  stackPaths,
  stopPid,
  waitUntil,
  type ServiceName,
  type StackPaths,
} from '@orderflow/stack';
import { registryReady, startRegistryProcess } from '@orderflow/stack/dist/registry';

/** A free TCP port on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const PG_BIN = process.env.CHAOS_PG_BIN || '/usr/lib/postgresql/15/bin';

/** Variables of the shared stack that must not leak into the private one's processes. */
const LEAKY =
  /^(KAFKA_|SCHEMA_REGISTRY_|DATABASE_URL$|REDIS_URL$|TOPIC_PREFIX$|DB_SCHEMA$|CONSUMER_GROUP$|ANALYTICS_KEY_PREFIX$|ORDERFLOW_STACK_DIR$|PORT$|GATEWAY_|PAYMENTS_PUBLIC_URL$|[A-Z]+_(PORT|DB_SCHEMA|DATABASE_URL|CONSUMER_GROUP|DB_PASSWORD)$)/;

export interface ServiceInstance {
  name: ServiceName;
  /** 1 or 2: two instances of every service share one consumer group. */
  instance: number;
  port: number;
  env: NodeJS.ProcessEnv;
  log: string;
  child?: ChildProcess;
  restarts: number;
  /** Set while the chaos run itself kills it (an exit then is expected). */
  killing?: boolean;
}

/**
 * Kafka, schema registry, PostgreSQL and Redis of its own, on free ports and in a temp folder, so faults
 * never reach the shared stack. Every process it starts is stopped by `stop()`.
 */
export class PrivateStack {
  readonly root = repoRoot(__dirname);
  readonly paths: StackPaths;
  readonly ports = { kafka: 0, controller: 0, registry: 0, postgres: 0, redis: 0 };
  kafkaPid: number | undefined;
  registryPid: number | undefined;
  redis: ChildProcess | undefined;
  pgStarted = false;
  readonly services: ServiceInstance[] = [];
  private readonly pgData: string;
  private readonly asPostgres: boolean;

  constructor(
    readonly dir: string,
    private readonly say: (line: string) => void,
  ) {
    const base = stackPaths(this.root);
    this.paths = {
      ...base,
      state: dir,
      kafkaData: path.join(dir, 'kafka', 'data'),
      kafkaConfig: path.join(dir, 'kafka', 'server.properties'),
      kafkaLog: path.join(dir, 'logs', 'kafka.log'),
      kafkaPid: path.join(dir, 'pids', 'kafka.pid'),
      registryLog: path.join(dir, 'logs', 'schema-registry.log'),
      registryPid: path.join(dir, 'pids', 'schema-registry.pid'),
    };
    this.pgData = path.join(dir, 'pg');
    this.asPostgres = process.getuid?.() === 0;
    fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'pids'), { recursive: true });
  }

  get brokers(): string {
    return `127.0.0.1:${this.ports.kafka}`;
  }
  get registryUrl(): string {
    return `http://127.0.0.1:${this.ports.registry}`;
  }
  get adminUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.ports.postgres}/orderflow`;
  }
  get redisUrl(): string {
    return `redis://127.0.0.1:${this.ports.redis}`;
  }

  /** The environment of every private process: the caller's minus anything naming the shared stack. */
  baseEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) if (!LEAKY.test(key)) env[key] = value;
    return {
      ...env,
      KAFKA_BROKERS: this.brokers,
      SCHEMA_REGISTRY_URL: this.registryUrl,
      DATABASE_URL: this.adminUrl,
      REDIS_URL: this.redisUrl,
      LOG_LEVEL: process.env.CHAOS_SERVICE_LOG_LEVEL || 'warn',
    };
  }

  async start(): Promise<void> {
    for (const key of Object.keys(this.ports) as (keyof typeof this.ports)[])
      this.ports[key] = await freePort();
    await this.startPostgres();
    this.startRedis();
    await this.startKafka(true);
    const owners = databaseOwners(Object.keys(SERVICE_PORTS));
    await provisionDatabaseRoles(this.adminUrl, owners, this.baseEnv());
    this.say(`postgres :${this.ports.postgres}: database orderflow, one role per service`);
    const registryOwner = owners.find((o) => o.name === 'schema-registry')!;
    const registryDb = ownerDatabaseUrl(registryOwner, this.adminUrl, this.baseEnv()).url;
    this.registryPid = startRegistryProcess(this.paths, this.registryUrl, registryDb);
    await waitUntil('private schema registry', () => registryReady(this.registryUrl), { timeoutMs: 30_000 });
    this.say(`schema registry ${this.registryUrl} (pid ${this.registryPid})`);
    await ensureTopics([this.brokers]);
    const ids = await new EventSerde({ registryUrl: this.registryUrl }).registerAll();
    this.say(`topics created, ${ids.size} schemas registered`);
  }

  private pg(bin: string, args: string[]): void {
    const command = path.join(PG_BIN, bin);
    const result = this.asPostgres
      ? spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8' })
      : spawnSync(command, args, { encoding: 'utf8' });
    if (result.status !== 0)
      throw new Error(`${bin} ${args.join(' ')} failed: ${result.stdout}${result.stderr}`.slice(0, 2000));
  }

  private async startPostgres(): Promise<void> {
    fs.mkdirSync(this.pgData, { recursive: true });
    if (this.asPostgres) {
      // initdb refuses root; the cluster belongs to the postgres user.
      fs.chmodSync(this.dir, 0o755);
      spawnSync('chown', ['-R', 'postgres:postgres', this.pgData]);
    }
    this.pg('initdb', ['-D', this.pgData, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    this.pgCtl('start');
    this.pgStarted = true;
    this.pg('createdb', [
      '-h',
      '127.0.0.1',
      '-p',
      String(this.ports.postgres),
      '-U',
      'postgres',
      'orderflow',
    ]);
  }

  /** pg_ctl start | restart (fast) | stop, waiting until done. */
  pgCtl(action: 'start' | 'restart' | 'stop', mode: 'fast' | 'immediate' = 'fast'): void {
    const options = `-p ${this.ports.postgres} -k ${this.pgData} -c fsync=off -c max_connections=300`;
    const args = ['-D', this.pgData, '-w', '-t', '60', '-l', path.join(this.pgData, 'server.log')];
    if (action !== 'stop') args.push('-o', options);
    if (action !== 'start') args.push('-m', mode);
    this.pg('pg_ctl', [...args, action]);
  }

  private startRedis(): void {
    const log = fs.openSync(path.join(this.dir, 'logs', 'redis.log'), 'a');
    this.redis = spawn(
      'redis-server',
      ['--port', String(this.ports.redis), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', log, log] },
    );
    fs.closeSync(log);
    this.say(`redis :${this.ports.redis} (pid ${this.redis.pid})`);
  }

  /** Starts the broker (formatting its data folder the first time) and waits until it serves. */
  async startKafka(first = false): Promise<void> {
    if (first) {
      ensureKafkaJars(this.paths, this.say);
      const template = fs.readFileSync(path.join(this.paths.kafkaHome, 'server.properties'), 'utf8');
      const { kafka, controller } = this.ports;
      fs.mkdirSync(path.dirname(this.paths.kafkaConfig), { recursive: true });
      fs.writeFileSync(
        this.paths.kafkaConfig,
        `${template}\n# orderflow chaos run\n` +
          [
            `controller.quorum.bootstrap.servers=127.0.0.1:${controller}`,
            `listeners=PLAINTEXT://127.0.0.1:${kafka},CONTROLLER://127.0.0.1:${controller}`,
            `advertised.listeners=PLAINTEXT://127.0.0.1:${kafka}`,
            `log.dirs=${this.paths.kafkaData}`,
          ].join('\n') +
          '\n',
      );
      formatKafkaStorage(this.paths);
    }
    this.kafkaPid = startKafkaProcess(this.paths, {
      heap: process.env.CHAOS_KAFKA_HEAP || '-Xms256m -Xmx768m',
    });
    await waitForKafka(this.paths, [this.brokers], 120_000, true);
    this.say(`kafka ${this.brokers} (pid ${this.kafkaPid})`);
  }

  /** Stops the broker (SIGTERM, controlled shutdown) and starts it again on the same data. */
  async restartKafka(): Promise<void> {
    if (this.kafkaPid !== undefined) await stopPid(this.kafkaPid, 60_000);
    this.kafkaPid = undefined;
    await this.startKafka();
  }

  /** Everything this stack started, services first; errors are reported, not thrown. */
  /** Set once teardown begins: exits are no longer crashes. */
  stopping = false;

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.services.map(async (s) => {
        if (s.child?.pid !== undefined && s.child.exitCode === null && s.child.signalCode === null)
          await stopPid(s.child.pid, 10_000).catch(() => undefined);
      }),
    );
    if (this.registryPid !== undefined) await stopPid(this.registryPid, 10_000).catch(() => undefined);
    if (this.kafkaPid !== undefined) await stopPid(this.kafkaPid, 30_000).catch(() => undefined);
    if (this.redis?.pid !== undefined && this.redis.exitCode === null)
      await stopPid(this.redis.pid, 5_000).catch(() => undefined);
    if (this.pgStarted) {
      try {
        this.pgCtl('stop', 'immediate');
      } catch (error) {
        this.say(`postgres stop: ${(error as Error).message}`);
      }
    }
  }
}
