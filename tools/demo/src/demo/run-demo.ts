import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { allTopicSpecs, EventSerde } from '@orderflow/contracts';
import { createPrefixedTopics } from '@orderflow/runtime';
import {
  ensureTopics,
  ownedPid,
  portOpen,
  repoRoot,
  serviceProcesses,
  servicesUp,
  stackEnv,
  stackPaths,
  stackUp,
  stopPid,
  SERVICE_PORTS,
  type ServiceName,
  type ServiceProcess,
  type StackPaths,
} from '@orderflow/stack';
import { generate, type GenerateResult } from '../generate/generator';
import { currentHour, todayUtc } from '../generate/options';
import { describeResult } from '../generate/summary';
import { parseBadRows } from '../generate/bad-rows';
import {
  fetchKpis,
  fetchLeaderboard,
  mainCurrency,
  totalsByCurrency,
  waitForAnalytics,
  type DayKpis,
  type LeaderboardEntry,
} from './analytics';
import { orderIdsOf, rejectedKeys, stockLinesOf } from './data-files';
import { DemoAborted, DemoError, mapLimit, pause, requestJson, throwIfAborted } from './http';
import { isolate, removeIsolated, type Isolation } from './isolation';
import type { DemoOptions } from './options';
import { outcomeCounts, waitForOrders, type OrderOutcomes } from './orders';
import { DEV_API_TOKEN, issueRefunds, planRefunds, type RefundOutcome } from './refunds';
import { kpiTable, leaderboardTable, outcomeTable, refundTable } from './report';

export interface DemoIo {
  /** One line of output (stdout). */
  say(line: string): void;
  /** Raw output for a progress line rewritten in place; only used when `isTTY`. */
  write(text: string): void;
  isTTY: boolean;
}

export interface DemoReport {
  ordersFile: string;
  stockFile?: string | undefined;
  outcomes: OrderOutcomes;
  refunds: RefundOutcome[];
  today: string;
  kpisToday: DayKpis[];
  period: { from: string; to: string };
  kpisPeriod: DayKpis[];
  leaderboardCurrency: string;
  leaderboard: LeaderboardEntry[];
  analyticsCaughtUp: boolean;
  urls: Record<ServiceName, string>;
}

const DEMO_PREFIX = 'DEMO';
const DAY_MS = 86_400_000;

/**
 * `npm run demo`: stack, topics, schemas, services, data, import, outcomes, refunds, KPIs. Keeps track
 * of every process it starts so that `stop()` ends exactly those.
 */
/** A path as the user can best read it: relative to the repository when inside it. */
function shown(root: string, file: string): string {
  const relative = path.relative(root, file);
  return relative && !relative.startsWith('..') ? relative : file;
}

export class Demo {
  private readonly root = repoRoot(__dirname);
  private readonly infraPaths: StackPaths = stackPaths(this.root);
  private servicePaths: StackPaths = this.infraPaths;
  private isolation: Isolation | undefined;
  private readonly env = stackEnv();
  private topicPrefix = process.env.TOPIC_PREFIX ?? '';
  private child: ChildProcess | undefined;
  readonly started: { kafka?: number; registry?: number; services: ServiceProcess[] } = { services: [] };

  constructor(
    private readonly options: DemoOptions,
    private readonly io: DemoIo,
    private readonly signal: AbortSignal,
  ) {}

  private step(title: string): void {
    throwIfAborted(this.signal);
    this.io.say(`\n▶ ${title}`);
  }

  private readonly indent = (line: string): void => this.io.say(`  ${line}`);

  get statePaths(): StackPaths {
    return this.servicePaths;
  }

  get isolationName(): string | undefined {
    return this.isolation?.name;
  }

  get startedAnything(): boolean {
    return (
      this.started.kafka !== undefined ||
      this.started.registry !== undefined ||
      this.started.services.length > 0
    );
  }

