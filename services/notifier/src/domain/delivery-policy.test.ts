import { nextStep, retryDelayMs, smtpResult, webhookResult } from './delivery-policy';

const policy = { maxAttempts: 8, baseMs: 1_000, maxMs: 300_000 };

describe('retryDelayMs', () => {
  test('doubles per attempt, between half and all of the planned delay', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, policy, 1))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, policy, 0))).toEqual([500, 1_000, 2_000, 4_000]);
    expect(retryDelayMs(3, policy, 0.5)).toBe(3_000);
  });

  test('never exceeds the maximum, however many attempts', () => {
    expect(retryDelayMs(9, policy, 1)).toBe(256_000);
    expect(retryDelayMs(10, policy, 1)).toBe(300_000);
    expect(retryDelayMs(1_000, policy, 1)).toBe(300_000);
    expect(retryDelayMs(1_000, policy, 0)).toBe(150_000);
  });

  test('jitter spreads notifications that failed together', () => {
    const delays = new Set(Array.from({ length: 50 }, (_, i) => retryDelayMs(5, policy, i / 49)));
    expect(delays.size).toBeGreaterThan(40);
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(8_000);
      expect(delay).toBeLessThanOrEqual(16_000);
    }
  });
});

describe('nextStep', () => {
  const failure = { ok: false as const, permanent: false, error: 'connection refused' };

  test('success ends SENT', () => {
    expect(nextStep({ ok: true }, 3, policy, 0.5)).toEqual({ status: 'SENT' });
  });

  test('a transient failure within the budget tries again later, with backoff', () => {
    expect(nextStep(failure, 1, policy, 1)).toEqual({
      status: 'PENDING',
      delayMs: 1_000,
      error: 'connection refused',
    });
    expect(nextStep(failure, 7, policy, 1)).toEqual({
      status: 'PENDING',
      delayMs: 64_000,
      error: 'connection refused',
    });
  });

  test('the last attempt of the budget ends FAILED', () => {
    expect(nextStep(failure, 8, policy, 1)).toEqual({ status: 'FAILED', error: 'connection refused' });
    expect(nextStep(failure, 1, { ...policy, maxAttempts: 1 }, 1).status).toBe('FAILED');
  });

  test('a permanent refusal ends FAILED at once', () => {
    expect(nextStep({ ok: false, permanent: true, error: '550 no such user' }, 1, policy, 1)).toEqual({
      status: 'FAILED',
      error: '550 no such user',
    });
  });
});

describe('webhookResult', () => {
  test('2xx is delivered', () => {
    expect(webhookResult(200)).toEqual({ ok: true });
    expect(webhookResult(204)).toEqual({ ok: true });
  });

  test.each([408, 425, 429, 500, 502, 503])('%i is worth another try', (status) => {
    expect(webhookResult(status)).toEqual({
      ok: false,
      permanent: false,
      error: `webhook answered ${status}`,
    });
  });

  test.each([301, 302, 400, 401, 404, 410, 422])('%i will not change by sending again', (status) => {
    expect(webhookResult(status)).toMatchObject({ ok: false, permanent: true });
  });
});

describe('smtpResult', () => {
  test('a 5xx reply is a permanent refusal, a 4xx one temporary', () => {
    expect(smtpResult({ responseCode: 550, message: '550 mailbox unavailable' })).toEqual({
      ok: false,
      permanent: true,
      error: '550 mailbox unavailable',
    });
    expect(smtpResult({ responseCode: 451, message: '451 try later' })).toEqual({
      ok: false,
      permanent: false,
      error: '451 try later',
    });
  });

  test('connection trouble is retried', () => {
    for (const code of ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', undefined]) {
      expect(smtpResult({ code, message: 'connect ECONNREFUSED' })).toMatchObject({
        ok: false,
        permanent: false,
      });
    }
  });

  test('a message that cannot be addressed or built never will be', () => {
    expect(smtpResult({ code: 'EENVELOPE', message: 'No recipients defined' })).toMatchObject({
      permanent: true,
    });
    expect(smtpResult({ code: 'EMESSAGE', message: 'bad' })).toMatchObject({ permanent: true });
  });

  test('long server replies are cut for storage', () => {
    const result = smtpResult({ responseCode: 421, message: 'x'.repeat(2_000) });
    expect(!result.ok && result.error.length).toBe(500);
  });
});
