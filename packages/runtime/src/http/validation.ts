import type { Request } from 'express';
import type { z } from 'zod';
import { AppError } from '../errors';
import type { FieldError } from './problem-details';

export type RequestPart = 'query' | 'body' | 'params';

export const VALIDATION_ERROR_CODE = 'HTTP.VALIDATION';

/** Content types the app parses as JSON (`+json` covers merge-patch and friends). */
export const JSON_CONTENT_TYPES = ['application/json', 'application/*+json'];

/** `['items', 0, 'qty']` in the body -> `body.items.0.qty`, so a client knows where to look. */
export function fieldErrors(part: RequestPart, issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.map((issue) => ({
    field: [part, ...issue.path.map((key) => String(key))].join('.'),
    message: issue.message,
  }));
}

function parsePart<S extends z.ZodType>(schema: S, part: RequestPart, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new AppError({
    code: VALIDATION_ERROR_CODE,
    message: `The request ${part} is invalid.`,
    httpStatus: 400,
    details: { errors: fieldErrors(part, result.error.issues) },
  });
}

/** Parses `req.query` (Express 5 re-parses it on each access and it cannot be reassigned: use the result). */
export function parseQuery<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  return parsePart(schema, 'query', req.query);
}

export function parseParams<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  return parsePart(schema, 'params', req.params);
}

/**
 * Parses the JSON body. A body sent with another content type is never parsed, so it is refused as such
 * (415) rather than reported as a missing body.
 */
export function parseBody<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  // `req.is` is null without a body and false when the body has another type.
  if (req.body === undefined && req.is(JSON_CONTENT_TYPES) === false) {
    throw new AppError({
      code: 'HTTP.UNSUPPORTED_MEDIA_TYPE',
      message: 'The request body must be application/json.',
      httpStatus: 415,
    });
  }
  return parsePart(schema, 'body', req.body);
}
