import express, {
  type Express,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
  type Router,
} from 'express';
import type { Logger } from '../logger';
import type { RuntimeMetrics } from '../metrics';
import { OPENAPI_PATH, serveOpenApi, type OpenApiDocument } from './openapi';
import { problem, sendProblem, toProblem } from './problem-details';
import { DEFAULT_CHECK_TIMEOUT_MS, runReadinessChecks, type ReadinessCheck } from './readiness';
import { requestContext } from './request-context.middleware';
import { JSON_CONTENT_TYPES } from './validation';

export interface HttpAppOptions {
  service: string;
  logger: Logger;
  metrics: RuntimeMetrics;
  /** Largest accepted request body, in bytes. */
  bodyLimit?: number;
  readiness: ReadinessCheck[];
  /** Per-check bound for `/readyz`. */
  readinessTimeoutMs?: number;
  /** Registers the service's own routes; the router is mounted at `/`, so register full paths. */
  routes?: (router: Router) => void;
  /** Served at `GET /openapi.json` (see serviceOpenApi). */
  openapi?: OpenApiDocument;
}

export const DEFAULT_BODY_LIMIT = 100_000;

function requestPath(req: Request): string {
  return req.originalUrl.split('?')[0] ?? '/';
}

const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  next();
};

/**
 * The HTTP side every service shares: request ids and logs, metrics, health and readiness probes, JSON
 * bodies with a size limit, and one error path that answers in problem+json.
 */
export function createHttpApp(options: HttpAppOptions): Express {
  const { service, metrics } = options;
  const app = express();
  app.disable('x-powered-by');

  app.use(requestContext(options.logger, metrics));
  app.use(securityHeaders);

  // Probes come before body parsing so that nothing about a request body can fail them.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service });
  });

  app.get('/readyz', async (_req, res) => {
    const report = await runReadinessChecks(
      options.readiness,
      options.readinessTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS,
    );
    res.setHeader('Cache-Control', 'no-store');
    res.status(report.ready ? 200 : 503).json({
      status: report.ready ? 'ready' : 'not_ready',
      service,
      checks: report.checks,
    });
  });

  app.get('/metrics', async (_req, res) => {
    const text = await metrics.registry.metrics();
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(text);
  });

  if (options.openapi) app.get(OPENAPI_PATH, serveOpenApi(options.openapi));

  app.use(
    express.json({
      limit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
      type: JSON_CONTENT_TYPES,
      // Signed webhooks are verified over the exact bytes received, which parsing would lose.
      verify: (req, _res, buffer) => {
        (req as express.Request).rawBody = buffer;
      },
    }),
  );

  const router = express.Router();
  options.routes?.(router);
  app.use(router);

  app.use((req: Request, res: Response) => {
    res.locals.problemCode = 'HTTP.NOT_FOUND';
    sendProblem(
      res,
      problem(404, 'HTTP.NOT_FOUND', `No route for ${req.method} ${requestPath(req)}.`, {
        instance: requestPath(req),
        requestId: req.requestId,
      }),
    );
  });

  // Express recognises an error handler by its four parameters, so `_next` has to stay.
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { problem: body, internal } = toProblem(error, {
      instance: requestPath(req),
      requestId: req.requestId,
    });
    if (internal || res.headersSent) req.log.error({ err: error, code: body.code }, 'request failed');
    if (res.headersSent) {
      // Part of a response is already out; the only honest signal left is a cut connection.
      res.destroy();
      return;
    }
    res.locals.problemCode = body.code;
    sendProblem(res, body);
  });

  return app;
}
