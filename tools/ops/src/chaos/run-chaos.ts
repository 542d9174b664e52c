import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { generate, parseBadRows, currentHour, todayUtc } from '@orderflow/demo';
import { databaseOwners, ownerDatabaseUrl, SERVICE_PORTS, type ServiceName } from '@orderflow/stack';
import { loadOpsConfig } from '../config';
import { closeContext, openContext } from '../context';
import { consumerLag } from '../topics/lag';
import { loadVerifyConfig } from '../verify/verify-config';
import { runVerify, type VerifyReport } from '../verify/run-verify';
import { verifyReport } from '../cli/format';
import { freePort, PrivateStack, type ServiceInstance } from './private-stack';

export interface ChaosOptions {
  orders: number;
  seed: string;
  /** Pause between two SIGKILLs of a random service instance. */
  killEveryMs: number;
  /** How long a killed instance stays down before it is restarted. */
  downMs: number;
  /** Faults stop this long after the order import starts (kills); the one-off faults come before. */
  chaosMs: number;
  refunds: number;
  restartKafka: boolean;
  restartPostgres: boolean;
  wipeRedis: boolean;
  /** Bound on the wait for rest after the faults. */
  settleTimeoutMs: number;
  keep: boolean;
  dir?: string;
  say: (line: string) => void;
  signal?: AbortSignal;
}

export type FaultKind =
  | 'kill'
  | 'restart-service'
  | 'restart-kafka'
  | 'restart-postgres'
  | 'wipe-redis'
  | 'crash'
  | 'refund'
  | 'note';

export interface ChaosEvent {
  at: string;
  /** Seconds since the order import started. */
  t: number;
  kind: FaultKind;
  detail: string;
}

export interface ChaosResult {
  ok: boolean;
  dir: string;
  log: ChaosEvent[];
  report?: VerifyReport;
  reportText?: string;
  error?: string;
  atRest: boolean;
}

export const CHAOS_DEFAULTS = {
  seed: 'chaos',
  killEveryMs: 3000,
  downMs: 1000,
  refunds: 20,
  settleTimeoutMs: 300_000,
};

