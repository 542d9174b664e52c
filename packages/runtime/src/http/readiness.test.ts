import { runReadinessChecks } from './readiness';

describe('runReadinessChecks', () => {
  test('is ready when every check is ok, and keeps their details', async () => {
    const report = await runReadinessChecks([
      { name: 'db', check: async () => ({ ok: true, details: { latencyMs: 1 } }) },
      { name: 'kafka', check: async () => ({ ok: true }) },
    ]);
    expect(report).toEqual({
      ready: true,
      checks: { db: { ok: true, details: { latencyMs: 1 } }, kafka: { ok: true } },
    });
  });

  test('is ready with no checks at all', async () => {
    expect(await runReadinessChecks([])).toEqual({ ready: true, checks: {} });
  });

  test('a check that reports not ok, throws (even synchronously) or rejects makes it not ready', async () => {
    const report = await runReadinessChecks([
      { name: 'ok', check: async () => ({ ok: true }) },
      { name: 'down', check: async () => ({ ok: false, details: { lag: 10 } }) },
      {
        name: 'sync-throw',
        check: () => {
          throw new Error('boom');
        },
      },
      { name: 'reject', check: () => Promise.reject(new Error('refused')) },
    ]);
    expect(report.ready).toBe(false);
    expect(report.checks).toEqual({
      ok: { ok: true },
      down: { ok: false, details: { lag: 10 } },
      'sync-throw': { ok: false, error: 'boom' },
      reject: { ok: false, error: 'refused' },
    });
  });

  test('a hung check times out without holding up the others', async () => {
    const started = Date.now();
    const report = await runReadinessChecks(
      [
        { name: 'hung', check: () => new Promise(() => undefined) },
        { name: 'fast', check: async () => ({ ok: true }) },
      ],
      50,
    );
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(report).toEqual({
      ready: false,
      checks: { hung: { ok: false, error: 'timed out after 50 ms' }, fast: { ok: true } },
    });
  });
});
