import type { Writable } from 'node:stream';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ConfigError } from '@orderflow/runtime';
import { isService, loadOpsConfig, SERVICES, type ServiceName } from '../config';
import { closeContext, logicalTopic, openContext, type OpsContext } from '../context';
import { dlqTopicOf, readDeadLetters } from '../dlq/dead-letters';
import { replayDeadLetters, ReplayUsageError } from '../dlq/replay';
import { collectStatus } from '../status/status';
import { listTopics } from '../topics/list';
import { consumerLag } from '../topics/lag';
import { tailTopic, TopicNotFoundError } from '../topics/tail';
import {
  deadLettersReport,
  lagReport,
  messageJson,
  messageText,
  prefixNote,
  replayReport,
  statusTable,
  topicsTable,
} from './format';
import { jsonReplacer } from '../kafka/message-view';
import { loadVerifyConfig } from '../verify/verify-config';
import { readOrderIds, runVerify } from '../verify/run-verify';
import { verifyReport } from './format';

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
/** `status`: some service is not ready. */
export const EXIT_NOT_READY = 3;
export const EXIT_USAGE = 64;
/** `verify`: some invariant does not hold. */
export const EXIT_VERIFY_FAILED = 1;

export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  env?: NodeJS.ProcessEnv;
  /** Ends `tail --follow` (Ctrl-C). */
  signal?: AbortSignal;
}

class UsageError extends Error {}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

function isoTime(value: string): number {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms))
    throw new InvalidArgumentError('expected an ISO time, e.g. 2026-01-31T12:00:00Z');
  return ms;
}

function serviceArg(value: string): ServiceName {
  if (!isService(value)) throw new InvalidArgumentError(`expected one of ${SERVICES.join(', ')}`);
  return value;
}

function serviceList(value: string): ServiceName[] {
  return value.split(',').map((part) => serviceArg(part.trim()));
}

function collect(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}

const json = (): Option => new Option('--json', 'machine-readable output');