const API_TOKEN = process.env.API_TOKEN || 'orderflow-dev-api-token-change-me';
const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/** Deterministic choices from the seed (xorshift), so a run's fault sequence can be repeated. */
function randomFrom(seed: string): () => number {
  let x = 2166136261;
  for (const c of seed) x = Math.imul(x ^ c.charCodeAt(0), 16777619) >>> 0;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

/**
 * The chaos run: a private stack, two instances of every service, a generated data set imported while
 * service instances are SIGKILLed and restarted, Kafka and Postgres restarted once, Redis wiped once and
 * refunds requested; then the wait for rest and `verify` against the private stack.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-chaos-'));
  const say = options.say;
  const stack = new PrivateStack(dir, (line) => say(`  ${line}`));
  const log: ChaosEvent[] = [];
  let flowStart = Date.now();
  const record = (kind: FaultKind, detail: string): void => {
    const event = {
      at: new Date().toISOString(),
      t: Math.round((Date.now() - flowStart) / 100) / 10,
      kind,
      detail,
    };
    log.push(event);
    say(`  [${event.t.toFixed(1)}s] ${kind} ${detail}`);
  };
  const random = randomFrom(options.seed);
  const result: ChaosResult = { ok: false, dir, log, atRest: false };
  let pool: Pool | undefined;
  try {
    say(`▶ private stack in ${dir}`);
    await stack.start();
    pool = new Pool({ connectionString: stack.adminUrl, max: 3 });
    pool.on('error', () => undefined);

    say(`▶ generating ${options.orders} orders (seed "${options.seed}")`);
    const data = await generate({
      orders: options.orders,
      seed: options.seed,
      badRows: parseBadRows('0'),
      outDir: path.join(dir, 'data'),
      until: todayUtc(),
      days: 14,
      prefix: 'CHAOS',
      notAfter: currentHour(),
    });

    say('▶ starting two instances of every service (same consumer groups)');
    recorders.set(stack, record);
    await startServices(stack);

    say('▶ importing stock');
    const stockCode = await importer(stack, ['stock', data.stockFile, '--currency', 'EUR']);
    if (stockCode !== 0) throw new Error(`the stock import failed (exit ${stockCode})`);
    await waitUntilStockApplied(stack, pool, options.signal);

    say('▶ importing orders while faults are injected');
    flowStart = Date.now();
    const importing = importer(stack, ['orders', data.ordersFile]);
    const chaosUntil = Date.now() + options.chaosMs;
    const oneOff: { at: number; run: () => Promise<void> }[] = [];
    const slot = (share: number): number => Date.now() + options.chaosMs * share;
    if (options.wipeRedis)
      oneOff.push({
        at: slot(0.3),
        run: async () => {
          const redis = new Redis(stack.redisUrl, { maxRetriesPerRequest: 2 });
          try {
            await redis.flushall();
          } finally {
            redis.disconnect();
          }
          record('wipe-redis', `FLUSHALL on ${stack.redisUrl}`);
        },
      });
    if (options.restartPostgres)
      oneOff.push({
        at: slot(0.5),
        run: async () => {
          const started = Date.now();
          stack.pgCtl('restart', 'fast');
          record('restart-postgres', `pg_ctl restart -m fast (${Date.now() - started} ms)`);
        },
      });
    if (options.restartKafka)
      oneOff.push({
        at: slot(0.7),
        run: async () => {
          const started = Date.now();
          await stack.restartKafka();
          record('restart-kafka', `broker stopped and started on its data (${Date.now() - started} ms)`);
        },
      });
    let refundAt = slot(0.15);
    let refunding: Promise<number> | undefined;
    let refunded = 0;
    let nextKill = Date.now() + options.killEveryMs;
    let nextSupervise = Date.now() + 3000;
    let importCode: number | undefined;
    importing.then(
      (code) => {
        importCode = code;
        record('note', `order import finished (exit ${code})`);
      },
      () => (importCode = -1),
    );
    while (Date.now() < chaosUntil && !options.signal?.aborted) {
      const due = oneOff.find((f) => f.at <= Date.now());
      if (due) {
        oneOff.splice(oneOff.indexOf(due), 1);
        await due.run();
      }
      if (refunding === undefined && refunded === 0 && Date.now() >= refundAt) {
        // Until some order is PAID there is nothing to refund: look again 2 s later.
        refunding = requestRefunds(stack, pool, options.refunds, random, record).then((n) => {
          refunded = n;
          refunding = undefined;
          refundAt = Date.now() + 2000;
          return n;
        });
      }
      if (Date.now() >= nextKill) {
        nextKill = Date.now() + options.killEveryMs;
        const victim = stack.services[Math.floor(random() * stack.services.length)]!;
        await killAndRestart(stack, victim, options.downMs, record);
      }
      if (Date.now() >= nextSupervise) {
        nextSupervise = Date.now() + 3000;
        await superviseConsumers(stack);
      }
      await sleep(100, options.signal);
    }
    if (options.signal?.aborted) throw new Error('interrupted');
    for (const f of oneOff) await f.run();
    if (refunding) await refunding;
    if (refunded === 0 && (await requestRefunds(stack, pool, options.refunds, random, record)) === 0)
      record('note', 'no PAID order to refund');
    const code = importCode ?? (await importing);
    if (code !== 0) throw new Error(`the order import failed (exit ${code})`);

    say('▶ waiting for rest (every order final, every refund decided, consumer lag 0)');
    result.atRest = await waitForRest(
      stack,
      pool,
      options.orders,
      options.settleTimeoutMs,
      say,
      options.signal,
    );
    record('note', result.atRest ? 'at rest' : `not at rest within ${options.settleTimeoutMs / 1000} s`);

    if (options.signal?.aborted) throw new Error('interrupted');
    say('▶ verify');
    const env = { ...stack.baseEnv(), LOG_LEVEL: 'silent' };
    const { config, targets } = loadVerifyConfig(env);
    const ctx = await openContext(config);
    try {
      result.report = await runVerify(ctx, config, targets);
    } finally {
      await closeContext(ctx);
    }
    result.reportText = verifyReport(result.report);
    result.ok = result.report.ok && result.atRest;
  } catch (error) {
    result.error = (error as Error).message;
  } finally {
    await pool?.end().catch(() => undefined);
    if (!options.keep) {
      say('▶ tearing the private stack down');
      await stack.stop();
      if (result.ok) fs.rmSync(dir, { recursive: true, force: true });
      else say(`  logs kept in ${dir}/logs`);
    } else {
      say(`▶ --keep: the private stack keeps running (${dir}); env:`);
      for (const [k, v] of Object.entries(stack.baseEnv()))
        if (/^(KAFKA_BROKERS|SCHEMA_REGISTRY_URL|DATABASE_URL|REDIS_URL)$/.test(k)) say(`  ${k}=${v}`);
      for (const s of stack.services) say(`  ${s.name}#${s.instance} :${s.port} pid ${s.child?.pid}`);
    }
  }
  return result;
}

async function startServices(stack: PrivateStack): Promise<void> {
  const owners = new Map(databaseOwners(Object.keys(SERVICE_PORTS)).map((o) => [o.name, o]));
  const base = stack.baseEnv();
  for (const name of Object.keys(SERVICE_PORTS) as ServiceName[]) {
    const main = path.join(stack.root, 'services', name, 'dist', 'main.js');
    if (!fs.existsSync(main)) throw new Error(`${name} is not built (${main}); run npm run build`);
    for (const instance of [1, 2]) {
      const port = await freePort();
      const gateway = name === 'payments' ? await freePort() : undefined;
      // Each instance reaches Postgres as its service's own role, as in production; payments' embedded
      // gateways need a port each.
      const env: NodeJS.ProcessEnv = {
        ...base,
        PORT: String(port),
        DATABASE_URL: ownerDatabaseUrl(owners.get(name)!, stack.adminUrl, base).url,
        ...(gateway === undefined
          ? {}
          : { GATEWAY_PORT: String(gateway), GATEWAY_URL: `http://127.0.0.1:${gateway}` }),
      };
      const service: ServiceInstance = {
        name,
        instance,
        port,
        env,
        log: path.join(stack.dir, 'logs', `${name}-${instance}.log`),
        restarts: 0,
      };
      stack.services.push(service);
      spawnService(stack, service);
    }
  }
  await Promise.all(stack.services.map((s) => waitReady(s, 120_000)));
}

/**
 * What a process supervisor (systemd, Kubernetes) does in production: an instance that exits by itself is
 * started again, and one whose /readyz says its consumer crashed while the process lives on is killed and
 * started again. Each is logged as a `crash`, since the service did not recover alone.
 */
type Recorder = (kind: FaultKind, detail: string) => void;
const recorders = new WeakMap<PrivateStack, Recorder>();

function spawnService(stack: PrivateStack, service: ServiceInstance): void {
  const out = fs.openSync(service.log, 'a');
  const child = spawn(
    process.execPath,
    [path.join(stack.root, 'services', service.name, 'dist', 'main.js')],
    {
      stdio: ['ignore', out, out],
      env: service.env,
    },
  );
  service.child = child;
  fs.closeSync(out);
  child.once('exit', (code, signal) => {
    if (service.killing || stack.stopping || service.child !== child) return;
    const record = recorders.get(stack);
    record?.(
      'crash',
      `${service.name}#${service.instance} (pid ${child.pid}) exited by itself (${signal ?? `code ${code}`}; see ${path.basename(service.log)}); restarting`,
    );
    setTimeout(() => {
      if (stack.stopping || service.child !== child) return;
      spawnService(stack, service);
      service.restarts++;
    }, 1000);
  });
}

const consumerCrashedSince = new Map<ServiceInstance, number>();

/** Kills and restarts instances whose consumer crashed more than 10 s ago while the process lives on. */
async function superviseConsumers(stack: PrivateStack): Promise<void> {
  await Promise.all(
    stack.services.map(async (service) => {
      const child = service.child;
      if (!child || child.exitCode !== null || child.signalCode !== null || service.killing) return;
      const body = await fetch(`http://127.0.0.1:${service.port}/readyz`, {
        signal: AbortSignal.timeout(2000),
      })
        .then((r) => r.json() as Promise<{ checks?: { consumer?: { details?: { crashed?: string } } } }>)
        .catch(() => undefined);
      const crashed = body?.checks?.consumer?.details?.crashed;
      if (!crashed) {
        consumerCrashedSince.delete(service);
        return;
      }
      const since = consumerCrashedSince.get(service) ?? Date.now();
      consumerCrashedSince.set(service, since);
      if (Date.now() - since < 10_000) return;
      consumerCrashedSince.delete(service);
      recorders.get(stack)?.(
        'crash',
        `${service.name}#${service.instance} (pid ${child.pid}) alive but its consumer crashed ("${crashed}") and stayed down 10 s; restarting`,
      );
      service.killing = true;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      spawnService(stack, service);
      service.killing = false;
      service.restarts++;
    }),
  );
}

async function ready(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

async function waitReady(service: ServiceInstance, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready(service.port))) {
    if (service.child && service.child.exitCode !== null)
      throw new Error(
        `${service.name}#${service.instance} exited (${service.child.exitCode}); see ${service.log}`,
      );
    if (Date.now() > deadline)
      throw new Error(
        `${service.name}#${service.instance} not ready within ${timeoutMs / 1000} s; see ${service.log}`,
      );
    await sleep(250);
  }
}

