import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { RegistryError } from '../domain/registry.errors';
import { send } from './http.helpers';

export const notFound: RequestHandler = (req, res) => {
  send(res, 404, { error_code: 404, message: `HTTP 404 Not Found: ${req.method} ${req.path}` });
};

interface HttpishError {
  status?: unknown;
  type?: unknown;
  message?: unknown;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (error instanceof RegistryError) {
      send(res, error.httpStatus, { error_code: error.errorCode, message: error.message });
      return;
    }
    // body-parser and express raise plain errors carrying a 4xx status (malformed JSON, body too large,
    // undecodable URL): those are the caller's mistakes, not ours.
    const { status, type, message } = (error ?? {}) as HttpishError;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const detail = typeof message === 'string' ? message : 'Bad request';
      const text = type === 'entity.parse.failed' ? `Malformed JSON body: ${detail}` : detail;
      send(res, status, { error_code: status, message: text });
      return;
    }
    logger.error({ err: error, method: req.method, url: req.originalUrl }, 'request failed');
    send(res, 500, { error_code: 50001, message: 'Error in the backend data store' });
  };
}
