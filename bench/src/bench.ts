// `npm run bench`: generates data, measures the importer alone, the full system in an isolated namespace
// (full speed and a fixed rate), and the null pipeline on the same file; writes JSON and markdown.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { allTopicSpecs, EventSerde } from '@orderflow/contracts';
import { createPool, createPrefixedTopics } from '@orderflow/runtime';
import {
  cleanupIsolated,
  currentHour,
  generate,
  isolate,
  todayUtc,
  type GenerateResult,
  type Isolation,
} from '@orderflow/demo';
import {
  ownedPid,
  serviceProcesses,
  servicesUp,
  stackEnv,
  stackPaths,
  stackUp,
  stopPid,
  type StackPaths,
} from '@orderflow/stack';
import { keyTimestamps, groupLag, messageCount, prefixLag } from './kafka';
import { runNullPipeline } from './null-pipeline';
import type { BenchOptions } from './options';
import { killGroup, procUsage, runMeasured, type ProcUsage } from './proc';
import {
  fileStamp,
  markdownReport,
  type BenchResult,
  type ImporterMeasurement,
  type RunMeasurement,
  type ServiceUsage,
} from './report';
import { latencies, perSecond, summarize } from './stats';
import type { ChildProcess } from 'node:child_process';

/** Rows per order of the generator (1-5 lines, mostly 1): about 2.03. */
const ROWS_PER_ORDER = 2.03;
const POLL_MS = 100;
/** A run fails when no order finishes for this long (Kafka gone, a service stuck). */
const STALL_MS = 120_000;

class Stalled extends Error {}

export class Aborted extends Error {
  constructor() {
    super('interrupted');
  }
}

export interface ImporterExit {
  rows: number;
  produced: number;
  rowsPerSecond: number;
}

/** The numbers of the importer's summary on stdout. */
export function parseImporterSummary(stdout: string): ImporterExit | undefined {
  const grab = (label: string): number | undefined => {
    const match = new RegExp(`^\\s*${label}\\s+(\\d+)`, 'm').exec(stdout);
    return match ? Number(match[1]) : undefined;
  };
  const rows = grab('rows read');
  const produced = grab('(?:orders|stock levels) produced');
  const rowsPerSecond = grab('rows/s');
  if (rows === undefined || produced === undefined || rowsPerSecond === undefined) return undefined;
  return { rows, produced, rowsPerSecond };
}

export class Benchmark {
  private readonly root: string;
  private readonly infraPaths: StackPaths;
  private readonly env = stackEnv();
  private readonly kafka: Kafka;
  private readonly id = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  private readonly tmp: string;
  private child: ChildProcess | undefined;
  private isolation: Isolation | undefined;
  private startedKafka: number | undefined;
  private startedRegistry: number | undefined;
  private readonly importerPrefixes: string[] = [];
  readonly result: BenchResult;

  constructor(
    private readonly options: BenchOptions,
    private readonly say: (line: string) => void,
    private readonly signal: AbortSignal,
    root: string,
  ) {
    this.root = root;
    this.infraPaths = stackPaths(root);
    this.kafka = new Kafka({
      clientId: 'orderflow-bench',
      brokers: this.env.brokers,
      logLevel: logLevel.NOTHING,
    });
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-bench-'));
    const cpus = os.cpus();
    const load = os.loadavg();
    this.result = {
      schemaVersion: 1,
      startedAt: new Date().toISOString(),
      finishedAt: '',
      options: {
        orders: options.orders,
        seed: options.seed,
        rate: options.rate,
        ...(options.importerRows ? { importerRows: options.importerRows } : {}),
        skipNull: options.skipNull,
      },
      machine: {
        cores: cpus.length,
        cpuModel: cpus[0]?.model.trim() ?? 'unknown',
        totalMemoryMb: Math.round(os.totalmem() / 1024 / 1024),
        nodeVersion: process.version,
        platform: `${os.platform()} ${os.release()}`,
        loadAverageAtStart: [load[0] ?? 0, load[1] ?? 0, load[2] ?? 0],
      },
      settings: {
        PAYMENT_DELAY_MS: process.env.PAYMENT_DELAY_MS ?? '200 (default)',
        KAFKA_BROKERS: this.env.brokers.join(','),
      },
      services: [],
      errors: [],
    };
  }