async function killAndRestart(
  stack: PrivateStack,
  victim: ServiceInstance,
  downMs: number,
  record: (kind: FaultKind, detail: string) => void,
): Promise<void> {
  const child = victim.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  victim.killing = true;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  record('kill', `SIGKILL ${victim.name}#${victim.instance} (pid ${child.pid}, :${victim.port})`);
  await sleep(downMs);
  spawnService(stack, victim);
  victim.killing = false;
  victim.restarts++;
  record('restart-service', `${victim.name}#${victim.instance} (pid ${victim.child?.pid})`);
}

function importer(stack: PrivateStack, args: string[]): Promise<number> {
  const cli = path.join(stack.root, 'services', 'importer', 'dist', 'cli.js');
  const out = fs.openSync(path.join(stack.dir, 'logs', `importer-${args[0]}.log`), 'a');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      stdio: ['ignore', out, out],
      env: stack.baseEnv(),
    });
    fs.closeSync(out);
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

async function waitUntilStockApplied(stack: PrivateStack, pool: Pool, signal?: AbortSignal): Promise<void> {
  // Orders must not be reserved against an empty inventory: wait until inventory's consumer is caught up
  // on the stock levels and it has rows.
  const deadline = Date.now() + 120_000;
  for (;;) {
    const rows = await pool
      .query<{ n: string }>('SELECT count(*) AS n FROM inventory.stock')
      .then((r) => Number(r.rows[0]?.n ?? 0))
      .catch(() => 0);
    if (rows > 0 && (await totalLag(stack)) === 0) return;
    if (Date.now() > deadline || signal?.aborted) throw new Error('inventory did not apply the stock import');
    await sleep(500, signal);
  }
}

