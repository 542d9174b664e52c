import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Pool } from 'pg';
import pino, { type Logger } from 'pino';
import { createRegistryApp, DEFAULT_DB_SCHEMA } from './app';

export interface StartRegistryOptions {
  /** Port to listen on; 0 picks a free one. Default 8081. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Used when no pool is given; the registry then owns the pool and ends it on stop(). */
  readonly databaseUrl?: string;
  readonly pool?: Pool;
  readonly logger?: Logger;
  readonly dbSchema?: string;
}

export interface RunningRegistry {
  readonly server: Server;
  readonly port: number;
  /** Base URL to give clients, e.g. http://127.0.0.1:8081 */
  readonly url: string;
  /** Stops accepting requests, waits for in-flight ones, and ends the pool if the registry created it. */
  stop(): Promise<void>;
}

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/orderflow';
// Keep-alive clients (the kafkajs registry client, Console) would otherwise hold server.close() open.
const FORCE_CLOSE_AFTER_MS = 5000;

export async function startRegistry(options: StartRegistryOptions = {}): Promise<RunningRegistry> {
  const logger = options.logger ?? pino({ name: 'schema-registry' });
  const ownsPool = options.pool === undefined;
  const pool = options.pool ?? new Pool({ connectionString: options.databaseUrl ?? DEFAULT_DATABASE_URL });
  if (ownsPool) pool.on('error', (err) => logger.error({ err }, 'idle Postgres client failed'));
  const dbSchema = options.dbSchema ?? DEFAULT_DB_SCHEMA;

  let server: Server;
  try {
    const registry = createRegistryApp({ pool, logger, dbSchema });
    await registry.init();
    server = await new Promise<Server>((resolve, reject) => {
      const listening = registry.app.listen(
        options.port ?? 8081,
        options.host ?? '127.0.0.1',
        (error?: Error) => (error ? reject(error) : resolve(listening)),
      );
    });
  } catch (error) {
    if (ownsPool) await pool.end().catch(() => undefined);
    throw error;
  }

  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info({ port: address.port, url, dbSchema }, `schema registry listening on ${url}`);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), FORCE_CLOSE_AFTER_MS).unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      if (ownsPool) await pool.end();
      logger.info('schema registry stopped');
    })();
    return stopping;
  };

  return { server, port: address.port, url, stop };
}