/**
 * `orderflow-ops <topics|status|dlq> ...`. Returns the exit code; output goes to `io` so tests can run
 * it in-process.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const out = (text: string): void => {
    io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  };
  const err = (text: string): void => {
    io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  };
  let code = EXIT_OK;
  const withContext = async (work: (ctx: OpsContext) => Promise<number>): Promise<void> => {
    const ctx = await openContext(loadOpsConfig(io.env ?? process.env), { logDestination: io.stderr });
    try {
      code = await work(ctx);
    } finally {
      await closeContext(ctx);
    }
  };

  const program = new Command('orderflow-ops')
    .description('Inspect topics, consumer lag, service status and dead letters of orderflow')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError();

  const topics = program.command('topics').description('list topics, consumer lag, or tail a topic');
  topics
    .command('list')
    .description('topics with partitions, end offsets and retention')
    .option('--all', "include Kafka's internal topics (__*)")
    .addOption(json())
    .action(async (flags: { all?: boolean; json?: boolean }) =>
      withContext(async (ctx) => {
        const list = await listTopics(ctx, { all: flags.all });
        if (flags.json) out(JSON.stringify({ prefix: ctx.prefix, topics: list }));
        else out(`${prefixNote(ctx.prefix)}${topicsTable(list)}`);
        return EXIT_OK;
      }),
    );
  topics
    .command('lag')
    .description('committed offset, end offset and lag per consumer group and partition')
    .option('--group <group>', 'only this consumer group')
    .addOption(json())
    .action(async (flags: { group?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const groups = await consumerLag(ctx, { group: flags.group });
        if (flags.json) out(JSON.stringify({ prefix: ctx.prefix, groups }));
        else out(`${prefixNote(ctx.prefix)}${lagReport(groups)}`);
        return EXIT_OK;
      }),
    );
  topics
    .command('tail')
    .description(
      'print messages decoded from Avro: the last N per partition (default 10), then exit unless --follow',
    )
    .argument('<topic>', 'topic name (TOPIC_PREFIX is added)')
    .option('--from-beginning', 'every retained message (at most --limit per partition if given)')
    .option('--key <key>', "only this key (an order id), read from the key's partition")
    .option('--limit <n>', 'messages per partition (matching ones with --key)', positiveInt)
    .option('--follow', 'keep printing new messages until Ctrl-C')
    .addOption(json())
    .action(
      async (
        topic: string,
        flags: { fromBeginning?: boolean; key?: string; limit?: number; follow?: boolean; json?: boolean },
      ) =>
        withContext(async (ctx) => {
          let first = true;
          const result = await tailTopic(ctx, topic, {
            fromBeginning: flags.fromBeginning,
            key: flags.key,
            limit: flags.limit,
            follow: flags.follow,
            signal: io.signal,
            onMessage: (view) => {
              if (flags.json) out(messageJson(view));
              else {
                out(`${first ? '' : '\n'}${messageText(view)}`);
                first = false;
              }
            },
          });
          const where =
            result.partitions.length === 1
              ? `partition ${result.partitions[0]}`
              : `${result.partitions.length} partitions`;
          err(
            `${result.shown} message${result.shown === 1 ? '' : 's'} from ${logicalTopic(ctx, result.topic)} (${where})` +
              (result.complete ? '' : '; stopped before reaching the end (no progress)'),
          );
          return result.complete || flags.follow ? EXIT_OK : EXIT_ERROR;
        }),
    );

  program
    .command('status')
    .description(
      "every service's readiness, consumer lag, DLQ depth and stuck orders; exit 3 if any is not ready",
    )
    .option('--only <services>', 'comma-separated services', serviceList)
    .addOption(json())
    .action(async (flags: { only?: ServiceName[]; json?: boolean }) =>
      withContext(async (ctx) => {
        const rows = await collectStatus(ctx, { services: flags.only });
        if (flags.json) out(JSON.stringify({ prefix: ctx.prefix, services: rows }, jsonReplacer));
        else out(`${prefixNote(ctx.prefix)}${statusTable(rows)}`);
        return rows.every((r) => r.readiness.state === 'ready') ? EXIT_OK : EXIT_NOT_READY;
      }),
    );

  const dlq = program
    .command('dlq')
    .description('list dead letters of a service, or replay them after a fix');
  dlq
    .command('list')
    .description('dead letters with origin, error and whether they were replayed')
    .argument('<service>', SERVICES.join(' | '), serviceArg)
    .option('--limit <n>', 'only the last N', positiveInt)
    .addOption(json())
    .action(async (service: ServiceName, flags: { limit?: number; json?: boolean }) =>
      withContext(async (ctx) => {
        const letters = await readDeadLetters(ctx, service);
        const shown = flags.limit ? letters.slice(-flags.limit) : letters;
        if (flags.json) {
          out(
            JSON.stringify(
              {
                topic: dlqTopicOf(ctx, service),
                total: letters.length,
                dead_letters: shown.map(({ value, ...rest }) => ({
                  ...rest,
                  value_base64: value?.toString('base64') ?? null,
                })),
              },
              jsonReplacer,
            ),
          );
        } else {
          out(deadLettersReport(dlqTopicOf(ctx, service), letters, shown, (t) => logicalTopic(ctx, t)));
        }
        return EXIT_OK;
      }),
    );
  dlq
    .command('replay')
    .description(
      'send dead letters back to their origin topic (same key and value) for the service to process again',
    )
    .argument('<service>', SERVICES.join(' | '), serviceArg)
    .option('--id <ids>', 'event id or DLQ ref (partition:offset); repeat or comma-separate', collect)
    .option('--all', 'every dead letter not replayed yet')
    .option('--force', 'also those replayed before')
    .option('--dry-run', 'show what would be sent, send nothing')
    .addOption(json())
    .action(
      async (
        service: ServiceName,
        flags: { id?: string[]; all?: boolean; force?: boolean; dryRun?: boolean; json?: boolean },
      ) =>
        withContext(async (ctx) => {
          if (flags.all && flags.id) throw new UsageError('--all and --id exclude each other');
          const outcomes = await replayDeadLetters(ctx, service, {
            ids: flags.id,
            all: flags.all,
            force: flags.force,
            dryRun: flags.dryRun,
          });
          if (flags.json) {
            out(
              JSON.stringify({
                outcomes: outcomes.map((o) => ({
                  ref: o.letter.ref,
                  event_id: o.letter.eventId,
                  action: o.action,
                  ...(o.action === 'replayed' ? { record: o.record } : {}),
                  ...(o.action === 'skipped' ? { reason: o.reason } : {}),
                })),
              }),
            );
          } else {
            out(replayReport(outcomes, (t) => logicalTopic(ctx, t)));
          }
          return EXIT_OK;
        }),
    );

  program
    .command('verify')
    .description(
      "check every invariant from the services' own stores, analytics' Redis and the topics; exit 1 if any fails",
    )
    .option('--since <iso-time>', 'only orders first placed at or after this time', isoTime)
    .option('--orders-from-file <file>', 'only the orders of this CSV (external_order_id) or id list')
    .option('--isolate <name>', 'a demo --isolate run: topics NAME.*, schemas NAME_<service>, keys NAME:*')
    .option('--limit <n>', 'violations shown per invariant (default 5)', positiveInt)
    .addOption(json())
    .action(
      async (flags: {
        since?: number;
        ordersFromFile?: string;
        isolate?: string;
        limit?: number;
        json?: boolean;
      }) => {
        const { config, targets } = loadVerifyConfig(io.env ?? process.env, flags.isolate);
        const orderIds = flags.ordersFromFile ? await readOrderIds(flags.ordersFromFile) : undefined;
        const ctx = await openContext(config, { logDestination: io.stderr });
        try {
          const report = await runVerify(ctx, config, targets, {
            sinceMs: flags.since,
            orderIds,
            keep: flags.limit ?? 5,
          });
          if (flags.json) out(JSON.stringify(report));
          else out(verifyReport(report));
          code = report.ok ? EXIT_OK : EXIT_VERIFY_FAILED;
        } finally {
          await closeContext(ctx);
        }
      },
    );

  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof UsageError || error instanceof ReplayUsageError) {
      err(`error: ${error.message}`);
      return EXIT_USAGE;
    }
    if (error instanceof ConfigError || error instanceof TopicNotFoundError) {
      err(`error: ${error.message}`);
      return EXIT_ERROR;
    }
    err(`error: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_ERROR;
  }
}