async function totalLag(stack: PrivateStack): Promise<number> {
  const ctx = await openContext(loadOpsConfig({ ...stack.baseEnv(), LOG_LEVEL: 'silent' }));
  try {
    const groups = await consumerLag(ctx);
    return groups.reduce((sum, g) => sum + Number(g.total), 0);
  } finally {
    await closeContext(ctx);
  }
}

async function requestRefunds(
  stack: PrivateStack,
  pool: Pool,
  count: number,
  random: () => number,
  record: (kind: FaultKind, detail: string) => void,
): Promise<number> {
  const paid = await pool
    .query<{ order_id: string; total_cents: string }>(
      `SELECT order_id, total_cents FROM orders.orders WHERE status = 'PAID' ORDER BY order_id LIMIT $1`,
      [count],
    )
    .then((r) => r.rows)
    .catch(() => []);
  const refunds = stack.services.filter((s) => s.name === 'refunds');
  for (const [i, order] of paid.entries()) {
    // Full, partial, and a partial asked twice with the same key; a second key asking for the rest + 1
    // cent must be rejected (never refunded above what was paid).
    const total = Number(order.total_cents);
    const requests: { key: string; amount?: number }[] =
      i % 3 === 0
        ? [{ key: `chaos-${order.order_id}` }]
        : i % 3 === 1
          ? [
              { key: `chaos-${order.order_id}-a`, amount: Math.max(1, Math.floor(total / 2)) },
              { key: `chaos-${order.order_id}-a`, amount: Math.max(1, Math.floor(total / 2)) },
            ]
          : [
              { key: `chaos-${order.order_id}-a`, amount: Math.max(1, Math.floor(total / 3)) },
              { key: `chaos-${order.order_id}-b`, amount: total },
            ];
    for (const request of requests) {
      const answer = await postRefund(refunds, order.order_id, request, random);
      record('refund', `${order.order_id} key ${request.key} ${request.amount ?? 'full'}: ${answer}`);
    }
  }
  return paid.length;
}

