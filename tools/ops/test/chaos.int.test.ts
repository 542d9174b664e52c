import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { INVARIANTS } from '../src';
import { runChaos, type ChaosResult, type FaultKind } from '../src/chaos/run-chaos';

// The CI-sized chaos run (issue: "CI runs a short chaos run"): a private stack (Kafka, registry, Postgres,
// Redis of its own), two instances of every service in the same groups, orders imported while instances are
// SIGKILLed and restarted, Kafka and Postgres restarted once, Redis wiped once and refunds requested; then
// the wait for rest and verify. Sized for a 2-core CI machine: the whole test stays within about 5 minutes.
const ORDERS = Number(process.env.CHAOS_TEST_ORDERS || 2000);
const CHAOS_MS = 45_000;
const KILL_EVERY_MS = 4000;
const REFUNDS = 9;
const SETTLE_TIMEOUT_MS = 150_000;
const TEST_TIMEOUT_MS = 420_000;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-chaos-test-'));
const controller = new AbortController();
const output: string[] = [];
let running: Promise<ChaosResult> | undefined;
let result: ChaosResult | undefined;
let seenWhileRunning: number | undefined;

/** Ports of the private stack (Kafka, registry, Postgres, Redis), as runChaos announced them. */
function privatePorts(): number[] {
  const text = output.join('\n');
  const ports = [
    ...text.matchAll(
      /(?:redis :|postgres :|kafka 127\.0\.0\.1:|schema registry http:\/\/127\.0\.0\.1:)(\d+)/g,
    ),
  ].map((m) => Number(m[1]));
  return [...new Set(ports)];
}

/**
 * Processes of the private stack still alive (from `ps`): anything whose command line names the temp
 * folder or a private port, whose environment points at a private port (the services), or a child of one of
 * those (Postgres' background processes). Pids are not used: one could be reused by then.
 */
function leftovers(): string[] {
  const ports = privatePorts();
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }))
    .filter((p) => p.pid !== process.pid && !p.args.startsWith('ps '));
  const environ = (pid: number): string => {
    try {
      return fs.readFileSync(`/proc/${pid}/environ`, 'latin1');
    } catch {
      return '';
    }
  };
  const address = new RegExp(`127\\.0\\.0\\.1:(${ports.join('|') || 'none'})(?!\\d)`);
  const named = (p: { pid: number; args: string }): boolean =>
    p.args.includes(dir) || address.test(p.args) || address.test(environ(p.pid));
  const found = new Set(rows.filter(named).map((p) => p.pid));
  for (let grew = true; grew;) {
    grew = false;
    for (const p of rows)
      if (!found.has(p.pid) && found.has(p.ppid)) {
        found.add(p.pid);
        grew = true;
      }
  }
  return rows.filter((p) => found.has(p.pid)).map((p) => `${p.pid} ${p.args.slice(0, 160)}`);
}

function count(kind: FaultKind): number {
  return (result?.log ?? []).filter((e) => e.kind === kind).length;
}

function tail(file: string, lines: number): string {
  try {
    const all = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    return all
      .slice(-lines)
      .map((line) => `    ${line.slice(0, 400)}`)
      .join('\n');
  } catch (error) {
    return `    (${(error as Error).message})`;
  }
}

