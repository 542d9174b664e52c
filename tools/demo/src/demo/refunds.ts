import { DemoError, pause, requestJson, throwIfAborted } from './http';
import type { OrderView } from './orders';

/** The refunds service's dev default (services/refunds/src/config.ts); API_TOKEN overrides it. */
export const DEV_API_TOKEN = 'orderflow-dev-api-token-change-me';

export interface PlannedRefund {
  order: OrderView;
  /** null: everything that remains. */
  amountCents: number | null;
  reason: string;
  idempotencyKey: string;
}

export interface RefundOutcome extends PlannedRefund {
  refundId: string;
  status: string;
  refundedCents: number | null;
  rejection: string | null;
  /** The service had this request already (a rerun of the demo). */
  replayed: boolean;
}

/**
 * A few PAID orders to refund, spread over the currencies (the busiest first), alternating full and
 * partial refunds. Keys derive from the order, so running the demo again replays the same requests
 * instead of refunding twice.
 */
export function planRefunds(final: readonly OrderView[], wanted = 4): PlannedRefund[] {
  const paid = final.filter((o) => o.status === 'PAID').sort((a, b) => a.order_id.localeCompare(b.order_id));
  const byCurrency = new Map<string, OrderView[]>();
  for (const order of paid)
    byCurrency.set(order.currency, [...(byCurrency.get(order.currency) ?? []), order]);
  const queues = [...byCurrency.values()].sort((a, b) => b.length - a.length);
  const chosen: OrderView[] = [];
  for (let round = 0; chosen.length < wanted && queues.some((q) => q.length > round); round += 1) {
    for (const queue of queues) {
      const order = queue[round];
      if (order && chosen.length < wanted) chosen.push(order);
    }
  }
  return chosen.map((order, i) => {
    const full = i % 2 === 0;
    return {
      order,
      amountCents: full ? null : Math.max(1, Math.floor(order.total_cents / 4)),
      reason: full ? 'demo: parcel lost in transit' : 'demo: goodwill, item arrived damaged',
      idempotencyKey: `demo-refund-${order.order_id}`,
    };
  });
}

interface RefundReply {
  refund_id: string;
  status: string;
  amount_cents?: number | null;
  rejection_reason?: string | null;
}

/** Requests each refund and waits (bounded) for its decision. */
export async function issueRefunds(options: {
  refundsUrl: string;
  token: string;
  planned: readonly PlannedRefund[];
  timeoutMs: number;
  signal: AbortSignal;
}): Promise<RefundOutcome[]> {
  const outcomes: RefundOutcome[] = [];
  for (const refund of options.planned) {
    throwIfAborted(options.signal);
    const reply = await requestJson<RefundReply & { code?: string; message?: string }>(
      `${options.refundsUrl}/refunds`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${options.token}`,
          'idempotency-key': refund.idempotencyKey,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          order_id: refund.order.order_id,
          ...(refund.amountCents === null ? {} : { amount_cents: refund.amountCents }),
          reason: refund.reason,
        }),
      },
    );
    if (reply.status !== 202 && reply.status !== 200) {
      throw new DemoError(
        `refund of ${refund.order.order_id}: HTTP ${reply.status} ${reply.body?.code ?? ''} ${reply.body?.message ?? ''}`.trim(),
      );
    }
    outcomes.push({
      ...refund,
      refundId: reply.body.refund_id,
      status: reply.body.status,
      refundedCents: null,
      rejection: null,
      replayed: reply.status === 200,
    });
  }
  const deadline = Date.now() + options.timeoutMs;
  for (const outcome of outcomes) {
    for (;;) {
      const { status, body } = await requestJson<RefundReply>(
        `${options.refundsUrl}/refunds/${outcome.refundId}`,
      );
      if (status === 200 && (body.status === 'REFUNDED' || body.status === 'REJECTED')) {
        outcome.status = body.status;
        outcome.refundedCents = body.amount_cents ?? null;
        outcome.rejection = body.rejection_reason ?? null;
        break;
      }
      if (Date.now() > deadline) {
        outcome.status = status === 200 ? body.status : `HTTP ${status}`;
        break;
      }
      await pause(200, options.signal);
    }
  }
  return outcomes;
}
