import { paymentIdFor, paymentOutcomeEvent } from './payment-events';

const payment = {
  payment_id: paymentIdFor('ord-1'),
  order_id: 'ord-1',
  amount_cents: 2599,
  currency: 'EUR',
  correlation_id: 'corr-1',
  reserved_event_id: 'reserved-1',
};

describe('payment outcome events', () => {
  test('the payment id of an order is always the same UUID', () => {
    expect(paymentIdFor('ord-1')).toBe(payment.payment_id);
    expect(paymentIdFor('ord-2')).not.toBe(payment.payment_id);
    expect(payment.payment_id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  test('a success becomes payments.succeeded caused by the reservation, in its flow', () => {
    const event = paymentOutcomeEvent(
      payment,
      { status: 'SUCCEEDED', reason: null, detail: null },
      { gatewayReference: 'ch_1', decidedAt: 1000, now: 2000 },
    );
    expect(event).toEqual({
      topic: 'payments.succeeded',
      value: {
        event_id: expect.any(String),
        occurred_at: 2000,
        order_id: 'ord-1',
        correlation_id: 'corr-1',
        causation_id: 'reserved-1',
        payment_id: payment.payment_id,
        amount_cents: 2599,
        currency: 'EUR',
        gateway_reference: 'ch_1',
        paid_at: 1000,
      },
    });
  });

  test('a failure becomes payments.failed with reason and detail', () => {
    const event = paymentOutcomeEvent(
      payment,
      { status: 'FAILED', reason: 'GATEWAY_TIMEOUT', detail: 'gateway timeout' },
      { gatewayReference: null, decidedAt: 1000, now: 2000 },
    );
    expect(event.topic).toBe('payments.failed');
    expect(event.value).toMatchObject({
      reason: 'GATEWAY_TIMEOUT',
      detail: 'gateway timeout',
      causation_id: 'reserved-1',
    });
  });

  test('event ids depend only on the payment, so a retried decision repeats its event id', () => {
    const decide = (now: number) =>
      paymentOutcomeEvent(
        payment,
        { status: 'FAILED', reason: 'DECLINED', detail: 'x' },
        {
          gatewayReference: null,
          decidedAt: now,
          now,
        },
      ).value.event_id;
    expect(decide(1)).toBe(decide(2));
    const succeeded = paymentOutcomeEvent(
      payment,
      { status: 'SUCCEEDED', reason: null, detail: null },
      {
        gatewayReference: 'r',
        decidedAt: 1,
        now: 1,
      },
    );
    expect(succeeded.value.event_id).not.toBe(decide(1));
  });
});