  private check(): void {
    if (this.signal.aborted) throw new Aborted();
  }

  private async pause(ms: number): Promise<void> {
    this.check();
    await new Promise((resolve) => setTimeout(resolve, ms));
    this.check();
  }

  /** Runs every step; a failed step is recorded in `errors` and the ones that do not need it go on. */
  async run(): Promise<BenchResult> {
    const data = await this.generateData();
    await this.startStack();
    await this.checkPostgres();
    try {
      this.result.importer = await this.importerAlone(data.main, 'importer');
    } catch (error) {
      this.fail('importer', error);
    }
    if (data.big) {
      try {
        this.result.importer1M = await this.importerAlone(data.big, 'importer (large file)');
      } catch (error) {
        this.fail('importer (large file)', error);
      }
    }
    if (!this.options.skipSystem) {
      try {
        await this.system(data.main, data.rate);
      } catch (error) {
        this.fail('full system', error);
      } finally {
        await this.stopSystem();
      }
    }
    if (!this.options.skipNull) {
      try {
        this.check();
        this.say(`\n▶ null pipeline on the same ${data.main.orders} orders`);
        const result = await runNullPipeline({
          ordersCsv: data.main.ordersFile,
          repoRoot: this.root,
          prefix: `bench_null_${this.id}.`,
          say: (line) => this.say(`  ${line}`),
          timeoutMs: this.options.timeoutMs,
          signal: this.signal,
        });
        this.result.nullPipeline = {
          orders: result.orders,
          endToEndMs: result.endToEndMs,
          ordersPerSecond: result.ordersPerSecond,
        };
        this.say(`  ${result.ordersPerSecond} orders/s`);
        if (this.result.fullSpeed && result.ordersPerSecond > 0)
          this.result.ratioToNull =
            Math.round((this.result.fullSpeed.ordersPerSecond / result.ordersPerSecond) * 100) / 100;
      } catch (error) {
        this.fail('null pipeline', error);
      }
    }
    this.result.finishedAt = new Date().toISOString();
    return this.result;
  }

  private fail(step: string, error: unknown): void {
    if (error instanceof Aborted || this.signal.aborted) throw new Aborted();
    const message = `${step}: ${error instanceof Error ? error.message : String(error)}`;
    this.result.errors.push(message);
    this.say(`  ✗ ${message}`);
  }

  /** Writes <out>/<timestamp>.json and <out>/latest.md; returns the markdown. */
  write(): { json: string; markdown: string; text: string } {
    fs.mkdirSync(this.options.outDir, { recursive: true });
    const json = path.join(this.options.outDir, `${fileStamp(this.result.startedAt)}.json`);
    fs.writeFileSync(json, `${JSON.stringify(this.result, null, 2)}\n`);
    const text = markdownReport(this.result);
    const markdown = path.join(this.options.outDir, 'latest.md');
    fs.writeFileSync(markdown, text);
    return { json, markdown, text };
  }

