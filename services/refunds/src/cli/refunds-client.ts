// The HTTP side of the refunds CLI: requests, and the one line a person sees when one fails. No runtime
// imports, so the CLI starts fast.
import { InvalidArgumentError } from 'commander';

export const DEFAULT_URL = 'http://127.0.0.1:3004';
const REQUEST_TIMEOUT_MS = 10_000;

/** A failure to report in one line and exit 1. */
export class CliError extends Error {}

interface ProblemBody {
  code?: unknown;
  detail?: unknown;
  title?: unknown;
  errors?: unknown;
}

/** `HTTP 422 REFUNDS.IDEMPOTENCY_CONFLICT: <detail>`, with field errors the detail does not mention. */
export function problemLine(status: number, body: unknown): string {
  const problem: ProblemBody = typeof body === 'object' && body !== null ? (body as ProblemBody) : {};
  const code = typeof problem.code === 'string' ? ` ${problem.code}` : '';
  const detail =
    typeof problem.detail === 'string'
      ? problem.detail
      : typeof problem.title === 'string'
        ? problem.title
        : typeof body === 'string' && body.trim() !== ''
          ? body.trim().split('\n')[0]!.slice(0, 200)
          : 'no detail';
  const fields = Array.isArray(problem.errors)
    ? problem.errors
        .filter(
          (e): e is { field: string; message: string } =>
            typeof e === 'object' &&
            e !== null &&
            typeof e.field === 'string' &&
            typeof e.message === 'string',
        )
        .filter((e) => !detail.includes(e.field))
        .map((e) => `${e.field} ${e.message}`)
    : [];
  return `HTTP ${status}${code}: ${detail}${fields.length > 0 ? ` (${fields.join('; ')})` : ''}`;
}

/** A positive whole number of cents, as typed on the command line. */
export function parseAmount(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) <= 0) {
    throw new InvalidArgumentError('must be a whole number of cents greater than 0.');
  }
  return Number(value);
}

function endpoint(base: string, path: string): URL {
  try {
    return new URL(path, base);
  } catch {
    throw new CliError(`not a URL: ${base}`);
  }
}

/** Sends a request and returns the parsed JSON answer; anything but a 2xx becomes a CliError. */
export async function callApi(
  base: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<unknown> {
  const url = endpoint(base, path);
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method ?? 'GET',
      headers: {
        accept: 'application/json',
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const why =
      error instanceof Error && error.name === 'TimeoutError'
        ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`
        : typeof cause?.code === 'string'
          ? cause.code
          : typeof cause?.message === 'string'
            ? cause.message
            : error instanceof Error
              ? error.message
              : String(error);
    throw new CliError(`cannot reach ${url.origin}: ${why}`);
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page): shown as text.
  }
  if (!response.ok) throw new CliError(problemLine(response.status, body));
  return body;
}
