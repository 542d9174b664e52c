import { waitFor } from '@orderflow/runtime';
import { finishedOrder, RefundsHarness } from './support';

const GRACE_MS = 1_500;
const h = new RefundsHarness({ REFUND_GRACE_MS: String(GRACE_MS) });

beforeAll(async () => {
  await h.start();
});

afterAll(async () => {
  await h.stop();
});

test('a request whose order outcome never arrives is rejected as ORDER_UNKNOWN after the grace period', async () => {
  const order = finishedOrder({ total_cents: 2_000 });
  const answer = await h.post({ order_id: order.order_id, amount_cents: 500, reason: 'lost in the post' });
  const refundId = answer.body.refund_id as string;
  const waiting = await waitFor('the request to wait', async () => {
    const { body } = await h.get(`/refunds/${refundId}`);
    return body.status === 'WAITING' && body;
  });

  const outcome = await h.outcome(order.order_id, refundId, 15_000);

  expect(outcome).toMatchObject({
    topic: 'refunds.rejected',
    value: {
      reason: 'ORDER_UNKNOWN',
      requested_amount_cents: 500,
      currency: null,
      customer: null,
      remaining_refundable_cents: null,
      detail: `no outcome of order ${order.order_id} arrived within ${GRACE_MS} ms`,
    },
  });
  const rejected = await h.get(`/refunds/${refundId}`);
  expect(rejected.body).toMatchObject({ status: 'REJECTED', rejection_reason: 'ORDER_UNKNOWN' });
  // Not before the grace period was over.
  const waitedMs =
    Date.parse(rejected.body.decided_at as string) - Date.parse(waiting.waiting_since as string);
  expect(waitedMs).toBeGreaterThanOrEqual(GRACE_MS);

  // An outcome arriving afterwards does not revive it; a new request is decided against it.
  await h.finish(order);
  const retry = await h.post({ order_id: order.order_id, amount_cents: 500, reason: 'lost in the post' });
  expect(await h.outcome(order.order_id, retry.body.refund_id as string)).toMatchObject({
    topic: 'refunds.processed',
    value: { amount_cents: 500, remaining_refundable_cents: 1_500 },
  });
  await h.settled();
  expect((await h.outcomes(order.order_id)).filter((o) => o.value.refund_id === refundId)).toHaveLength(1);
});
