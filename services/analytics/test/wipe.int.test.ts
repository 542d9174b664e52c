// Redis loses everything (FLUSHALL, a restart without persistence): the service notices, rebuilds from
// Kafka and ends up with exactly the numbers it had plus whatever arrived meanwhile.
import { waitFor } from '@orderflow/runtime';
import { AnalyticsModel } from './model';
import { prng, scenario, withDuplicates } from './scenario';
import { AnalyticsHarness } from './support';

interface Readiness {
  status: string;
  checks: Record<string, { ok: boolean; details?: Record<string, unknown> }>;
}

describe('when Redis is wiped', () => {
  let h: AnalyticsHarness;
  const model = new AnalyticsModel();

  beforeAll(async () => {
    h = new AnalyticsHarness();
    await h.start();
  });
  afterAll(() => h.stop());

  test('during a run, the service rebuilds by itself and the numbers converge to exactly the same values', async () => {
    const random = prng(515);
    const delivered = withDuplicates(scenario(515, { orders: 200 }), random);
    const third = Math.floor(delivered.length / 3);
    await h.produceAll(delivered.slice(0, third));
    for (const event of delivered.slice(0, third)) model.apply(event);
    await h.waitMatches(model);
    const before = await h.activeGeneration();

    // The rest arrives in small chunks; half way through, everything under the prefix disappears at once.
    const rest = delivered.slice(third);
    const wipeAt = Math.floor(rest.length / 2);
    let wiped = 0;
    for (let i = 0; i < rest.length; i += 10) {
      if (i >= wipeAt && wiped === 0) wiped = await h.wipeRedis();
      await h.produceAll(rest.slice(i, i + 10));
    }
    for (const event of rest) model.apply(event);
    expect(wiped).toBeGreaterThan(0);

    await h.waitMatches(model, 45_000);
    await h.waitConsumed();
    await h.waitMatches(model);
    const after = await h.activeGeneration();
    expect(after).not.toBeNull();
    expect(after).not.toBe(before);
    expect(h.logs.some((line) => line.msg === 'analytics data missing in Redis; rebuilding from Kafka')).toBe(
      true,
    );
    const ready = await h.get<Readiness>('/readyz');
    expect(ready.body.checks.analytics_data?.details?.last_rebuild).toMatchObject({ generation: after });
  });

  test('before a restart, the service rebuilds before serving, reports progress meanwhile, and survives a second wipe', async () => {
    await h.stopService();
    await h.wipeRedis();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let captures = 0;
    await h.startService({
      // Hold the first rebuild after it captured the end offsets, so the test can look at it.
      afterCapture: async () => {
        captures++;
        if (captures === 1) await released;
      },
    });

    const rebuilding = await waitFor('readiness to report the rebuild', async () => {
      const answer = await h.get<Readiness>('/readyz');
      const data = answer.body.checks.analytics_data;
      const rebuild = data?.details?.rebuild as { state?: string } | null | undefined;
      return answer.status === 503 && rebuild?.state === 'replaying' ? data : undefined;
    });
    expect(rebuilding.ok).toBe(false);
    expect(rebuilding.details).toMatchObject({
      state: 'rebuilding',
      active_generation: null,
      rebuild: { state: 'replaying', replayed_events: 0, percent: 0 },
    });
    expect((rebuilding.details!.rebuild as { total_events: number }).total_events).toBeGreaterThan(0);
    const kpis = await h.get<{ code: string }>(`/kpis?date=${model.days()[0]}`);
    expect(kpis.status).toBe(503);
    expect(kpis.body.code).toBe('ANALYTICS.REBUILDING');

    // Wiped again while the rebuild is held: that rebuild must give up, and a new one finish the job.
    await h.wipeRedis();
    release();
    await h.waitReady(45_000);
    expect(captures).toBeGreaterThanOrEqual(2);
    await h.waitMatches(model);
  });
});
