import path from 'node:path';
import { runner } from 'node-pg-migrate';
import type { Logger } from 'pino';

/** The runtime's own tables (inbox, outbox), applied to every service schema before its migrations. */
export const RUNTIME_MIGRATIONS_DIR = path.join(__dirname, '..', '..', 'migrations');

export interface MigrateOptions {
  databaseUrl: string;
  /** The service's schema; created when missing. Unqualified names in migrations land here. */
  schema: string;
  /** The service's own migrations (SQL files with `-- Up Migration` / `-- Down Migration`). */
  dir?: string;
  logger?: Logger;
  /** How long to keep trying while another process holds node-pg-migrate's lock. */
  lockWaitMs?: number;
}

/**
 * Brings a service schema up to date: runtime tables first (tracked in `runtime_migrations`), then the
 * service's own (tracked in `pgmigrations`), both tables inside the service schema so services never
 * share migration state.
 */
export async function migrate(options: MigrateOptions): Promise<void> {
  const runs: { dir: string; table: string }[] = [
    { dir: RUNTIME_MIGRATIONS_DIR, table: 'runtime_migrations' },
  ];
  if (options.dir) runs.push({ dir: options.dir, table: 'pgmigrations' });
  const log = options.logger;
  for (const run of runs) {
    await withLockRetry(options.lockWaitMs ?? 30_000, () =>
      runner({
        databaseUrl: options.databaseUrl,
        dir: run.dir,
        migrationsTable: run.table,
        schema: options.schema,
        createSchema: true,
        direction: 'up',
        count: Infinity,
        checkOrder: true,
        singleTransaction: true,
        log: (message: string) => log?.debug({ schema: options.schema }, message),
        logger: {
          debug: () => undefined,
          info: (message: string) => log?.debug({ schema: options.schema }, message),
          warn: (message: string) => log?.warn({ schema: options.schema }, message),
          error: (message: string) => log?.error({ schema: options.schema }, message),
        },
      }),
    );
  }
  log?.info({ schema: options.schema }, 'migrations applied');
}

// node-pg-migrate takes one database-wide advisory lock and fails at once when it is held, so several
// services starting together would fail; waiting a little for the other one is what an operator wants.
async function withLockRetry<T>(budgetMs: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!/Another migration is already running/i.test(message) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 1000)));
    }
  }
}
