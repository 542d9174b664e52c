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

/** Paths (`['items', 0, 'name']`) of the strings in a parsed value that hold a NUL character. */
function nulPaths(
  value: unknown,
  path: (string | number)[] = [],
  into: (string | number)[][] = [],
): (string | number)[][] {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) into.push(path);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => nulPaths(item, [...path, index], into));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) nulPaths(item, [...path, key], into);
  }
  return into;
}

function invalid(part: RequestPart, errors: FieldError[]): AppError {
  return new AppError({
    code: VALIDATION_ERROR_CODE,
    message: `The request ${part} is invalid.`,
    httpStatus: 400,
    details: { errors },
  });
}

function parsePart<S extends z.ZodType>(schema: S, part: RequestPart, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(part, fieldErrors(part, result.error.issues));
  // No text column takes a NUL (Postgres refuses it with an error), and no identifier or reason needs one:
  // refuse it here, for every route, rather than as a 500 from wherever the value is stored or looked up.
  const withNul = nulPaths(result.data);
  if (withNul.length > 0) {
    throw invalid(
      part,
      withNul.map((path) => ({
        field: [part, ...path.map(String)].join('.'),
        message: 'must not contain a NUL character',
      })),
    );
  }
  return result.data;
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
