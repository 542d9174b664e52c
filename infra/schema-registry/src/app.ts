import express, { type Express, type RequestHandler } from 'express';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { RegistryRepository } from './db/registry.repository';
import { compatibilityRoutes } from './http/compatibility.routes';
import { configRoutes } from './http/config.routes';
import { errorHandler, notFound } from './http/error.middleware';
import { send } from './http/http.helpers';
import { schemasRoutes } from './http/schemas.routes';
import { subjectsRoutes } from './http/subjects.routes';
import { RegistryService } from './registry.service';

export const DEFAULT_DB_SCHEMA = 'schema_registry';

export interface RegistryAppOptions {
  readonly pool: Pool;
  readonly logger: Logger;
  /** Postgres schema holding the registry's tables; tests use a throw-away one per run. */
  readonly dbSchema?: string;
}

export interface RegistryApp {
  readonly app: Express;
  readonly service: RegistryService;
  /** Creates the Postgres schema and tables if missing. Call once before serving. */
  init(): Promise<void>;
}

function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.debug({ method: req.method, url: req.originalUrl, status: res.statusCode, ms }, 'request');
    });
    next();
  };
}

export function createRegistryApp(options: RegistryAppOptions): RegistryApp {
  const { pool, logger } = options;
  const repository = new RegistryRepository(pool, options.dbSchema ?? DEFAULT_DB_SCHEMA);
  const service = new RegistryService(repository, logger);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestLog(logger));
  // Clients send application/vnd.schemaregistry.v1+json, application/json or even octet-stream;
  // every body this API accepts is JSON, so parse whatever arrives as JSON.
  app.use(express.json({ type: () => true, limit: '16mb' }));

  app.get('/', (_req, res) => send(res, 200, {}));
  app.get('/contexts', (_req, res) => send(res, 200, ['.']));
  app.use(subjectsRoutes(service));
  app.use(schemasRoutes(service));
  app.use(configRoutes(service));
  app.use(compatibilityRoutes(service));
  app.use(notFound);
  app.use(errorHandler(logger));

  return { app, service, init: () => repository.ensureTables() };
}
