/**
 * The one error type services raise on purpose. `retryable` decides what a consumer does with it:
 * retry the batch with backoff (transient) or dead-letter the message (it can never succeed).
 */
export interface AppErrorOptions {
  code: string;
  message: string;
  httpStatus?: number;
  retryable?: boolean;
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class AppError extends Error {
  readonly code: string;
  readonly httpStatus: number;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(options: AppErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = options.code;
    this.httpStatus = options.httpStatus ?? 500;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }
}

/** A message that can never be processed: dead-letter it and move on. */
export function poison(code: string, message: string, details?: Record<string, unknown>): AppError {
  return new AppError({ code, message, httpStatus: 422, retryable: false, details });
}

// SQLSTATE classes that a later attempt can succeed past: connection trouble, serialization, deadlock,
// lock timeouts, shutdown of the server, too many connections.
const TRANSIENT_SQLSTATES = new Set([
  '40001',
  '40P01',
  '55P03',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
]);
const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export type ErrorKind = 'transient' | 'permanent' | 'unknown';

/**
 * Sorts an error for a consumer: transient ones (connection trouble, serialization failures, retryable
 * AppErrors) are retried for as long as it takes; permanent ones dead-letter the message; unknown ones
 * (a plain bug or surprise) are retried a few times and then treated as permanent so one bad message
 * cannot stall its partition for ever.
 */
export function classifyError(error: unknown): ErrorKind {
  if (error instanceof AppError) return error.retryable ? 'transient' : 'permanent';
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (TRANSIENT_SQLSTATES.has(code) || TRANSIENT_NODE_CODES.has(code)) return 'transient';
      // Class 22 (data exception) and 23 (integrity violation) fail the same way every time.
      if (/^2[23][0-9A-Z]{3}$/.test(code)) return 'permanent';
    }
    // Errors from other packages (contracts' DecodeError/EncodeError, kafkajs) say so themselves.
    const retryable = (error as { retryable?: unknown }).retryable;
    if (typeof retryable === 'boolean') return retryable ? 'transient' : 'permanent';
    const retriable = (error as { retriable?: unknown }).retriable;
    if (retriable === true) return 'transient';
    if (
      error instanceof Error &&
      /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
        error.message,
      )
    ) {
      return 'transient';
    }
  }
  return 'unknown';
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

export function errorCode(error: unknown): string {
  if (error instanceof AppError) return error.code;
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if (error instanceof Error && error.name) return error.name;
  }
  return 'UNKNOWN';
}
