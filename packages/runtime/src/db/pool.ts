import { Pool, type PoolClient, type PoolConfig } from 'pg';

export type { Pool, PoolClient } from 'pg';

export interface CreatePoolOptions {
  connectionString: string;
  /** Shows in pg_stat_activity, so an operator can tell services apart. */
  applicationName: string;
  max?: number;
  statementTimeoutMs?: number;
}

export function createPool(options: CreatePoolOptions): Pool {
  const config: PoolConfig = {
    connectionString: options.connectionString,
    application_name: options.applicationName,
    max: options.max ?? 10,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
  };
  if (options.statementTimeoutMs) config.statement_timeout = options.statementTimeoutMs;
  const pool = new Pool(config);
  // An idle client losing its server (Postgres restart) emits 'error' on the pool; without a listener
  // that would crash the process. The next query gets a fresh connection instead.
  pool.on('error', () => undefined);
  return pool;
}

/** Runs `fn` inside BEGIN/COMMIT on one client; rolls back and rethrows on any error. */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  // A checked-out client has no pool listener: its connection dropping (Postgres restarted) would be an
  // unhandled 'error' event that ends the process. The running query fails anyway; just don't reuse it.
  const onError = (): void => {
    broken = true;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch {
      // The connection itself is gone; don't hand it back to the pool.
      broken = true;
    }
    throw error;
  } finally {
    // A broken client is discarded and may still report its end: it keeps the listener.
    if (!broken) client.off('error', onError);
    client.release(broken);
  }
}

/** Quotes an identifier (schema or table name) for SQL built from configuration. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export async function pingPostgres(pool: Pool): Promise<void> {
  await pool.query('SELECT 1');
}
