import { Client } from 'pg';
import Redis from 'ioredis';

export interface CheckResult {
  ok: boolean;
  detail: string;
}

/**
 * Checks the server behind DATABASE_URL and creates the database when it is missing (connecting to the
 * `postgres` maintenance database for that).
 */
export async function ensurePostgres(databaseUrl: string): Promise<CheckResult> {
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres';
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (error) {
    return {
      ok: false,
      detail:
        `PostgreSQL is not reachable at ${url.host} (${(error as Error).message}). ` +
        'Start it (Debian: pg_ctlcluster <version> main start) or install it (apt-get install postgresql), ' +
        'or point DATABASE_URL at a running server.',
    };
  }
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) {
      await client
        .query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`)
        .catch((error: { code?: string }) => {
          // Another process created it between our check and our create.
          if (error.code !== '42P04') throw error;
        });
      return { ok: true, detail: `created database ${database} on ${url.host}` };
    }
    const version = await client.query<{ server_version: string }>('SHOW server_version');
    return {
      ok: true,
      detail: `${url.host}/${database} (PostgreSQL ${version.rows[0]?.server_version ?? '?'})`,
    };
  } catch (error) {
    return { ok: false, detail: `PostgreSQL at ${url.host}: ${(error as Error).message}` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function checkRedis(redisUrl: string): Promise<CheckResult> {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 3000,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const info = await redis.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
    return { ok: true, detail: `${new URL(redisUrl).host} (Redis ${version})` };
  } catch (error) {
    return {
      ok: false,
      detail:
        `Redis is not reachable at ${new URL(redisUrl).host} (${(error as Error).message}). ` +
        'Start it (redis-server --daemonize yes) or install it (apt-get install redis-server), or point REDIS_URL at a running server.',
    };
  } finally {
    redis.disconnect();
  }
}
