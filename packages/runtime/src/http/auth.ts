import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AppError } from '../errors';

const BEARER = /^Bearer +(\S+) *$/i;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The token from `Authorization: Bearer <token>`, or undefined when the header is absent or another scheme. */
export function bearerToken(header: string | undefined): string | undefined {
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}

/**
 * Lets a request through only with `Authorization: Bearer <token>`. Both sides are hashed before the
 * constant-time comparison so neither the token's content nor its length shows in the timing.
 * Missing and wrong credentials are both 401 (RFC 6750); only the detail and challenge differ.
 */
export function requireBearer(token: string): RequestHandler {
  // A blank token in config is always a mistake; fail when the app is built, not on the first request.
  if (token.trim() === '') throw new Error('requireBearer: the token must not be empty');
  const expected = digest(token);

  return (req: Request, res: Response, next: NextFunction) => {
    const presented = bearerToken(req.headers.authorization);
    if (presented === undefined) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      next(
        new AppError({
          code: 'HTTP.UNAUTHORIZED',
          message: 'This endpoint needs an Authorization: Bearer token.',
          httpStatus: 401,
        }),
      );
      return;
    }
    if (!timingSafeEqual(digest(presented), expected)) {
      res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      next(
        new AppError({
          code: 'HTTP.INVALID_TOKEN',
          message: 'The bearer token is not valid.',
          httpStatus: 401,
        }),
      );
      return;
    }
    next();
  };
}