  async run(): Promise<DemoReport> {
    if (this.options.isolate) {
      this.isolation = await isolate(this.options.isolate);
      this.servicePaths = { ...this.infraPaths, state: this.isolation.stateDir };
      this.topicPrefix = this.isolation.topicPrefix;
    }
    await this.startStack();
    await this.createTopics();
    await this.registerSchemas();
    await this.startServices();
    const urls = this.urls();

    const data = await this.dataSet();
    const rejectsDir = path.join(this.servicePaths.state, 'demo');
    fs.mkdirSync(rejectsDir, { recursive: true });
    if (data.stockFile)
      await this.importStock(data.stockFile, data.stockCurrency, rejectsDir, urls.inventory);

    this.step(`importing ${shown(this.root, data.ordersFile)}`);
    const ordersRejects = path.join(rejectsDir, 'orders-rejects.csv');
    fs.rmSync(ordersRejects, { force: true });
    const importedAt = Date.now();
    const code = await this.importer(['orders', data.ordersFile, '--rejects', ordersRejects]);
    if (code !== 0 && code !== 2)
      throw new DemoError(`the order import failed (exit ${code}); see its output above`);
    if (code === 2) this.indent(`rejected rows are listed in ${shown(this.root, ordersRejects)}`);

    const outcomes = await this.waitForOrders(data.ordersFile, ordersRejects, urls.orders, importedAt);
    this.io.say(`\norders in ${shown(this.root, data.ordersFile)}, by outcome:`);
    for (const line of outcomeTable(outcomeCounts(outcomes))) this.io.say(line);

    let refunds: RefundOutcome[] = [];
    if (this.options.refunds) refunds = await this.refunds(outcomes, urls.refunds);

    const today = todayUtc();
    const days = outcomes.final.map((o) => o.placed_at.slice(0, 10)).sort();
    const lastDay = [days[days.length - 1] ?? today, today].sort()[1] as string;
    const earliest = new Date(Date.parse(`${lastDay}T00:00:00Z`) - 365 * DAY_MS).toISOString().slice(0, 10);
    const from = [days[0] ?? today, earliest].sort()[1] as string;

    this.step('waiting for analytics to count every order and refund');
    const caughtUp = await waitForAnalytics({
      analyticsUrl: urls.analytics,
      brokers: this.env.brokers,
      topicPrefix: this.topicPrefix,
      groupId: `${this.topicPrefix}analytics`,
      final: outcomes.final,
      refunds,
      from,
      to: lastDay,
      today,
      timeoutMs: 60_000,
      signal: this.signal,
    });
    this.indent(
      caughtUp
        ? 'analytics has counted them (consumer lag 0 on orders.finished and refunds.processed)'
        : 'analytics has not caught up within 60 s; the numbers below may still grow',
    );

    const kpisToday = (await fetchKpis(urls.analytics, `date=${today}`)) ?? [];
    const kpisPeriod = totalsByCurrency(
      (await fetchKpis(urls.analytics, `from=${from}&to=${lastDay}`)) ?? [],
      `${from}..${lastDay}`,
    );
    const leaderboardCurrency = mainCurrency(outcomes.final);
    const leaderboard = await fetchLeaderboard(urls.analytics, leaderboardCurrency);

    this.io.say(`\nKPIs today, ${today} (GET /kpis?date=${today}):`);
    for (const line of kpiTable(kpisToday)) this.io.say(line);
    this.io.say(
      `\nKPIs ${from} .. ${lastDay}, the data set's days (GET /kpis?from=${from}&to=${lastDay}, summed):`,
    );
    for (const line of kpiTable(kpisPeriod)) this.io.say(line);
    this.io.say(
      `\ntop 10 customers in ${leaderboardCurrency}, all time (GET /leaderboard?currency=${leaderboardCurrency}&limit=10):`,
    );
    for (const line of leaderboardTable(leaderboard, leaderboardCurrency)) this.io.say(line);
    this.printUrls(urls, leaderboardCurrency);
    return {
      ordersFile: data.ordersFile,
      stockFile: data.stockFile,
      outcomes,
      refunds,
      today,
      kpisToday,
      period: { from, to: lastDay },
      kpisPeriod,
      leaderboardCurrency,
      leaderboard,
      analyticsCaughtUp: caughtUp,
      urls,
    };
  }

  private async startStack(): Promise<void> {
    this.step('starting the local stack (Kafka, schema registry; checking PostgreSQL and Redis)');
    const kafkaBefore = ownedPid(this.infraPaths.kafkaPid);
    const registryBefore = ownedPid(this.infraPaths.registryPid);
    try {
      await stackUp(this.env, this.indent, this.infraPaths);
    } finally {
      const kafka = ownedPid(this.infraPaths.kafkaPid);
      const registry = ownedPid(this.infraPaths.registryPid);
      if (kafkaBefore === undefined && kafka !== undefined) this.started.kafka = kafka;
      if (registryBefore === undefined && registry !== undefined) this.started.registry = registry;
    }
    if (this.started.kafka === undefined && this.started.registry === undefined)
      this.indent(
        `already running: Kafka ${this.env.brokers.join(',')}, schema registry ${this.env.registryUrl}`,
      );
  }

