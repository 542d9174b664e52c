// The two invariants of the issue, under concurrency: refunds of an order never exceed what was paid,
// and one idempotency key is one refund.
import { refundIdFor } from '../src/domain/refund-request';
import { finishedOrder, newKey, RefundsHarness, type Outcome } from './support';

const h = new RefundsHarness();

beforeAll(async () => {
  await h.start();
});

afterAll(async () => {
  await h.stop();
});

test('20 concurrent requests adding up to more than was paid: what is granted adds up to at most the paid total, exactly', async () => {
  const paid = 10_000;
  const order = finishedOrder({ total_cents: paid });
  await h.finish(order);
  // 500, 600, ... 2400 cents (29,000 in all, nearly three times what was paid), shuffled so that small
  // amounts still fit after large ones were refused.
  const amounts = Array.from({ length: 20 }, (_, i) => 500 + ((i * 7) % 20) * 100);
  const keys = amounts.map(() => newKey());

  const answers = await Promise.all(
    amounts.map((amount_cents, i) =>
      h.post({ order_id: order.order_id, amount_cents, reason: `request ${i}` }, { key: keys[i] }),
    ),
  );
  expect(answers.map((a) => a.status)).toEqual(amounts.map(() => 202));
  const refundIds = keys.map(refundIdFor);
  expect(answers.map((a) => a.body.refund_id)).toEqual(refundIds);

  const outcomes: Outcome[] = await Promise.all(refundIds.map((id) => h.outcome(order.order_id, id)));
  await h.settled();

  const granted = outcomes.filter((o) => o.topic === 'refunds.processed');
  const refused = outcomes.filter((o) => o.topic === 'refunds.rejected');
  expect(granted.length + refused.length).toBe(20);
  expect(await h.outcomes(order.order_id)).toHaveLength(20);
  const grantedTotal = granted.reduce((sum, o) => sum + o.value.amount_cents, 0);
  expect(grantedTotal).toBeLessThanOrEqual(paid);

  // Decided one at a time: each grant raised the running total by its amount, from 0 up to what was granted.
  const byTotal = [...granted].sort((a, b) => a.value.refunded_total_cents - b.value.refunded_total_cents);
  let running = 0;
  for (const { value } of byTotal) {
    running += value.amount_cents;
    expect(value.refunded_total_cents).toBe(running);
    expect(value.remaining_refundable_cents).toBe(paid - running);
  }
  // ...and each refusal was right when it was made: its amount did not fit in what was left (nothing at
  // all was left once the grants happened to add up to exactly what was paid).
  for (const { value } of refused) {
    expect(value.reason).toBe(
      value.remaining_refundable_cents === 0 ? 'NOTHING_LEFT_TO_REFUND' : 'AMOUNT_EXCEEDS_REMAINING',
    );
    expect(value.requested_amount_cents!).toBeGreaterThan(value.remaining_refundable_cents!);
  }
  // Nothing that would still fit was refused: the smallest refused amount exceeds what is left at the end.
  const left = paid - grantedTotal;
  expect(Math.min(...refused.map((o) => o.value.requested_amount_cents!))).toBeGreaterThan(left);

  // The service's own records say the same.
  const listed = await h.get<{
    refunded_cents: number;
    remaining_refundable_cents: number;
    refunds: { status: string; amount_cents: number | null }[];
  }>(`/orders/${order.order_id}/refunds`);
  expect(listed.body.refunded_cents).toBe(grantedTotal);
  expect(listed.body.remaining_refundable_cents).toBe(left);
  expect(listed.body.refunds).toHaveLength(20);
  expect(
    listed.body.refunds.filter((r) => r.status === 'REFUNDED').reduce((s, r) => s + r.amount_cents!, 0),
  ).toBe(grantedTotal);
  expect(listed.body.refunds.filter((r) => r.status === 'REJECTED')).toHaveLength(refused.length);
});

test('the same request replayed 100 times at once makes one refund, one refunds.requested, one outcome', async () => {
  const order = finishedOrder({ total_cents: 5_000 });
  await h.finish(order);
  const key = newKey();
  const body = { order_id: order.order_id, amount_cents: 1_234, reason: 'replayed by a nervous client' };

  const answers = await Promise.all(Array.from({ length: 100 }, () => h.post(body, { key })));

  const refundId = refundIdFor(key);
  expect(new Set(answers.map((a) => a.body.refund_id))).toEqual(new Set([refundId]));
  expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
  expect(answers.filter((a) => a.status === 200)).toHaveLength(99);
  await h.outcome(order.order_id, refundId);
  await h.settled();
  const rows = await h.dbQuery<{ n: number }>(
    'SELECT count(*)::int AS n FROM {schema}.refunds WHERE order_id = $1',
    [order.order_id],
  );
  expect(rows[0]!.n).toBe(1);
  expect((await h.requested(order.order_id)).map((e) => e.refund_id)).toEqual([refundId]);
  expect(await h.outcomes(order.order_id)).toEqual([
    expect.objectContaining({
      topic: 'refunds.processed',
      value: expect.objectContaining({ amount_cents: 1_234 }),
    }),
  ]);
});
