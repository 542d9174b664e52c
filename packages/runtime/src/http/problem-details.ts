import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';
import { AppError } from '../errors';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface FieldError {
  field: string;
  message: string;
}

/** RFC 9457 problem details, with our `code` and `request_id` extension members. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance: string;
  request_id: string;
  errors?: FieldError[];
}

export interface ProblemContext {
  /** The request path, without the query string (it may carry things that do not belong in a response). */
  instance: string;
  requestId: string;
}

const GENERIC_SERVER_DETAIL =
  'The server could not complete the request; quote the request id when reporting it.';

function statusTitle(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

/** `413` -> `HTTP.PAYLOAD_TOO_LARGE`: a stable code for errors that do not bring their own. */
export function codeForStatus(status: number): string {
  return `HTTP.${statusTitle(status)
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_|_$/g, '')}`;
}

export function problem(
  status: number,
  code: string,
  detail: string,
  context: ProblemContext,
  errors?: FieldError[],
): Problem {
  // `about:blank` says "the status code is the semantics"; clients branch on `code` for more.
  const body: Problem = {
    type: 'about:blank',
    title: statusTitle(status),
    status,
    code,
    detail,
    instance: context.instance,
    request_id: context.requestId,
  };
  if (errors && errors.length > 0) body.errors = errors;
  return body;
}

function isFieldErrorList(value: unknown): value is FieldError[] {
  return (
    Array.isArray(value) &&
    value.every(
      (item) =>
        typeof item === 'object' &&
        item !== null &&
        typeof (item as FieldError).field === 'string' &&
        typeof (item as FieldError).message === 'string',
    )
  );
}

/** The shape body-parser (via http-errors) gives its errors. */
interface HttpError {
  status: number;
  type?: string;
  expose?: boolean;
  message: string;
  limit?: number;
}

function asClientHttpError(error: unknown): HttpError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const candidate = error as Partial<HttpError> & { statusCode?: unknown };
  const status = typeof candidate.status === 'number' ? candidate.status : candidate.statusCode;
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  return {
    status,
    type: typeof candidate.type === 'string' ? candidate.type : undefined,
    expose: candidate.expose,
    message: typeof candidate.message === 'string' ? candidate.message : '',
    limit: typeof candidate.limit === 'number' ? candidate.limit : undefined,
  };
}

export interface ProblemMapping {
  problem: Problem;
  /** True when the failure is ours, not the client's: log the full error. */
  internal: boolean;
}

/**
 * Turns anything thrown while serving a request into the problem a client may see. Only AppErrors and
 * client errors raised by the HTTP stack (body parsing) keep their message; everything else becomes a
 * generic 500 so no internals leak. `details` of an AppError stay in the logs, except a list of field
 * errors, which is exactly what a client needs to fix its request.
 */
export function toProblem(error: unknown, context: ProblemContext): ProblemMapping {
  if (error instanceof AppError) {
    const status = error.httpStatus >= 400 && error.httpStatus <= 599 ? error.httpStatus : 500;
    const internal = status >= 500;
    const errors = isFieldErrorList(error.details?.errors) ? error.details.errors : undefined;
    const detail = internal ? GENERIC_SERVER_DETAIL : error.message;
    return { problem: problem(status, error.code, detail, context, errors), internal };
  }

  const httpError = asClientHttpError(error);
  if (httpError) {
    const { status } = httpError;
    if (httpError.type === 'entity.parse.failed') {
      // The parser's message quotes the body back; a fixed sentence is enough.
      return {
        problem: problem(status, 'HTTP.MALFORMED_JSON', 'The request body is not valid JSON.', context),
        internal: false,
      };
    }
    if (httpError.type === 'entity.too.large') {
      const limit = httpError.limit === undefined ? '' : ` of ${httpError.limit} bytes`;
      return {
        problem: problem(
          status,
          codeForStatus(status),
          `The request body exceeds the limit${limit}.`,
          context,
        ),
        internal: false,
      };
    }
    const detail = httpError.expose === false || !httpError.message ? statusTitle(status) : httpError.message;
    return { problem: problem(status, codeForStatus(status), detail, context), internal: false };
  }

  return { problem: problem(500, 'HTTP.INTERNAL', GENERIC_SERVER_DETAIL, context), internal: true };
}

export function sendProblem(res: Response, body: Problem): void {
  res.status(body.status).type(PROBLEM_CONTENT_TYPE).json(body);
}
