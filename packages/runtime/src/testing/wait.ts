import { randomBytes } from 'node:crypto';

/**
 * Polls `probe` until it returns a value other than undefined/false, or fails after `timeoutMs` with the
 * last value seen, so a failing test says what it was waiting for.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      // Not `instanceof Error`: errors from another realm (jest's sandbox vs Node's fetch) fail that test.
      const detail =
        typeof last === 'object' && last !== null && 'message' in last
          ? String((last as { message: unknown }).message)
          : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${detail})`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}

/** A name no other test run uses: topics, schemas, groups. Lowercase so it is a valid Postgres identifier. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}