  private async createTopics(): Promise<void> {
    if (this.topicPrefix) {
      this.step(`creating the private topics ${this.topicPrefix}*`);
      const kafka = new Kafka({
        clientId: 'orderflow-demo',
        brokers: this.env.brokers,
        logLevel: logLevel.NOTHING,
      });
      await createPrefixedTopics(kafka, this.topicPrefix, allTopicSpecs());
      this.indent(`${allTopicSpecs().length} topics`);
      return;
    }
    this.step('creating topics');
    const results = await ensureTopics(this.env.brokers, this.env.kafkaSecurity);
    const by = (action: string): number => results.filter((r) => r.action === action).length;
    this.indent(
      `${results.length} topics: ${by('created')} created, ${by('updated')} updated, ${by('unchanged')} unchanged`,
    );
  }

  private async registerSchemas(): Promise<void> {
    this.step('registering schemas');
    const ids = await new EventSerde({ registryUrl: this.env.registryUrl }).registerAll();
    this.indent(`${ids.size} Avro schemas registered (subjects <topic>-value) at ${this.env.registryUrl}`);
  }

  private async startServices(): Promise<void> {
    this.step(
      'starting the services (orders, inventory, payments, refunds, notifier, analytics; each migrates its schema)',
    );
    const services = serviceProcesses(this.servicePaths);
    const before = new Set<string>();
    for (const service of services) {
      if (ownedPid(service.pidFile) !== undefined || (await portOpen('127.0.0.1', service.port)))
        before.add(service.name);
    }
    try {
      await servicesUp(this.servicePaths, this.indent, {
        ...(this.isolation ? { env: this.isolation.env, envFor: this.isolation.envFor } : {}),
        timeoutMs: 120_000,
      });
    } finally {
      this.started.services = services.filter(
        (s) => !before.has(s.name) && ownedPid(s.pidFile) !== undefined,
      );
    }
    if (before.size > 0) this.indent(`already running: ${[...before].join(', ')}`);
  }

  private urls(): Record<ServiceName, string> {
    const ports = new Map(serviceProcesses(this.servicePaths).map((s) => [s.name, s.port]));
    const url = (name: ServiceName): string => `http://127.0.0.1:${ports.get(name) ?? SERVICE_PORTS[name]}`;
    return {
      orders: url('orders'),
      inventory: url('inventory'),
      payments: url('payments'),
      refunds: url('refunds'),
      notifier: url('notifier'),
      analytics: url('analytics'),
    };
  }

  private async dataSet(): Promise<{ ordersFile: string; stockFile?: string; stockCurrency: string }> {
    if (this.options.ordersFile) {
      for (const file of [this.options.ordersFile, this.options.stockFile]) {
        if (file && !fs.existsSync(file)) throw new DemoError(`${file} does not exist`);
      }
      return {
        ordersFile: this.options.ordersFile,
        ...(this.options.stockFile ? { stockFile: this.options.stockFile } : {}),
        stockCurrency: this.options.stockCurrency,
      };
    }
    const today = todayUtc();
    const key = createHash('sha256')
      .update(JSON.stringify([this.options.seed, this.options.count, today, DEMO_PREFIX]))
      .digest('hex')
      .slice(0, 8);
    const dir = path.join(this.servicePaths.state, 'demo', `data-${today}-${key}`);
    const manifest = path.join(dir, 'generated.json');
    this.step(`generating ${this.options.count} orders (seed "${this.options.seed}")`);
    if (fs.existsSync(manifest)) {
      // Generated earlier today with the same seed and count: the same orders again, which every
      // service recognises as duplicates, rather than a second data set placed up to another hour.
      const result = JSON.parse(fs.readFileSync(manifest, 'utf8')) as GenerateResult;
      this.indent(`reusing the data set made earlier today: ${shown(this.root, dir)}`);
      return { ordersFile: result.ordersFile, stockFile: result.stockFile, stockCurrency: 'EUR' };
    }
    const notAfter = currentHour();
    const result = await generate({
      orders: this.options.count,
      seed: this.options.seed,
      badRows: parseBadRows('1%'),
      outDir: dir,
      until: today,
      days: 14,
      prefix: DEMO_PREFIX,
      notAfter,
    });
    fs.writeFileSync(manifest, `${JSON.stringify({ ...result, badRows: result.badRows.length }, null, 2)}\n`);
    for (const line of describeResult(result, notAfter, this.root).slice(0, -2)) this.indent(line);
    return { ordersFile: result.ordersFile, stockFile: result.stockFile, stockCurrency: 'EUR' };
  }

