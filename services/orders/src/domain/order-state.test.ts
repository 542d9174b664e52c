import type { PaymentFailureReason } from '@orderflow/contracts';
import { deriveOrderState, isFinal, type OrderFact } from './order-state';

let clock = Date.UTC(2025, 0, 15, 10, 30);
let ids = 0;
const base = () => ({ eventId: `evt-${++ids}`, occurredAt: (clock += 1000) });

const placed = (contentHash = 'hash-a'): OrderFact => ({ ...base(), kind: 'placed', contentHash });
const reserved = (): OrderFact => ({ ...base(), kind: 'reserved', reservationId: 'res-1' });
const rejected = (reason: 'OUT_OF_STOCK' | 'UNKNOWN_SKU' = 'OUT_OF_STOCK'): OrderFact => ({
  ...base(),
  kind: 'rejected',
  reason,
  lines:
    reason === 'UNKNOWN_SKU'
      ? [{ sku: 'SKU-9', reason: 'UNKNOWN_SKU', requested: 1, available: 0 }]
      : [{ sku: 'SKU-1', reason: 'INSUFFICIENT_STOCK', requested: 3, available: 1 }],
});
const succeeded = (paymentId = 'pay-1'): OrderFact => ({ ...base(), kind: 'payment-succeeded', paymentId });
const failed = (
  reason: PaymentFailureReason = 'DECLINED',
  detail: string | null = 'card declined',
): OrderFact => ({
  ...base(),
  kind: 'payment-failed',
  paymentId: 'pay-1',
  reason,
  detail,
});

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
  );
}

const outcomeOf = (facts: OrderFact[]) => {
  const { status, reason, reasonDetail, paymentId, decidedBy, placedBy } = deriveOrderState(facts);
  return { status, reason, reasonDetail, paymentId, decidedBy, placedBy };
};