  private async generateData(): Promise<{
    main: GenerateResult;
    rate?: GenerateResult;
    big?: GenerateResult;
  }> {
    const common = {
      badRows: { kind: 'count' as const, count: 0 },
      until: todayUtc(),
      days: 14,
      prefix: 'BENCH',
      notAfter: currentHour(),
    };
    this.say(`▶ generating ${this.options.orders} orders (seed "${this.options.seed}") in ${this.tmp}`);
    const main = await generate({
      ...common,
      orders: this.options.orders,
      seed: this.options.seed,
      outDir: path.join(this.tmp, 'main'),
    });
    this.say(
      `  ${main.rows} rows, ${main.scarceSkus.length} scarce SKUs, ${main.unknownSkuOrders} unknown-SKU orders`,
    );
    let rate: GenerateResult | undefined;
    if (this.options.rate > 0 && !this.options.skipSystem) {
      this.check();
      const orders = this.options.rate * this.options.rateSeconds;
      this.say(`▶ generating ${orders} orders for the fixed-rate run`);
      rate = await generate({
        ...common,
        orders,
        seed: `${this.options.seed}-rate`,
        outDir: path.join(this.tmp, 'rate'),
      });
    }
    let big: GenerateResult | undefined;
    if (this.options.importerRows) {
      this.check();
      const orders = Math.ceil(this.options.importerRows / ROWS_PER_ORDER);
      this.say(`▶ generating ${orders} orders (about ${this.options.importerRows} rows) for the importer`);
      big = await generate({
        ...common,
        orders,
        seed: `${this.options.seed}-big`,
        outDir: path.join(this.tmp, 'big'),
      });
      this.say(`  ${big.rows} rows, ${(big.bytes / 1024 / 1024).toFixed(0)} MB`);
    }
    return { main, ...(rate ? { rate } : {}), ...(big ? { big } : {}) };
  }

  private importerCli(): string {
    return path.join(this.root, 'services', 'importer', 'dist', 'cli.js');
  }

  private async importer(
    args: string[],
    env: NodeJS.ProcessEnv,
  ): Promise<{ exit: ImporterExit; wallMs: number; peakRssMb: number; cpuSeconds: number }> {
    this.check();
    const run = await runMeasured(
      [this.importerCli(), ...args, '--no-progress'],
      { env: { ...process.env, LOG_LEVEL: 'error', ...env }, cwd: this.root },
      (child) => (this.child = child),
    );
    this.check();
    const exit = parseImporterSummary(run.stdout);
    if ((run.code !== 0 && run.code !== 2) || !exit)
      throw new Error(`importer ${args.join(' ')} failed (exit ${run.code}): ${run.stdout.slice(-300)}`);
    return { exit, wallMs: run.wallMs, peakRssMb: run.peakRssMb, cpuSeconds: run.cpuSeconds };
  }

  /** The importer alone on `data`, into a private orders.placed topic deleted afterwards. */
  private async importerAlone(data: GenerateResult, label: string): Promise<ImporterMeasurement> {
    const prefix = `bench_imp_${this.id}_${this.importerPrefixes.length}.`;
    this.say(`\n▶ ${label} alone: ${data.rows} rows of ${data.orders} orders into ${prefix}orders.placed`);
    this.importerPrefixes.push(prefix);
    await createPrefixedTopics(
      this.kafka,
      prefix,
      allTopicSpecs().filter((spec) => spec.topic === 'orders.placed'),
    );
    try {
      const run = await this.importer(['orders', data.ordersFile], { TOPIC_PREFIX: prefix });
      const measured: ImporterMeasurement = {
        file: path.basename(data.ordersFile),
        rows: run.exit.rows,
        orders: run.exit.produced,
        rowsPerSecond: run.exit.rowsPerSecond,
        wallRowsPerSecond: perSecond(run.exit.rows, run.wallMs),
        wallMs: run.wallMs,
        peakRssMb: run.peakRssMb,
        cpuSeconds: Math.round(run.cpuSeconds * 100) / 100,
      };
      this.say(
        `  ${measured.rowsPerSecond} rows/s (${measured.wallRowsPerSecond} with start-up), peak RSS ${measured.peakRssMb} MB, CPU ${measured.cpuSeconds} s`,
      );
      return measured;
    } finally {
      await this.deleteTopics(prefix);
    }
  }

