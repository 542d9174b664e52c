import { orderTimeline, type RecordedFact } from './order-timeline';

describe('order timeline', () => {
  const at = (minute: number) => Date.UTC(2025, 0, 15, 10, minute);

  test('orders.finished sorts after the facts it was decided from even when their clocks ran ahead', () => {
    const recorded: RecordedFact[] = [
      {
        seq: 1,
        receivedAt: at(1),
        fact: { kind: 'placed', eventId: 'p', occurredAt: at(1), contentHash: 'h' },
      },
      {
        seq: 2,
        receivedAt: at(2),
        fact: { kind: 'reserved', eventId: 'r', occurredAt: at(2), reservationId: 'x' },
      },
      // The payments host's clock is five minutes ahead of ours.
      {
        seq: 3,
        receivedAt: at(3),
        fact: { kind: 'payment-succeeded', eventId: 'pay', occurredAt: at(8), paymentId: 'pay-1' },
      },
    ];
    const timeline = orderTimeline(recorded, {
      eventId: 'fin',
      finishedAt: at(3),
      status: 'PAID',
      reason: null,
    });
    expect(timeline.map((e) => e.eventId)).toEqual(['p', 'r', 'pay', 'fin']);
    expect(timeline[3]!.occurredAt).toBe(at(3));
  });

  test('lists events by when they happened, then by receipt, with the emitted orders.finished last', () => {
    const recorded: RecordedFact[] = [
      // Received first, happened last: the payment overtook the reservation.
      {
        seq: 1,
        receivedAt: at(10),
        fact: { kind: 'placed', eventId: 'p', occurredAt: at(1), contentHash: 'h' },
      },
      {
        seq: 2,
        receivedAt: at(11),
        fact: { kind: 'payment-succeeded', eventId: 'pay', occurredAt: at(3), paymentId: 'pay-1' },
      },
      {
        seq: 3,
        receivedAt: at(12),
        fact: { kind: 'reserved', eventId: 'r', occurredAt: at(2), reservationId: 'x' },
      },
      // Same time as the payment, received later.
      {
        seq: 4,
        receivedAt: at(13),
        fact: { kind: 'payment-succeeded', eventId: 'pay-again', occurredAt: at(3), paymentId: 'pay-1' },
      },
    ];
    const timeline = orderTimeline(recorded, {
      eventId: 'fin',
      finishedAt: at(3),
      status: 'PAID',
      reason: null,
    });
    expect(timeline.map((e) => [e.eventId, e.type, e.outcome])).toEqual([
      ['p', 'ORDER_PLACED', 'applied'],
      ['r', 'INVENTORY_RESERVED', 'applied'],
      ['pay', 'PAYMENT_SUCCEEDED', 'applied'],
      ['pay-again', 'PAYMENT_SUCCEEDED', 'duplicate'],
      ['fin', 'ORDER_FINISHED', undefined],
    ]);
    expect(timeline[0]).toEqual({
      eventId: 'p',
      topic: 'orders.placed',
      type: 'ORDER_PLACED',
      occurredAt: at(1),
      receivedAt: at(10),
      outcome: 'applied',
    });
    expect(timeline[4]).toEqual({
      eventId: 'fin',
      topic: 'orders.finished',
      type: 'ORDER_FINISHED',
      occurredAt: at(3),
      note: 'PAID',
    });
  });

  test('dispositions are judged in receipt order, not in the order events happened', () => {
    const recorded: RecordedFact[] = [
      {
        seq: 2,
        receivedAt: at(2),
        fact: { kind: 'placed', eventId: 'late', occurredAt: at(0), contentHash: 'b' },
      },
      {
        seq: 1,
        receivedAt: at(1),
        fact: { kind: 'placed', eventId: 'early', occurredAt: at(5), contentHash: 'a' },
      },
    ];
    const [late, early] = orderTimeline(recorded);
    expect(early).toMatchObject({ eventId: 'early', outcome: 'applied' });
    expect(late).toMatchObject({ eventId: 'late', outcome: 'conflict' });
  });
});