  private async importStock(
    file: string,
    currency: string,
    rejectsDir: string,
    inventoryUrl: string,
  ): Promise<void> {
    this.step(`importing ${shown(this.root, file)} (prices in ${currency})`);
    const rejects = path.join(rejectsDir, 'stock-rejects.csv');
    fs.rmSync(rejects, { force: true });
    const code = await this.importer(['stock', file, '--currency', currency, '--rejects', rejects]);
    if (code !== 0 && code !== 2)
      throw new DemoError(`the stock import failed (exit ${code}); see its output above`);
    // Orders must not be reserved against the previous levels: wait until inventory has applied these.
    const refused = await rejectedKeys(rejects, 'sku');
    const lines = (await stockLinesOf(file)).filter((l) => !refused.has(l.sku));
    const deadline = Date.now() + 60_000;
    let pending = lines;
    while (pending.length > 0) {
      const checks = await mapLimit(pending, 8, async (line) => {
        const { status, body } = await requestJson<{ on_hand: number; reserved: number }>(
          `${inventoryUrl}/stock/${encodeURIComponent(line.sku)}`,
        );
        // A level below what is reserved is kept at the reserved amount (inventory's rule).
        const applied =
          status === 200 &&
          (body.on_hand === line.onHand || (body.reserved > line.onHand && body.on_hand === body.reserved));
        return applied ? undefined : line;
      });
      pending = checks.filter((l) => l !== undefined);
      if (pending.length === 0) break;
      if (Date.now() > deadline)
        throw new DemoError(
          `inventory has not applied the stock levels of ${pending.length} SKUs within 60 s (${pending[0]?.sku}, ...)`,
        );
      await pause(250, this.signal);
    }
    this.indent(`inventory has the stock levels of ${lines.length} SKUs`);
  }