  private async withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await fn(admin);
    } finally {
      await admin.disconnect();
    }
  }

  private async deleteTopics(prefix: string): Promise<void> {
    await this.withAdmin(async (admin) => {
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      if (topics.length > 0) await admin.deleteTopics({ topics });
    }).catch(() => undefined);
    const index = this.importerPrefixes.indexOf(prefix);
    if (index >= 0) this.importerPrefixes.splice(index, 1);
  }

  // ---- the full system -------------------------------------------------------------------------

  private servicePaths(): StackPaths {
    return { ...this.infraPaths, state: this.isolation?.stateDir ?? this.infraPaths.state };
  }

  /**
   * Records PostgreSQL's autovacuum setting: without it the services' queue-like tables (outbox, pending
   * notifications and payments) keep every dead row and are never analyzed, and plans and scans degrade as
   * a run goes on. Production runs with it on (PostgreSQL's default).
   */
  private async checkPostgres(): Promise<void> {
    const pool = createPool({
      connectionString: this.env.databaseUrl,
      applicationName: 'orderflow-bench',
      max: 1,
    });
    try {
      const { rows } = await pool.query<{ autovacuum: string }>('SHOW autovacuum');
      const autovacuum = rows[0]?.autovacuum ?? 'unknown';
      this.result.settings.POSTGRES_AUTOVACUUM = autovacuum;
      if (autovacuum !== 'on')
        this.say(
          `  warning: PostgreSQL runs with autovacuum = ${autovacuum}; dead rows pile up and tables are never\n` +
            '  analyzed, so this run measures a database that production would not have. To turn it on:\n' +
            `  psql "${this.env.databaseUrl}" -c 'ALTER SYSTEM SET autovacuum = on' -c 'SELECT pg_reload_conf()'`,
        );
    } finally {
      await pool.end();
    }
  }

  /** Kafka and the registry for every step (the importer alone included); stopped at the end if started here. */
  private async startStack(): Promise<void> {
    this.say('\n▶ local stack');
    const kafkaBefore = ownedPid(this.infraPaths.kafkaPid);
    const registryBefore = ownedPid(this.infraPaths.registryPid);
    try {
      await stackUp(this.env, (line) => this.say(`  ${line}`), this.infraPaths);
    } finally {
      const kafka = ownedPid(this.infraPaths.kafkaPid);
      const registry = ownedPid(this.infraPaths.registryPid);
      if (kafkaBefore === undefined && kafka !== undefined) this.startedKafka = kafka;
      if (registryBefore === undefined && registry !== undefined) this.startedRegistry = registry;
    }
    this.check();
  }

  private async system(main: GenerateResult, rate: GenerateResult | undefined): Promise<void> {
    const name = `bench_${this.id}`;
    this.say(`\n▶ full system, isolated as ${name} (topics ${name}.*, schemas ${name}_<service>)`);
    // isolate() sets <SERVICE>_PORT in our environment (free ports), read by serviceProcesses().
    this.isolation = await isolate(name);
    const isolation = this.isolation;
    this.check();
    await createPrefixedTopics(this.kafka, isolation.topicPrefix, allTopicSpecs());
    await new EventSerde({ registryUrl: this.env.registryUrl }).registerAll();
    this.check();
    await servicesUp(this.servicePaths(), (line) => this.say(`  ${line}`), {
      env: { ...isolation.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
      envFor: isolation.envFor,
      timeoutMs: 120_000,
    });
    const pids = this.servicePids();
    this.say(`  services up: ${pids.map((p) => `${p.service} ${p.pid}`).join(', ')}`);
    const env = { ...isolation.env };
    const prefix = isolation.topicPrefix;

    await this.importStock(main, env);
    const before = this.usage(pids);
    this.say(`\n▶ full speed: ${main.orders} orders`);
    this.result.fullSpeed = await this.measuredRun(main, env, prefix, undefined);
    this.report(this.result.fullSpeed);
    const afterFull = this.usage(pids);
    let afterRate = afterFull;
    if (rate) {
      // From rest: what the full-speed run left in flight (outboxes, refunds, notifier, analytics) must
      // not be measured as the fixed-rate run's latency.
      const restStarted = Date.now();
      let lag = -1;
      await this.waitFor('every consumer group to catch up', this.options.timeoutMs, async (admin) => {
        lag = await prefixLag(admin, prefix);
        return lag === 0;
      }).catch((error: unknown) => {
        throw new Error(`${(error as Error).message} (lag ${lag})`);
      });
      this.say(`  every consumer group caught up ${((Date.now() - restStarted) / 1000).toFixed(1)} s later`);
      await this.importStock(rate, env);
      const beforeRate = this.usage(pids);
      this.say(`\n▶ fixed rate: ${rate.orders} orders at ${this.options.rate} orders/s`);
      this.result.fixedRate = await this.measuredRun(rate, env, prefix, this.options.rate);
      this.report(this.result.fixedRate);
      afterRate = this.usage(pids);
      this.result.services = this.serviceUsage(pids, before, afterFull, beforeRate, afterRate);
    } else {
      this.result.services = this.serviceUsage(pids, before, afterFull, afterFull, afterFull);
    }
    for (const s of this.result.services)
      this.say(
        `  ${s.service.padEnd(10)} CPU ${s.cpuSecondsFullSpeed.toFixed(1)} s full speed, ${s.cpuSecondsFixedRate.toFixed(1)} s fixed rate; peak RSS ${s.peakRssMb} MB`,
      );
  }

  private servicePids(): { service: string; pid: number }[] {
    return serviceProcesses(this.servicePaths()).flatMap((s) => {
      const pid = ownedPid(s.pidFile);
      return pid === undefined ? [] : [{ service: s.name, pid }];
    });
  }

  private usage(pids: { service: string; pid: number }[]): Map<string, ProcUsage | undefined> {
    return new Map(pids.map((p) => [p.service, procUsage(p.pid)]));
  }

  private serviceUsage(
    pids: { service: string; pid: number }[],
    before: Map<string, ProcUsage | undefined>,
    afterFull: Map<string, ProcUsage | undefined>,
    beforeRate: Map<string, ProcUsage | undefined>,
    afterRate: Map<string, ProcUsage | undefined>,
  ): ServiceUsage[] {
    const delta = (a?: ProcUsage, b?: ProcUsage): number =>
      a && b ? Math.round((b.cpuSeconds - a.cpuSeconds) * 100) / 100 : Number.NaN;
    return pids.map(({ service, pid }) => ({
      service,
      pid,
      cpuSecondsFullSpeed: delta(before.get(service), afterFull.get(service)),
      cpuSecondsFixedRate: delta(beforeRate.get(service), afterRate.get(service)),
      peakRssMb: (procUsage(pid) ?? afterRate.get(service))?.peakRssMb ?? Number.NaN,
    }));
  }

  private report(run: RunMeasurement): void {
    const l = run.latencyMs;
    this.say(
      `  ${run.orders} orders in ${(run.endToEndMs / 1000).toFixed(1)} s: ${run.ordersPerSecond} orders/s; ` +
        `placed → finished p50 ${l.p50} / p95 ${l.p95} / p99 ${l.p99} / max ${l.max} ms` +
        (run.unfinished > 0 ? `; ${run.unfinished} unfinished` : ''),
    );
  }

  private async importStock(data: GenerateResult, env: NodeJS.ProcessEnv): Promise<void> {
    this.say(`  importing ${path.basename(data.stockFile)} of the ${data.orders}-order data set`);
    const run = await this.importer(['stock', data.stockFile, '--currency', 'EUR'], env);
    const prefix = env.TOPIC_PREFIX ?? '';
    await this.waitFor('inventory to apply the stock levels', 120_000, async (admin) => {
      return (await groupLag(admin, `${prefix}inventory`, `${prefix}inventory.stock-levels`)) === 0;
    });
    this.say(`  inventory has ${run.exit.produced} stock levels`);
  }

  private async waitFor(
    what: string,
    timeoutMs: number,
    done: (admin: Admin) => Promise<boolean>,
  ): Promise<void> {
    await this.withAdmin(async (admin) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const ok = await done(admin).catch((error: unknown) => {
          if (error instanceof Stalled) throw error;
          return false;
        });
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`${what}: not done within ${timeoutMs / 1000} s`);
        await this.pause(POLL_MS);
      }
    });
  }

  /**
   * Imports `data`, waits until orders.finished holds every order so far and analytics has committed all
   * of it, then reads both topics' timestamps for the latencies of this run's orders.
   */
  private async measuredRun(
    data: GenerateResult,
    env: NodeJS.ProcessEnv,
    prefix: string,
    rate: number | undefined,
  ): Promise<RunMeasurement> {
    const finishedTopic = `${prefix}orders.finished`;
    const finishedBefore = await this.withAdmin((admin) => messageCount(admin, finishedTopic));
    const startedAt = Date.now();
    const args = ['orders', data.ordersFile, ...(rate ? ['--rate', String(rate)] : [])];
    const run = await this.importer(args, env);
    const importMs = Date.now() - startedAt;
    const orders = run.exit.produced;
    this.say(`  imported ${orders} orders in ${(importMs / 1000).toFixed(1)} s; waiting for them to finish`);
    let finished = 0;
    let lag = -1;
    let progressAt = Date.now();
    try {
      await this.waitFor('orders to finish and be counted', this.options.timeoutMs, async (admin) => {
        const now = (await messageCount(admin, finishedTopic)) - finishedBefore;
        if (now !== finished) progressAt = Date.now();
        finished = now;
        if (Date.now() - progressAt > STALL_MS)
          throw new Stalled(`no order finished for ${STALL_MS / 1000} s (see the services' logs)`);
        if (finished < orders) return false;
        lag = await groupLag(admin, `${prefix}analytics`, finishedTopic);
        return lag === 0;
      });
    } catch (error) {
      throw new Error(`${(error as Error).message} (${finished}/${orders} finished, analytics lag ${lag})`);
    }
    const endToEndMs = Date.now() - startedAt;
    this.check();
    const [placed, done] = await Promise.all([
      keyTimestamps(this.kafka, `${prefix}orders.placed`),
      keyTimestamps(this.kafka, finishedTopic),
    ]);
    const { values, unfinished } = latencies(placed, done, startedAt);
    return {
      orders,
      endToEndMs,
      ordersPerSecond: perSecond(orders, endToEndMs),
      importMs,
      importOrdersPerSecond: perSecond(orders, importMs),
      latencyMs: summarize(values),
      unfinished,
      ...(rate ? { rate } : {}),
    };
  }

  /** Stops what the benchmark started and removes its data; safe to call more than once. */
  async stopSystem(): Promise<void> {
    if (this.isolation) {
      const name = this.isolation.name;
      this.isolation = undefined;
      this.say(`\n▶ stopping ${name} and removing its topics, schemas and keys`);
      await cleanupIsolated(name, (line) => this.say(`  ${line}`)).catch((error: unknown) =>
        this.say(`  cleanup of ${name} failed: ${(error as Error).message}`),
      );
      // The demo's clean-up leaves the services' consumer groups; they are ours too.
      await this.withAdmin(async (admin) => {
        const groups = (await admin.listGroups()).groups
          .map((g) => g.groupId)
          .filter((g) => g.startsWith(`${name}.`));
        if (groups.length > 0) await admin.deleteGroups(groups);
        this.say(`  deleted ${groups.length} consumer groups ${name}.*`);
      }).catch((error: unknown) =>
        this.say(`  deleting the groups of ${name} failed: ${(error as Error).message}`),
      );
    }
  }

  private async stopStack(): Promise<void> {
    for (const [what, pid, file] of [
      ['schema registry', this.startedRegistry, this.infraPaths.registryPid],
      ['Kafka', this.startedKafka, this.infraPaths.kafkaPid],
    ] as const) {
      if (pid === undefined || ownedPid(file) !== pid) continue;
      this.say(`  ${what}: ${await stopPid(pid, 30_000)} (pid ${pid})`);
      fs.rmSync(file, { force: true });
    }
    this.startedKafka = undefined;
    this.startedRegistry = undefined;
  }

  /** Everything: the importer in flight, the isolated system, private topics, the temp folder. */
  async cleanup(): Promise<void> {
    if (this.child) killGroup(this.child);
    await this.stopSystem();
    for (const prefix of [...this.importerPrefixes]) await this.deleteTopics(prefix);
    await this.stopStack();
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}
