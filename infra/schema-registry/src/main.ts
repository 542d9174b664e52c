import { Pool } from 'pg';
import pino from 'pino';
import { ConfigError, loadConfig, type Config } from './config';
import { startRegistry, type RunningRegistry } from './registry.server';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    pino({ name: 'schema-registry' }).fatal(error.message);
    process.exitCode = 1;
    return;
  }

  const logger = pino({ name: 'schema-registry', level: config.logLevel });
  const pool = new Pool({ connectionString: config.databaseUrl, max: 10 });
  pool.on('error', (err) => logger.error({ err }, 'idle Postgres client failed'));

  let registry: RunningRegistry;
  try {
    registry = await startRegistry({
      pool,
      logger,
      port: config.port,
      host: config.host,
      dbSchema: config.dbSchema,
    });
  } catch (err) {
    logger.fatal({ err }, 'schema registry failed to start');
    await pool.end().catch(() => undefined);
    process.exitCode = 1;
    return;
  }

  const shutdown = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    registry
      .stop()
      .then(() => pool.end())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

void main();
