import { eventIdFrom } from '@orderflow/contracts';
import { idempotencyKeyProblem, orderIdProblem, refundIdFor, requestFingerprint } from './refund-request';

describe('orderIdProblem', () => {
  test.each(['SMP-O0000', 'ord-1f3a9c2e', 'orders.csv-L12', 'a b', 'x'.repeat(256)])(
    '%s is an order id',
    (id) => {
      expect(orderIdProblem(id)).toBeUndefined();
    },
  );

  test.each([
    ['', 'must not be empty'],
    ['x'.repeat(257), 'must be at most 256 characters'],
    [' ord-1', 'must not start or end with whitespace'],
    ['ord-1\n', 'must not start or end with whitespace'],
    ['ord\u00001', 'must not contain control characters'],
    ['ord\u007f1', 'must not contain control characters'],
  ])('%j is refused: %s', (id, problem) => {
    expect(orderIdProblem(id)).toBe(problem);
  });
});

describe('idempotencyKeyProblem', () => {
  test('a missing, empty or over-long key is refused', () => {
    expect(idempotencyKeyProblem(undefined)).toBe('is required');
    expect(idempotencyKeyProblem('')).toBe('is required');
    expect(idempotencyKeyProblem('k'.repeat(201))).toBe('must be at most 200 characters');
    expect(idempotencyKeyProblem('k'.repeat(200))).toBeUndefined();
  });
});

test('the refund id is a pure function of the idempotency key', () => {
  expect(refundIdFor('key-1')).toBe(eventIdFrom('refund', 'key-1'));
  expect(refundIdFor('key-1')).toBe(refundIdFor('key-1'));
  expect(refundIdFor('key-1')).not.toBe(refundIdFor('key-2'));
});

describe('requestFingerprint', () => {
  const request = { orderId: 'ord-1', amountCents: 500, reason: 'damaged' };

  test('the same request gives the same fingerprint', () => {
    expect(requestFingerprint({ ...request })).toBe(requestFingerprint(request));
  });

  test('another order, amount or reason gives another fingerprint', () => {
    const base = requestFingerprint(request);
    expect(requestFingerprint({ ...request, orderId: 'ord-2' })).not.toBe(base);
    expect(requestFingerprint({ ...request, amountCents: 501 })).not.toBe(base);
    expect(requestFingerprint({ ...request, amountCents: null })).not.toBe(base);
    expect(requestFingerprint({ ...request, reason: 'damaged ' })).not.toBe(base);
  });
});
