/** Thrown when the user pressed Ctrl-C: the demo stops what it started and leaves. */
export class DemoAborted extends Error {
  constructor() {
    super('interrupted');
  }
}

/** A failure the user can act on: printed as one line, no stack. */
export class DemoError extends Error {}

export interface JsonReply<T> {
  status: number;
  body: T;
  headers: Headers;
}

export async function requestJson<T>(
  url: string,
  init: RequestInit & { timeoutMs?: number } = {},
): Promise<JsonReply<T>> {
  const { timeoutMs = 35_000, ...rest } = init;
  const response = await fetch(url, { ...rest, signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = { message: text.slice(0, 200) };
  }
  return { status: response.status, body: body as T, headers: response.headers };
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next;
        next += 1;
        results[index] = await fn(items[index] as T);
      }
    }),
  );
  return results;
}

/** Waits `ms`, or less when `signal` fires (then throws DemoAborted). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new DemoAborted());
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new DemoAborted());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new DemoAborted();
}
