#!/usr/bin/env node
// `analytics rebuild`: replays orders.finished and refunds.processed into a fresh Redis generation and
// switches readers to it; safe beside running services (one rebuild at a time, by a Redis lock).
// `analytics snapshot [--date YYYY-MM-DD]`: copies a day's KPIs (default yesterday, UTC) into Postgres.
// Results go to stdout, progress and errors to stderr. Exit 0 = done, 1 = failed, 2 = a rebuild is
// already running elsewhere.
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { EventSerde } from '@orderflow/contracts';
import {
  ConfigError,
  createKafka,
  createLogger,
  createPool,
  createRedis,
  errorMessage,
  migrate,
  type Logger,
  type Redis,
} from '@orderflow/runtime';
import { analyticsStore, rebuildOwner, SERVICE_NAME } from './app';
import { loadAnalyticsConfig, type AnalyticsConfig } from './config';
import { KpiSnapshotRepository } from './db/kpi-snapshot.repository';
import { addDays, isCalendarDay, utcDay } from './domain/dates';
import { EventDecoder } from './kafka/event-decoder';
import { isNoGeneration } from './redis/lua-script';
import { RebuildBusyError } from './rebuild/rebuild-lock';
import { Rebuilder, type RebuildProgress } from './rebuild/rebuilder';
import { takeSnapshot } from './snapshot/take-snapshot';

const EXIT_FAILED = 1;
const EXIT_BUSY = 2;

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILED,
  ) {
    super(message);
  }
}

interface Environment {
  config: AnalyticsConfig;
  logger: Logger;
  redis: Redis;
}

async function withEnvironment<T>(work: (env: Environment) => Promise<T>): Promise<T> {
  let config: AnalyticsConfig;
  try {
    config = loadAnalyticsConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
  // A CLI's stderr is for people: warnings and errors, unless LOG_LEVEL asks for more.
  const logger = createLogger({
    service: `${SERVICE_NAME}-cli`,
    level: process.env.LOG_LEVEL ? config.LOG_LEVEL : 'warn',
    destination: process.stderr,
  });
  const redis = createRedis(config.REDIS_URL, `${SERVICE_NAME}-cli`);
  try {
    return await work({ config, logger, redis });
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

function progressPrinter(): (progress: RebuildProgress) => void {
  const tty = process.stderr.isTTY === true;
  let lastState = '';
  let lastLineAt = 0;
  return (progress) => {
    const line =
      progress.state === 'replaying'
        ? `replaying into ${progress.generation}: ${progress.replayed_events}/${progress.total_events} events (${progress.percent}%)`
        : `${progress.state}${progress.generation ? ` ${progress.generation}` : ''}`;
    if (tty) {
      process.stderr.write(
        `\r\x1b[2K${line}${progress.state === 'done' || progress.state === 'failed' ? '\n' : ''}`,
      );
      return;
    }
    // Not a terminal (a log file): state changes, and a line every two seconds while replaying.
    if (progress.state !== lastState || Date.now() - lastLineAt >= 2000) {
      process.stderr.write(`${line}\n`);
      lastState = progress.state;
      lastLineAt = Date.now();
    }
  };
}

async function rebuild(): Promise<void> {
  await withEnvironment(async ({ config, logger, redis }) => {
    const abort = new AbortController();
    process.once('SIGINT', () => {
      process.stderr.write('\ninterrupted: abandoning the rebuild; readers keep the current numbers\n');
      abort.abort(new Error('interrupted'));
    });
    const rebuilder = new Rebuilder({
      store: analyticsStore(config, redis),
      kafka: createKafka(config, `${SERVICE_NAME}-cli`, logger),
      decoder: new EventDecoder(
        new EventSerde({ registryUrl: config.SCHEMA_REGISTRY_URL }),
        config.TOPIC_PREFIX,
      ),
      logger,
      owner: rebuildOwner('cli'),
      topicPrefix: config.TOPIC_PREFIX,
      lockLeaseMs: config.ANALYTICS_REBUILD_LOCK_MS,
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      onProgress: progressPrinter(),
    });
    try {
      const result = await rebuilder.run(abort.signal);
      process.stdout.write(
        `rebuilt generation ${result.generation} (was ${result.previous ?? 'none'}): ${result.replayed} events ` +
          `replayed, ${result.applied} applied, ${result.invalid} invalid skipped, in ` +
          `${(result.durationMs / 1000).toFixed(1)} s; readers switched, ${result.deletedKeys} old keys deleted\n`,
      );
    } catch (error) {
      if (error instanceof RebuildBusyError) throw new CliError(error.message, EXIT_BUSY);
      throw new CliError(`rebuild failed: ${errorMessage(error)}`);
    }
  });
}

async function snapshot(options: { date?: string }): Promise<void> {
  const date = options.date ?? addDays(utcDay(Date.now()), -1);
  await withEnvironment(async ({ config, logger, redis }) => {
    const schema = config.DB_SCHEMA ?? SERVICE_NAME;
    await migrate({
      databaseUrl: config.DATABASE_URL,
      schema,
      dir: path.join(__dirname, '..', 'migrations'),
      logger,
    });
    const pool = createPool({
      connectionString: config.DATABASE_URL,
      applicationName: `${SERVICE_NAME}-cli`,
      max: 2,
    });
    try {
      const result = await takeSnapshot({
        store: analyticsStore(config, redis),
        snapshots: new KpiSnapshotRepository(schema),
        pool,
        date,
      });
      process.stdout.write(
        result.rows.length === 0
          ? `no KPIs in Redis for ${date} (generation ${result.generation}); nothing written\n`
          : `snapshot of ${date} from generation ${result.generation}: ${result.rows.length} ` +
              `currencies (${result.rows.map((r) => r.currency).join(', ')}) written to ${schema}.kpi_snapshots\n`,
      );
    } catch (error) {
      if (isNoGeneration(error))
        throw new CliError('Redis holds no analytics data yet (a rebuild is needed or running)');
      throw error;
    } finally {
      await pool.end();
    }
  });
}

function parseDay(value: string): string {
  if (!isCalendarDay(value)) throw new InvalidArgumentError('expected a date YYYY-MM-DD');
  return value;
}

const program = new Command('analytics')
  .description('orderflow analytics: rebuild the Redis KPIs from Kafka, snapshot days into Postgres')
  .showHelpAfterError();

program
  .command('rebuild')
  .description(
    'replay orders.finished and refunds.processed into a fresh generation and switch readers to it',
  )
  .action(rebuild);

program
  .command('snapshot')
  .description("copy one day's KPIs (every currency) from Redis into Postgres")
  .option('--date <YYYY-MM-DD>', 'the day, UTC (default: yesterday)', parseDay)
  .action(snapshot);

program.parseAsync(process.argv).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`analytics: ${message}\n`);
  process.exitCode = error instanceof CliError ? error.exitCode : EXIT_FAILED;
});