  private importer(args: string[]): Promise<number> {
    throwIfAborted(this.signal);
    const cli = path.join(this.root, 'services', 'importer', 'dist', 'cli.js');
    if (!fs.existsSync(cli)) throw new DemoError(`the importer is not built (${cli}); run npm run build`);
    return new Promise((resolve, reject) => {
      // Inherited output: on a terminal the importer draws its own progress bar.
      const child = spawn(process.execPath, [cli, ...args], {
        cwd: this.root,
        stdio: 'inherit',
        env: { ...process.env, ...(this.isolation?.env ?? {}) },
      });
      this.child = child;
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        this.child = undefined;
        if (this.signal.aborted || code === 130) reject(new DemoAborted());
        else resolve(code ?? (signal ? 128 : 1));
      });
    });
  }

  private async waitForOrders(
    ordersFile: string,
    rejectsFile: string,
    ordersUrl: string,
    importedAt: number,
  ): Promise<OrderOutcomes> {
    const ids = await orderIdsOf(ordersFile);
    const rejected = await rejectedKeys(rejectsFile, 'order_id');
    this.step(`waiting until each of the ${ids.length} orders is final (PAID or FAILED)`);
    let lastShown = 0;
    const outcomes = await waitForOrders({
      ordersUrl,
      ids,
      rejected,
      timeoutMs: this.options.timeoutMs,
      signal: this.signal,
      onProgress: (done, total) => {
        if (this.io.isTTY) {
          this.io.write(`\r  ${done}/${total} orders checked`);
          if (done === total) this.io.write('\n');
        } else if (done === total || done - lastShown >= Math.max(1, Math.ceil(total / 4))) {
          lastShown = done;
          this.indent(`${done}/${total} orders checked`);
        }
      },
    });
    const seconds = (Date.now() - importedAt) / 1000;
    this.indent(
      `${outcomes.final.length} final, ${outcomes.notImported.length} not imported, ${outcomes.unfinished.length} unfinished; ` +
        `${seconds.toFixed(1)} s after the import started`,
    );
    if (outcomes.unfinished.length > 0) {
      this.indent(
        `not final after ${this.options.timeoutMs / 1000} s: ${outcomes.unfinished.slice(0, 5).join(', ')}` +
          `${outcomes.unfinished.length > 5 ? ', ...' : ''} (see ${ordersUrl}/readyz "stuck_orders" and the logs)`,
      );
    }
    return outcomes;
  }

  private async refunds(outcomes: OrderOutcomes, refundsUrl: string): Promise<RefundOutcome[]> {
    const planned = planRefunds(outcomes.final);
    if (planned.length === 0) {
      this.indent('no PAID order to refund');
      return [];
    }
    this.step(
      `refunding ${planned.length} paid orders (POST /refunds, Idempotency-Key demo-refund-<order id>)`,
    );
    const refunds = await issueRefunds({
      refundsUrl,
      token: process.env.API_TOKEN || DEV_API_TOKEN,
      planned,
      timeoutMs: 60_000,
      signal: this.signal,
    });
    for (const line of refundTable(refunds)) this.indent(line);
    return refunds;
  }

  private printUrls(urls: Record<ServiceName, string>, leaderboardCurrency: string): void {
    const logs = shown(this.root, path.join(this.servicePaths.state, 'logs'));
    const gatewayPort = this.isolation?.env.GATEWAY_PORT ?? process.env.GATEWAY_PORT ?? '3013';
    const lines = [
      '',
      'orderflow is running:',
      `  dashboard        ${urls.analytics}/dashboard`,
      `  orders           ${urls.orders}/orders?limit=5        (GET /orders/{id} shows one order's timeline)`,
      `  inventory        ${urls.inventory}/stock?below=5`,
      `  payments         ${urls.payments}/payments/{order_id}   (simulated gateway :${gatewayPort})`,
      `  refunds          ${urls.refunds}/orders/{order_id}/refunds   (npm run refunds -- request ...)`,
      `  notifier         ${urls.notifier}/notifications?limit=5`,
      `  analytics        ${urls.analytics}/kpis?date=${todayUtc()}   ${urls.analytics}/leaderboard?currency=${leaderboardCurrency}`,
      `  Kafka            ${this.env.brokers.join(',')}   (npm run topics -- list | lag | tail <topic>)`,
      `  schema registry  ${this.env.registryUrl}/subjects`,
      `  status           npm run status   (readiness, consumer lag, DLQ depth, stuck orders)`,
      `  logs             ${logs}/`,
    ];
    for (const line of lines) this.io.say(line);
  }

  /**
   * Stops exactly what this demo started: its services (they drain and commit), then the registry and
   * Kafka. An isolated run's topics, schemas and keys go too unless `keepIsolatedData` (after a failure,
   * to look at).
   */
  async stop(options: { keepIsolatedData?: boolean } = {}): Promise<void> {
    this.child?.kill('SIGTERM');
    await Promise.all(
      this.started.services.map(async (service) => {
        const pid = ownedPid(service.pidFile);
        if (pid === undefined) return;
        const how = await stopPid(pid, 20_000);
        fs.rmSync(service.pidFile, { force: true });
        this.io.say(`  ${service.name}: ${how} (pid ${pid})`);
      }),
    );
    this.started.services = [];
    const owned: [string, number | undefined, string, number][] = [
      ['schema registry', this.started.registry, this.infraPaths.registryPid, 10_000],
      ['Kafka', this.started.kafka, this.infraPaths.kafkaPid, 30_000],
    ];
    for (const [name, pid, pidFile, graceMs] of owned) {
      if (pid === undefined || ownedPid(pidFile) !== pid) continue;
      const how = await stopPid(pid, graceMs);
      fs.rmSync(pidFile, { force: true });
      this.io.say(`  ${name}: ${how} (pid ${pid})`);
    }
    delete this.started.kafka;
    delete this.started.registry;
    if (this.isolation && !options.keepIsolatedData) await removeIsolated(this.isolation.name, this.indent);
  }
}

/** `--isolate NAME --cleanup`: stops the services of an isolated run left running, then removes its data. */
export async function cleanupIsolated(name: string, say: (line: string) => void): Promise<void> {
  const isolation = await isolate(name, { ...process.env });
  const paths = { ...stackPaths(repoRoot(__dirname)), state: isolation.stateDir };
  for (const service of serviceProcesses(paths)) {
    const pid = ownedPid(service.pidFile);
    if (pid === undefined) continue;
    say(`  ${service.name}: ${await stopPid(pid, 20_000)} (pid ${pid})`);
    fs.rmSync(service.pidFile, { force: true });
  }
  await removeIsolated(name, (line) => say(`  ${line}`));
}
