import { DemoAborted, DemoError, mapLimit, pause, requestJson, throwIfAborted } from './http';

export interface OrderView {
  order_id: string;
  status: 'PENDING' | 'PLACED' | 'RESERVED' | 'PAID' | 'FAILED';
  reason: string | null;
  currency: string;
  total_cents: number;
  placed_at: string;
}

export interface OrderOutcomes {
  /** Orders that reached PAID or FAILED, in the order asked. */
  final: OrderView[];
  /** Ids the importer refused (a bad row) that the orders service does not know. */
  notImported: string[];
  /** Ids still not final when the time ran out. */
  unfinished: string[];
}

const CONCURRENCY = 16;
/** One long poll; the orders service caps it at 30 s. */
const WAIT_MS = 10_000;

/**
 * Waits until every imported order is PAID or FAILED, with the orders API's long poll
 * (`?wait=final`, woken by Postgres NOTIFY when an order finishes), a few in flight at a time.
 */
export async function waitForOrders(options: {
  ordersUrl: string;
  ids: readonly string[];
  rejected: ReadonlySet<string>;
  timeoutMs: number;
  signal: AbortSignal;
  onProgress: (done: number, total: number) => void;
}): Promise<OrderOutcomes> {
  const deadline = Date.now() + options.timeoutMs;
  let done = 0;
  const total = options.ids.length;
  const results = await mapLimit(options.ids, CONCURRENCY, async (id) => {
    const outcome = await waitForOne(options, id, deadline);
    done += 1;
    options.onProgress(done, total);
    return outcome;
  });
  const outcomes: OrderOutcomes = { final: [], notImported: [], unfinished: [] };
  results.forEach((result, i) => {
    const id = options.ids[i] as string;
    if (result === 'not-imported') outcomes.notImported.push(id);
    else if (result === 'unfinished') outcomes.unfinished.push(id);
    else outcomes.final.push(result);
  });
  return outcomes;
}

async function waitForOne(
  options: { ordersUrl: string; rejected: ReadonlySet<string>; signal: AbortSignal },
  id: string,
  deadline: number,
): Promise<OrderView | 'not-imported' | 'unfinished'> {
  const url = `${options.ordersUrl}/orders/${encodeURIComponent(id)}`;
  if (options.rejected.has(id)) {
    // Refused by the importer; only an id that also had a good, earlier occurrence exists.
    const { status } = await requestJson<OrderView>(url);
    if (status === 404) return 'not-imported';
  }
  for (;;) {
    throwIfAborted(options.signal);
    const left = deadline - Date.now();
    if (left <= 0) return 'unfinished';
    let reply;
    try {
      reply = await requestJson<OrderView>(`${url}?wait=final&timeout_ms=${Math.min(WAIT_MS, left)}`);
    } catch (error) {
      if (options.signal.aborted) throw new DemoAborted();
      throw new DemoError(
        `orders service at ${options.ordersUrl} did not answer: ${(error as Error).message}`,
      );
    }
    if (reply.status === 200 && (reply.body.status === 'PAID' || reply.body.status === 'FAILED'))
      return reply.body;
    if (reply.status !== 200 && reply.status !== 404) {
      throw new DemoError(`GET ${url} answered ${reply.status}: ${JSON.stringify(reply.body).slice(0, 200)}`);
    }
    // 404: not consumed yet (the long poll already waited); otherwise still in flight.
    if (reply.status === 404) await pause(250, options.signal);
  }
}

/** "PAID", "FAILED (OUT_OF_STOCK)", ... with counts, in a stable order. */
export function outcomeCounts(outcomes: OrderOutcomes): [string, number][] {
  const counts = new Map<string, number>();
  const add = (key: string, n = 1): void => void counts.set(key, (counts.get(key) ?? 0) + n);
  if (outcomes.notImported.length > 0) add('not imported (bad rows)', outcomes.notImported.length);
  for (const order of outcomes.final) add(order.reason ? `${order.status} (${order.reason})` : order.status);
  if (outcomes.unfinished.length > 0) add('not final yet', outcomes.unfinished.length);
  const rank = (key: string): number =>
    key.startsWith('not imported') ? 0 : key === 'PAID' ? 1 : key.startsWith('FAILED') ? 2 : 3;
  return [...counts].sort((a, b) => rank(a[0]) - rank(b[0]) || b[1] - a[1] || a[0].localeCompare(b[0]));
}
