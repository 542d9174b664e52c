#!/usr/bin/env node
// npm run chaos -- --orders N [--seed S] [--duration-kill-ms 3000] [--keep] (see tools/ops/README.md).
import { Command, InvalidArgumentError } from 'commander';
import { CHAOS_DEFAULTS, runChaos, type ChaosResult } from './chaos/run-chaos';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('a positive whole number');
  return n;
}

function printLog(result: ChaosResult, out: (line: string) => void): void {
  out('\nchaos log (t = seconds since the order import started)');
  out('t        kind              detail');
  out('-------  ----------------  ------');
  for (const e of result.log) out(`${e.t.toFixed(1).padStart(7)}  ${e.kind.padEnd(16)}  ${e.detail}`);
  const count = (kind: string): number => result.log.filter((e) => e.kind === kind).length;
  out(
    `kills ${count('kill')}, service restarts ${count('restart-service')}, Kafka restarts ${count('restart-kafka')}, ` +
      `Postgres restarts ${count('restart-postgres')}, Redis wipes ${count('wipe-redis')}, refund requests ${count('refund')}, ` +
      `instances that did not recover by themselves ${count('crash')}`,
  );
}

async function main(): Promise<number> {
  const program = new Command('chaos')
    .description('chaos run on a private stack, then verify every invariant')
    .requiredOption('--orders <n>', 'orders to generate and import', positiveInt)
    .option('--seed <s>', 'data and fault sequence seed', CHAOS_DEFAULTS.seed)
    .option(
      '--duration-kill-ms <ms>',
      'pause between two SIGKILLs of a service instance',
      positiveInt,
      CHAOS_DEFAULTS.killEveryMs,
    )
    .option('--chaos-ms <ms>', 'how long faults are injected (default: scaled to --orders)', positiveInt)
    .option('--refunds <n>', 'PAID orders to refund during the run', positiveInt, CHAOS_DEFAULTS.refunds)
    .option(
      '--settle-timeout-ms <ms>',
      'bound on the wait for rest',
      positiveInt,
      CHAOS_DEFAULTS.settleTimeoutMs,
    )
    .option('--keep', 'leave the private stack running (prints where)', false)
    .exitOverride();
  try {
    program.parse(process.argv);
  } catch (error) {
    return (error as { exitCode?: number }).exitCode === 0 ? 0 : 64;
  }
  const o = program.opts<{
    orders: number;
    seed: string;
    durationKillMs: number;
    chaosMs?: number;
    refunds: number;
    settleTimeoutMs: number;
    keep: boolean;
  }>();
  const controller = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\ninterrupted: tearing down the private stack ...\n');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  process.once('SIGTERM', () => controller.abort());
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  const result = await runChaos({
    orders: o.orders,
    seed: o.seed,
    killEveryMs: o.durationKillMs,
    downMs: 1000,
    chaosMs: o.chaosMs ?? Math.max(30_000, Math.min(180_000, o.orders * 6)),
    refunds: o.refunds,
    restartKafka: true,
    restartPostgres: true,
    wipeRedis: true,
    settleTimeoutMs: o.settleTimeoutMs,
    keep: o.keep,
    say: out,
    signal: controller.signal,
  });
  printLog(result, out);
  if (result.reportText) out(`\n${result.reportText}`);
  if (!result.atRest) out('\nthe system did not come to rest within the timeout (see the log lines above)');
  if (result.error) process.stderr.write(`error: ${result.error}\n`);
  if (controller.signal.aborted) return 130;
  return result.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
