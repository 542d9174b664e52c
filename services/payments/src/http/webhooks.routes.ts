import express, { type Request, type Router } from 'express';
import { AppError, JSON_CONTENT_TYPES, DELIVERY_ID_HEADER, SIGNATURE_HEADER } from '@orderflow/runtime';
import { receiveCallback, type CallbackDeps, type IncomingCallback } from '../use-cases/receive-callback';
import { receiveCallbackBatch } from '../use-cases/receive-callback-batch';

/**
 * The exact bytes of the request body. The shared HTTP stack parses JSON bodies before service routes
 * run, which loses them, so the gateway sends its callbacks as application/octet-stream and this route
 * reads them raw. `rawBody` is taken first should the shared stack ever keep it for JSON bodies.
 */
function rawBody(req: Request): Buffer | undefined {
  const kept = (req as Request & { rawBody?: unknown }).rawBody;
  if (Buffer.isBuffer(kept)) return kept;
  if (Buffer.isBuffer(req.body)) return req.body;
  // No body at all: verify it as empty, which fails like any unsigned request.
  if (req.body === undefined) return Buffer.alloc(0);
  return undefined;
}

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The callback as the use-cases take it: raw bytes and the signature and delivery id headers. */
function incomingCallback(req: Request, what: string): IncomingCallback {
  const raw = rawBody(req);
  if (!raw) {
    throw new AppError({
      code: 'PAYMENTS.WEBHOOK_UNVERIFIABLE',
      message: `Send the ${what} as application/octet-stream: a body sent as ${JSON_CONTENT_TYPES[0]} is parsed before its signature can be checked.`,
      httpStatus: 415,
    });
  }
  return {
    raw,
    signature: header(req, SIGNATURE_HEADER),
    deliveryId: header(req, DELIVERY_ID_HEADER),
    nowSeconds: Math.floor(Date.now() / 1000),
  };
}

export function webhooksRoutes(router: Router, deps: CallbackDeps & { bodyLimit: number }): void {
  router.post(
    '/webhooks/gateway',
    express.raw({ type: () => true, limit: deps.bodyLimit }),
    async (req, res) => {
      const result = await receiveCallback(deps, incomingCallback(req, 'callback'), req.log);
      res.status(200).json(result);
    },
  );
  router.post(
    '/webhooks/gateway/batch',
    express.raw({ type: () => true, limit: deps.bodyLimit }),
    async (req, res) => {
      const result = await receiveCallbackBatch(deps, incomingCallback(req, 'callback batch'), req.log);
      res.status(200).json(result);
    },
  );
}
