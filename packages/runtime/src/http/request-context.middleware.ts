import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../logger';
import type { RuntimeMetrics } from '../metrics';

declare global {
  // Augmenting Express's own namespace is the only way to type `req.log` for every handler.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Child logger bound to this request's id. */
      log: Logger;
      requestId: string;
      /** The unparsed bytes of a JSON body (for signature checks). */
      rawBody?: Buffer;
    }
  }
}

export const REQUEST_ID_HEADER = 'x-request-id';

// Visible ASCII without separators that could break a log line or a header: enough for UUIDs, ULIDs and
// the ids proxies generate.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** Keeps a caller's request id when it is safe to echo and log, otherwise makes a new one. */
export function resolveRequestId(incoming: string | string[] | undefined): string {
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  return value !== undefined && SANE_REQUEST_ID.test(value) ? value : randomUUID();
}

/**
 * The label a request is counted under: the matched route pattern, never the raw URL, so a scan of
 * random paths cannot blow up the metric's cardinality. Routes see the pattern as registered on their
 * router; the service router is mounted at `/`, so that is the full path.
 */
export function routeLabel(req: Request): string {
  const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? path : 'unmatched';
}

// Probes and scrapes arrive every few seconds; logging them at info would drown everything else.
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * First middleware of every app: assigns the request id, binds a child logger, and on completion writes
 * one log line and the HTTP metrics for the request.
 */
export function requestContext(logger: Logger, metrics: RuntimeMetrics): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const requestId = resolveRequestId(req.headers[REQUEST_ID_HEADER]);
    req.requestId = requestId;
    req.log = logger.child({ requestId });
    res.setHeader(REQUEST_ID_HEADER, requestId);

    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeLabel(req);
      const method = req.method;
      // A client that hangs up before the response is complete gets nginx's 499 so it is not counted
      // as whatever status the handler had set so far.
      const status = res.writableFinished ? res.statusCode : 499;
      metrics.httpRequests.inc({ method, route, status: String(status) });
      metrics.httpDuration.observe({ method, route }, seconds);

      const entry = {
        method,
        path: req.originalUrl.split('?')[0],
        route,
        status,
        durationMs: Math.round(seconds * 1e4) / 10,
        code: res.locals.problemCode as string | undefined,
      };
      const message = res.writableFinished ? 'request completed' : 'request aborted';
      if (QUIET_PATHS.has(route) && status < 400) req.log.debug(entry, message);
      else req.log.info(entry, message);
    });
    next();
  };
}
