import {
  classifySubmitFailure,
  onChargeRefused,
  onGatewayCallback,
  onTimeout,
  reservationProblems,
  submitRetryDelayMs,
} from './payment';

describe('payment state transitions', () => {
  test('a success callback decides a pending payment SUCCEEDED', () => {
    expect(onGatewayCallback('PENDING', 'SUCCEEDED')).toEqual({
      kind: 'decide',
      decision: { status: 'SUCCEEDED', reason: null, detail: null },
    });
  });

  test('a decline callback fails a pending payment as DECLINED, keeping the gateway detail', () => {
    expect(onGatewayCallback('PENDING', 'DECLINED', 'insufficient funds')).toEqual({
      kind: 'decide',
      decision: { status: 'FAILED', reason: 'DECLINED', detail: 'insufficient funds' },
    });
    expect(onGatewayCallback('PENDING', 'DECLINED', null)).toMatchObject({
      decision: { reason: 'DECLINED', detail: 'declined by the gateway' },
    });
  });

  test.each([
    ['FAILED', 'SUCCEEDED'],
    ['FAILED', 'DECLINED'],
    ['SUCCEEDED', 'DECLINED'],
    ['SUCCEEDED', 'SUCCEEDED'],
  ] as const)('a callback for a %s payment saying %s is only recorded as late', (status, outcome) => {
    expect(onGatewayCallback(status, outcome)).toEqual({ kind: 'late', outcome });
  });

  test('a pending payment times out as GATEWAY_TIMEOUT; the detail says whether the gateway ever had it', () => {
    expect(onTimeout('PENDING', 500, false)).toEqual({
      status: 'FAILED',
      reason: 'GATEWAY_TIMEOUT',
      detail: 'gateway timeout: no callback within 500 ms',
    });
    expect(onTimeout('PENDING', 500, true)?.detail).toMatch(/did not accept the charge/);
  });

  test('a decided payment does not time out', () => {
    expect(onTimeout('SUCCEEDED', 500, false)).toBeUndefined();
    expect(onTimeout('FAILED', 500, false)).toBeUndefined();
  });

  test('a refused charge request fails a pending payment as GATEWAY_ERROR and leaves a decided one alone', () => {
    expect(onChargeRefused('PENDING', 400, 'bad currency')).toEqual({
      status: 'FAILED',
      reason: 'GATEWAY_ERROR',
      detail: 'gateway refused the charge (400): bad currency',
    });
    expect(onChargeRefused('SUCCEEDED', 400, 'x')).toBeUndefined();
  });
});

describe('charge request failures', () => {
  test.each([
    [undefined, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [408, 'retry'],
    [429, 'retry'],
    [400, 'refused'],
    [409, 'refused'],
    [422, 'refused'],
  ] as const)('HTTP %s -> %s', (status, kind) => {
    expect(classifySubmitFailure(status)).toBe(kind);
  });

  test('backoff doubles from 200 ms and stops growing at 10 s', () => {
    expect([1, 2, 3, 4].map((attempt) => submitRetryDelayMs(attempt))).toEqual([200, 400, 800, 1600]);
    expect(submitRetryDelayMs(10)).toBe(10_000);
    expect(submitRetryDelayMs(1000)).toBe(10_000);
  });
});

describe('reservationProblems', () => {
  const good = {
    order_id: 'o-1',
    currency: 'EUR',
    total_cents: 300,
    lines: [{ line_total_cents: 100 }, { line_total_cents: 200 }],
  };

  test('a consistent reservation can be charged', () => {
    expect(reservationProblems(good)).toEqual([]);
  });

  test('names every problem of a reservation that cannot be charged', () => {
    expect(reservationProblems({ ...good, order_id: ' ', currency: 'euro', total_cents: -5 })).toEqual([
      'order_id is empty',
      'currency "euro" is not ISO 4217',
      'total_cents -5 is not a non-negative integer',
      'total_cents -5 differs from the sum of the lines 300',
    ]);
  });

  test('a total that disagrees with its lines is refused', () => {
    expect(reservationProblems({ ...good, total_cents: 301 })).toEqual([
      'total_cents 301 differs from the sum of the lines 300',
    ]);
  });
});