async function postRefund(
  instances: ServiceInstance[],
  orderId: string,
  request: { key: string; amount?: number },
  random: () => number,
): Promise<string> {
  let last = '';
  for (let attempt = 0; attempt < 20; attempt++) {
    const target = instances[Math.floor(random() * instances.length)]!;
    try {
      const response = await fetch(`http://127.0.0.1:${target.port}/refunds`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${API_TOKEN}`,
          'idempotency-key': request.key,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          order_id: orderId,
          ...(request.amount === undefined ? {} : { amount_cents: request.amount }),
          reason: 'chaos run',
        }),
        signal: AbortSignal.timeout(5000),
      });
      const body = (await response.json().catch(() => ({}))) as { status?: string; code?: string };
      last = `HTTP ${response.status} ${body.status ?? body.code ?? ''}`.trim();
      if (response.status < 500) return `${last} via #${target.instance}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(500);
  }
  return `gave up: ${last}`;
}

async function waitForRest(
  stack: PrivateStack,
  pool: Pool,
  orders: number,
  timeoutMs: number,
  say: (line: string) => void,
  signal?: AbortSignal,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let lastShown = 0;
  for (;;) {
    const state = await pool
      .query<{ total: string; open: string; refunds_open: string }>(
        `SELECT (SELECT count(*) FROM orders.orders) AS total,
                (SELECT count(*) FROM orders.orders WHERE status NOT IN ('PAID', 'FAILED')) AS open,
                (SELECT count(*) FROM refunds.refunds WHERE status NOT IN ('REFUNDED', 'REJECTED')) AS refunds_open`,
      )
      .then((r) => r.rows[0])
      .catch(() => undefined);
    const lag = await totalLag(stack).catch(() => -1);
    const total = Number(state?.total ?? 0);
    const open = Number(state?.open ?? -1);
    const refundsOpen = Number(state?.refunds_open ?? -1);
    if (total >= orders && open === 0 && refundsOpen === 0 && lag === 0) return true;
    if (Date.now() - lastShown > 10_000) {
      lastShown = Date.now();
      say(`  orders ${total}/${orders}, not final ${open}, refunds undecided ${refundsOpen}, lag ${lag}`);
    }
    if (Date.now() > deadline || signal?.aborted) return false;
    await superviseConsumers(stack);
    await sleep(1000, signal);
  }
}