describe('order state', () => {
  describe('in the usual order', () => {
    test('an order with no facts, or only facts from other topics, is PENDING', () => {
      expect(deriveOrderState([]).status).toBe('PENDING');
      expect(deriveOrderState([reserved(), succeeded()]).status).toBe('PENDING');
    });

    test('orders.placed makes it PLACED, the reservation RESERVED', () => {
      const p = placed();
      expect(outcomeOf([p])).toMatchObject({ status: 'PLACED', placedBy: p.eventId, decidedBy: null });
      expect(outcomeOf([p, reserved()]).status).toBe('RESERVED');
    });

    test('a successful payment of a reserved order makes it PAID, decided by the payment', () => {
      const pay = succeeded('pay-7');
      expect(outcomeOf([placed(), reserved(), pay])).toEqual({
        status: 'PAID',
        reason: null,
        reasonDetail: null,
        paymentId: 'pay-7',
        decidedBy: pay.eventId,
        placedBy: expect.any(String),
      });
    });

    test.each([
      ['OUT_OF_STOCK', 'SKU-1: requested 3, available 1'],
      ['UNKNOWN_SKU', 'SKU-9: unknown SKU'],
    ] as const)('a rejection for %s fails the order with the short lines as detail', (reason, detail) => {
      const rejection = rejected(reason);
      expect(outcomeOf([placed(), rejection])).toMatchObject({
        status: 'FAILED',
        reason,
        reasonDetail: detail,
        paymentId: null,
        decidedBy: rejection.eventId,
      });
    });

    test.each([
      ['DECLINED', 'PAYMENT_DECLINED'],
      ['GATEWAY_TIMEOUT', 'PAYMENT_TIMEOUT'],
      ['GATEWAY_ERROR', 'PAYMENT_ERROR'],
    ] as const)('a payment failure %s fails the order as %s', (paymentReason, reason) => {
      const failure = failed(paymentReason, 'from the gateway');
      expect(outcomeOf([placed(), reserved(), failure])).toMatchObject({
        status: 'FAILED',
        reason,
        reasonDetail: 'from the gateway',
        paymentId: null,
        decidedBy: failure.eventId,
      });
    });

    test('a payment failure without detail gets a readable one', () => {
      expect(outcomeOf([placed(), reserved(), failed('GATEWAY_TIMEOUT', null)]).reasonDetail).toBe(
        'no answer from the payment gateway in time',
      );
    });

    test('only PAID and FAILED are final', () => {
      expect(['PENDING', 'PLACED', 'RESERVED', 'PAID', 'FAILED'].filter((s) => isFinal(s as never))).toEqual([
        'PAID',
        'FAILED',
      ]);
    });
  });

  describe('out of order across topics', () => {
    test('a payment that arrives before the reservation waits for it, then makes the order PAID', () => {
      const [p, pay, res] = [placed(), succeeded(), reserved()];
      const early = deriveOrderState([p, pay]);
      expect(early.status).toBe('PLACED');
      expect(early.dispositions[1]).toMatchObject({
        outcome: 'waiting',
        note: 'waiting for the inventory result',
      });
      const late = deriveOrderState([p, pay, res]);
      expect(late).toMatchObject({ status: 'PAID', decidedBy: pay.eventId });
      expect(late.dispositions.map((d) => d.outcome)).toEqual(['applied', 'applied', 'applied']);
    });

    test('a rejection that arrives before orders.placed is held, and fails the order once it is placed', () => {
      const rejection = rejected();
      expect(deriveOrderState([rejection]).status).toBe('PENDING');
      expect(outcomeOf([rejection, placed()])).toMatchObject({
        status: 'FAILED',
        decidedBy: rejection.eventId,
      });
    });

    test.each([
      ['placed, reserved, succeeded', () => [placed(), reserved(), succeeded()], 'PAID'],
      ['placed, reserved, failed', () => [placed(), reserved(), failed()], 'FAILED'],
      ['placed, rejected', () => [placed(), rejected()], 'FAILED'],
    ] as const)('every arrival order of %s ends the same: %s', (_name, build, status) => {
      const facts = build();
      const outcomes = permutations(facts).map(outcomeOf);
      expect(outcomes[0]!.status).toBe(status);
      for (const outcome of outcomes) expect(outcome).toEqual(outcomes[0]);
    });
  });

  describe('duplicates', () => {
    test('a re-imported order with the same content is a duplicate and changes nothing', () => {
      const [first, again] = [placed('hash-a'), placed('hash-a')];
      const state = deriveOrderState([first, again]);
      expect(state.placedBy).toBe(first.eventId);
      expect(state.dispositions[1]).toEqual({
        eventId: again.eventId,
        outcome: 'duplicate',
        note: `same content as orders.placed ${first.eventId}`,
      });
    });

    test('a repeated reservation, rejection or payment under a new event id is a duplicate', () => {
      const paid = deriveOrderState([
        placed(),
        reserved(),
        reserved(),
        succeeded('pay-1'),
        succeeded('pay-1'),
      ]);
      expect(paid.status).toBe('PAID');
      expect(paid.dispositions.map((d) => d.outcome)).toEqual([
        'applied',
        'applied',
        'duplicate',
        'applied',
        'duplicate',
      ]);
      const failedOrder = deriveOrderState([placed(), rejected(), rejected()]);
      expect(failedOrder.dispositions.map((d) => d.outcome)).toEqual(['applied', 'applied', 'duplicate']);
    });
  });

  describe('conflicts and illegal transitions', () => {
    test('a re-imported order with different content is a conflict; the first version is kept', () => {
      const [first, other] = [placed('hash-a'), placed('hash-b')];
      const state = deriveOrderState([first, other]);
      expect(state).toMatchObject({ status: 'PLACED', placedBy: first.eventId });
      expect(state.dispositions[1]).toMatchObject({
        outcome: 'conflict',
        conflict: 'CONTENT_MISMATCH',
        note: expect.stringContaining("hash-b differs from the first version's hash-a"),
      });
    });

    test('a payment success for an order whose stock was rejected does not make it PAID', () => {
      for (const facts of permutations([placed(), rejected(), succeeded()])) {
        const state = deriveOrderState(facts);
        expect(state.status).toBe('FAILED');
        expect(state.reason).toBe('OUT_OF_STOCK');
        const payment = state.dispositions[facts.findIndex((f) => f.kind === 'payment-succeeded')];
        expect(payment).toMatchObject({ outcome: 'conflict', conflict: 'PAYMENT_AFTER_REJECTION' });
      }
    });

    test('a rejection after a reservation is refused, and so is a reservation after a rejection', () => {
      const afterReservation = deriveOrderState([placed(), reserved(), rejected()]);
      expect(afterReservation.status).toBe('RESERVED');
      expect(afterReservation.dispositions[2]).toMatchObject({
        outcome: 'conflict',
        conflict: 'CONTRADICTORY_INVENTORY_RESULT',
      });
      const afterRejection = deriveOrderState([placed(), rejected(), reserved()]);
      expect(afterRejection.status).toBe('FAILED');
      expect(afterRejection.dispositions[2]).toMatchObject({ outcome: 'conflict' });
    });

    test('a second payment outcome never overturns the first', () => {
      expect(deriveOrderState([placed(), reserved(), succeeded(), failed()])).toMatchObject({
        status: 'PAID',
      });
      expect(deriveOrderState([placed(), reserved(), failed(), succeeded()])).toMatchObject({
        status: 'FAILED',
      });
      const twoPayments = deriveOrderState([placed(), reserved(), succeeded('pay-1'), succeeded('pay-2')]);
      expect(twoPayments).toMatchObject({ status: 'PAID', paymentId: 'pay-1' });
      expect(twoPayments.dispositions[3]).toMatchObject({
        outcome: 'conflict',
        conflict: 'CONTRADICTORY_PAYMENT_RESULT',
      });
    });

    test('a final order never changes, whatever arrives after it and in whatever order', () => {
      const pool = [
        placed('hash-a'),
        placed('hash-a'),
        placed('hash-b'),
        reserved(),
        rejected(),
        succeeded('pay-1'),
        failed(),
      ];
      let finalPrefixes = 0;
      for (const sequence of permutations(pool)) {
        let settled: ReturnType<typeof outcomeOf> | undefined;
        for (let length = 1; length <= sequence.length; length++) {
          const outcome = outcomeOf(sequence.slice(0, length));
          if (settled) expect(outcome).toEqual(settled);
          else if (isFinal(outcome.status)) {
            settled = outcome;
            finalPrefixes++;
          }
        }
        expect(settled).toBeDefined();
      }
      expect(finalPrefixes).toBe(5040);
    });
  });
});