/** What a CI log needs to show why a run failed: the chaos log, the verify table, the instances' last lines. */
function diagnostics(problems: string[]): string {
  const logs = path.join(dir, 'logs');
  const parts = [
    `chaos run failed (${problems.length} problem${problems.length === 1 ? '' : 's'}):`,
    ...problems.map((p) => `  - ${p}`),
    '',
    'chaos log (t = seconds since the order import started):',
    ...(result?.log ?? []).map((e) => `  ${e.t.toFixed(1).padStart(7)}  ${e.kind.padEnd(16)}  ${e.detail}`),
    '',
    result?.reportText ?? '(no verify report)',
    '',
    'runner output:',
    ...output.slice(-60).map((line) => `  ${line}`),
  ];
  const files = fs.existsSync(logs) ? fs.readdirSync(logs).sort() : [];
  const crashed = new Set(
    (result?.log ?? [])
      .filter((e) => e.kind === 'crash')
      .map((e) => /^(\S+)#(\d+)/.exec(e.detail))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => `${m[1]}-${m[2]}.log`),
  );
  for (const file of files) {
    const text = fs.readFileSync(path.join(logs, file), 'utf8');
    if (text.trim() === '') continue;
    // A process that died by itself leaves a fatal log line or a bare stack trace (not JSON): those first.
    const deaths = text
      .split('\n')
      .filter(
        (line) =>
          line.includes('"level":"fatal"') ||
          (!line.startsWith('{') && /^(\w*Error\b|.*Unhandled)/.test(line)),
      )
      .slice(-10);
    const lines = crashed.has(file) ? 60 : deaths.length > 0 ? 40 : 10;
    parts.push('', `── ${path.join(logs, file)}${crashed.has(file) ? ' (restarted by the supervisor)' : ''}`);
    if (deaths.length > 0) parts.push('  fatal lines:', ...deaths.map((line) => `    ${line.slice(0, 400)}`));
    parts.push(`  last ${lines} lines:`, tail(path.join(logs, file), lines));
  }
  parts.push('', `logs kept in ${dir}`);
  return parts.join('\n');
}

afterAll(async () => {
  // Also after a timeout: abort the run, which stops every process it started, and wait for that.
  controller.abort();
  await running?.catch(() => undefined);
  const left = leftovers();
  if (left.length > 0) {
    for (const line of left) {
      try {
        process.kill(Number(line.split(' ')[0]), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    throw new Error(`processes of the private stack left after teardown:\n${left.join('\n')}`);
  }
  if (result?.ok) fs.rmSync(dir, { recursive: true, force: true });
}, 180_000);

describe('chaos run (CI size)', () => {
  it(
    `${ORDERS} orders through kills, a Kafka and a Postgres restart and a Redis wipe: verify passes`,
    async () => {
      const started = Date.now();
      running = runChaos({
        orders: ORDERS,
        seed: process.env.CHAOS_TEST_SEED || 'chaos-ci',
        killEveryMs: KILL_EVERY_MS,
        downMs: 1000,
        chaosMs: CHAOS_MS,
        refunds: REFUNDS,
        restartKafka: true,
        restartPostgres: true,
        wipeRedis: true,
        settleTimeoutMs: SETTLE_TIMEOUT_MS,
        keep: false,
        dir,
        say: (line) => {
          output.push(line);
          // The leftover check must see the running stack, or its empty answer after teardown means nothing.
          if (line === '▶ verify') seenWhileRunning = leftovers().length;
          // CHAOS_TEST_LOG_COPY=<folder>: keep the instance logs of a passing run too (the runner removes
          // its folder after a pass), copied just before the stack is torn down.
          const copy = process.env.CHAOS_TEST_LOG_COPY;
          if (copy && line.startsWith('▶ tearing'))
            fs.cpSync(path.join(dir, 'logs'), path.join(copy, path.basename(dir)), { recursive: true });
        },
        signal: controller.signal,
      });
      result = await running;
      const elapsed = Math.round((Date.now() - started) / 1000);

      const problems: string[] = [];
      if (result.error) problems.push(`the run failed: ${result.error}`);
      if (!result.atRest)
        problems.push(`the system did not come to rest within ${SETTLE_TIMEOUT_MS / 1000} s`);
      const invariants = result.report?.invariants ?? [];
      for (const expected of INVARIANTS) {
        const inv = invariants.find((i) => i.key === expected.key);
        if (!inv) problems.push(`invariant "${expected.name}" was not checked`);
        else if (!inv.ok)
          problems.push(
            `invariant "${inv.name}" failed: ${inv.violationCount} violation(s), first ` +
              inv.violations
                .slice(0, 3)
                .map((v) => `${v.id} (${v.problem})`)
                .join('; '),
          );
      }
      if (result.report && result.report.scope.placed_orders < ORDERS)
        problems.push(`verify saw ${result.report.scope.placed_orders} placed orders, expected ${ORDERS}`);
      const faults: [FaultKind, string, (n: number) => boolean][] = [
        ['kill', 'at least 3', (n) => n >= 3],
        ['restart-kafka', 'exactly 1', (n) => n === 1],
        ['restart-postgres', 'exactly 1', (n) => n === 1],
        ['wipe-redis', 'exactly 1', (n) => n === 1],
        ['refund', 'at least 1', (n) => n >= 1],
      ];
      for (const [kind, want, ok] of faults)
        if (!ok(count(kind))) problems.push(`fault "${kind}" happened ${count(kind)} times, want ${want}`);
      // 12 service instances, Kafka, the registry, Postgres (and its helpers), Redis.
      if (seenWhileRunning !== undefined && seenWhileRunning < 16)
        problems.push(`ps found only ${seenWhileRunning} processes of the running stack, want at least 16`);
      if (!result.ok && problems.length === 0) problems.push('runChaos reported not ok');

      process.stderr.write(
        `chaos test: ${ORDERS} orders in ${elapsed} s; kills ${count('kill')}, Kafka restarts ` +
          `${count('restart-kafka')}, Postgres restarts ${count('restart-postgres')}, Redis wipes ` +
          `${count('wipe-redis')}, refund requests ${count('refund')}, instances restarted by the supervisor ` +
          `${count('crash')}; ${problems.length === 0 ? 'PASS' : 'FAIL'}\n`,
      );
      if (problems.length > 0) process.stderr.write(`${diagnostics(problems)}\n`);
      else
        for (const e of result.log.filter((x) => x.kind === 'crash'))
          process.stderr.write(`  supervisor restart at ${e.t.toFixed(1)} s: ${e.detail}\n`);
      expect(problems).toEqual([]);
      expect(result.ok).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );
});
