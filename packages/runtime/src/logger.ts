import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Paths whose values never reach a log line, whatever the level. */
export const REDACT_PATHS = [
  'password',
  'token',
  'secret',
  'apiToken',
  'authorization',
  '*.password',
  '*.token',
  '*.secret',
  '*.apiToken',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-signature"]',
  'headers.authorization',
  'config.API_TOKEN',
  'config.WEBHOOK_SECRET',
  'config.DATABASE_URL',
];

export interface CreateLoggerOptions {
  service: string;
  level?: string;
  /** Where lines go; tests pass a stream to read them back. */
  destination?: pino.DestinationStream;
}

export function createLogger(options: CreateLoggerOptions): Logger {
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

/** A child logger that carries the ids an operator greps for. */
export function eventLogger(
  log: Logger,
  ids: { orderId?: string | null; eventId?: string | null; topic?: string },
): Logger {
  const bindings: Record<string, string> = {};
  if (ids.orderId) bindings.orderId = ids.orderId;
  if (ids.eventId) bindings.eventId = ids.eventId;
  if (ids.topic) bindings.topic = ids.topic;
  return log.child(bindings);
}

/** `ada@example.com` -> `a***@example.com`: enough to tell customers apart, not enough to mail them. */
export function maskEmail(email: string): string {
  const at = email.indexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}
