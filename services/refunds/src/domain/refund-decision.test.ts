import {
  applyDecision,
  decideInOrder,
  decideRefund,
  graceExpired,
  type OrderStanding,
} from './refund-decision';

const paid = (paidCents: number, refundedCents = 0): OrderStanding => ({
  orderId: 'ord-1',
  status: 'PAID',
  paidCents,
  refundedCents,
});

describe('decideRefund', () => {
  test('an order whose outcome is not known yet makes the request wait', () => {
    expect(decideRefund({ orderId: 'ord-1', status: null, paidCents: 0, refundedCents: 0 }, 100)).toEqual({
      kind: 'wait',
    });
  });

  test('a FAILED order is never refunded', () => {
    expect(
      decideRefund({ orderId: 'ord-1', status: 'FAILED', paidCents: 0, refundedCents: 0 }, null),
    ).toEqual(expect.objectContaining({ kind: 'reject', reason: 'ORDER_NOT_PAID', remainingCents: null }));
  });

  test('a partial refund within what remains is granted and lowers what remains', () => {
    expect(decideRefund(paid(10_000, 2_500), 5_000)).toEqual({
      kind: 'refund',
      amountCents: 5_000,
      refundedTotalCents: 7_500,
      remainingCents: 2_500,
    });
  });

  test('exactly what remains is granted', () => {
    expect(decideRefund(paid(10_000, 2_500), 7_500)).toMatchObject({ kind: 'refund', remainingCents: 0 });
  });

  test('one cent more than remains is refused with what remains', () => {
    expect(decideRefund(paid(10_000, 2_500), 7_501)).toEqual(
      expect.objectContaining({ kind: 'reject', reason: 'AMOUNT_EXCEEDS_REMAINING', remainingCents: 7_500 }),
    );
  });

  test('no amount means everything that remains', () => {
    expect(decideRefund(paid(10_000, 2_500), null)).toEqual({
      kind: 'refund',
      amountCents: 7_500,
      refundedTotalCents: 10_000,
      remainingCents: 0,
    });
  });

  test('an order refunded in full refuses any further request, with or without an amount', () => {
    for (const amount of [null, 1]) {
      expect(decideRefund(paid(10_000, 10_000), amount)).toEqual(
        expect.objectContaining({ kind: 'reject', reason: 'NOTHING_LEFT_TO_REFUND', remainingCents: 0 }),
      );
    }
  });

  test('a PAID order of 0 has nothing to refund', () => {
    expect(decideRefund(paid(0), null)).toMatchObject({ kind: 'reject', reason: 'NOTHING_LEFT_TO_REFUND' });
  });
});

describe('decideInOrder', () => {
  test('each request sees the refunds granted before it, so the total never passes what was paid', () => {
    const { decisions, order } = decideInOrder(paid(10_000), [4_000, 7_000, 6_000, null, 1]);
    expect(decisions.map((d) => (d.kind === 'reject' ? d.reason : d.kind))).toEqual([
      'refund',
      'AMOUNT_EXCEEDS_REMAINING',
      'refund',
      'NOTHING_LEFT_TO_REFUND',
      'NOTHING_LEFT_TO_REFUND',
    ]);
    expect(order.refundedCents).toBe(10_000);
  });

  test('a full refund first leaves nothing for the next one', () => {
    const { decisions } = decideInOrder(paid(3_000), [null, 100]);
    expect(decisions[0]).toMatchObject({ kind: 'refund', amountCents: 3_000 });
    expect(decisions[1]).toMatchObject({ kind: 'reject', reason: 'NOTHING_LEFT_TO_REFUND' });
  });

  test('whatever the amounts and their order, granted refunds add up to at most the paid total', () => {
    for (let round = 0; round < 200; round++) {
      const amounts = Array.from({ length: 20 }, (_, i) =>
        (round + i) % 7 === 0 ? null : 1 + ((round * 7919 + i * 104_729) % 3_000),
      );
      const { decisions, order } = decideInOrder(paid(10_000), amounts);
      const granted = decisions.reduce((sum, d) => sum + (d.kind === 'refund' ? d.amountCents : 0), 0);
      expect(granted).toBe(order.refundedCents);
      expect(granted).toBeLessThanOrEqual(10_000);
    }
  });
});

test('applyDecision only moves the refunded total for a granted refund', () => {
  expect(applyDecision(paid(100), graceExpired('ord-1', 1000))).toEqual(paid(100));
  expect(applyDecision(paid(100), decideRefund(paid(100), 40))).toEqual(paid(100, 40));
});

test('an expired wait is ORDER_UNKNOWN and says how long it waited', () => {
  expect(graceExpired('ord-9', 60_000)).toEqual({
    kind: 'reject',
    reason: 'ORDER_UNKNOWN',
    remainingCents: null,
    detail: 'no outcome of order ord-9 arrived within 60000 ms',
  });
});
