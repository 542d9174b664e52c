import path from 'node:path';
import { runner } from 'node-pg-migrate';
import { Client } from 'pg';
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
  const createSchema = await needsSchema(options.databaseUrl, options.schema);
  for (const run of runs) {
    await withLockRetry(options.lockWaitMs ?? 30_000, () =>
      withClient(options.databaseUrl, log, (dbClient) =>
        runner({
          dbClient,
          dir: run.dir,
          migrationsTable: run.table,
          schema: options.schema,
          createSchema,
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
      ),
    );
  }
  log?.info({ schema: options.schema }, 'migrations applied');
}

/**
 * Whether the schema is still to be created. A service role may use only the schema provisioned for it
 * and has no CREATE on the database, and Postgres checks that privilege even for CREATE SCHEMA IF NOT
 * EXISTS; so an existing schema is used as it is, after checking this login can work in it.
 */
async function needsSchema(databaseUrl: string, schema: string): Promise<boolean> {
  return withClient(databaseUrl, undefined, async (client) => {
    const { rows } = await client.query<{ usable: boolean; login: string }>(
      `SELECT has_schema_privilege(oid, 'USAGE') AND has_schema_privilege(oid, 'CREATE') AS usable,
              current_user AS login
         FROM pg_namespace WHERE nspname = $1`,
      [schema],
    );
    const found = rows[0];
    if (found && !found.usable) {
      throw new Error(
        `${found.login} may not use schema ${schema} (it needs USAGE and CREATE there); ` +
          'provision the roles as the admin: node infra/stack/dist/cli.js roles',
      );
    }
    return found === undefined;
  });
}

/**
 * A connection of its own for one step of the migration. Its 'error' event is listened to: a connection
 * that dies (Postgres restarting) then fails the query in flight, and start-up with it, instead of
 * killing the process with an unhandled 'error' event.
 */
async function withClient<T>(
  databaseUrl: string,
  log: Logger | undefined,
  use: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  client.on('error', (error) => log?.warn({ err: error }, 'migration connection failed'));
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
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
