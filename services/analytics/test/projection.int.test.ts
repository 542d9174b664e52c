// Property test of the Redis projection alone (the apply script and the reads), over many seeds: random
// batch boundaries, duplicates, and batches applied again as after a crash before the offset commit.
import { buildOrdersPlaced, ordersFinishedFor } from '@orderflow/contracts/testing';
import { createRedis, uniqueName } from '@orderflow/runtime';
import { orderFinishedEffects, refundProcessedEffects, type EventEffects } from '../src/domain/event-effects';
import { dailyKpis } from '../src/domain/kpi';
import { AnalyticsStore } from '../src/redis/analytics.store';
import { AnalyticsModel } from './model';
import { prng, scenario, withDuplicates, type ScenarioEvent } from './scenario';

const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'analytics-projection-test');
const prefixes: string[] = [];

afterAll(async () => {
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.unlink(...keys);
  }
  await redis.quit();
});

function effectsOf(event: ScenarioEvent): EventEffects {
  return event.topic === 'orders.finished'
    ? orderFinishedEffects(event.value)
    : refundProcessedEffects(event.value);
}

async function observed(store: AnalyticsStore, model: AnalyticsModel) {
  const { days } = await store.readDays(model.days());
  const kpis = [...days].flatMap(([day, byCurrency]) =>
    [...byCurrency]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([currency, counters]) => dailyKpis(day, currency, counters)),
  );
  const boards: Record<string, unknown> = {};
  for (const currency of model.currencies()) {
    for (const scope of ['all', ...model.months(currency)]) {
      const { rows } = await store.readLeaderboard(currency, scope === 'all' ? undefined : scope, 100);
      boards[`${currency}|${scope}`] = rows.map((row, index) => ({
        rank: index + 1,
        customer_id: row.customerId,
        name: row.name,
        email: row.email,
        net_spend_cents: row.netSpendCents,
      }));
    }
  }
  return { kpis, boards };
}

function expected(model: AnalyticsModel) {
  const boards: Record<string, unknown> = {};
  for (const currency of model.currencies()) {
    for (const scope of ['all', ...model.months(currency)])
      boards[`${currency}|${scope}`] = model.leaderboard(currency, scope, 100);
  }
  return { kpis: model.allKpis(), boards };
}

describe('the Redis projection', () => {
  test.each(Array.from({ length: 25 }, (_, i) => 1000 + i * 7919))(
    'seed %i: KPIs and leaderboards equal the model to the cent, whatever the batching and redelivery',
    async (seed) => {
      const prefix = uniqueName('anproj');
      prefixes.push(prefix);
      const store = new AnalyticsStore(redis, prefix, { kpiTtlDays: 0, eventIdTtlSeconds: 0 });
      await redis.set(store.keys.active, 'g1-000000');
      await redis.set(store.keys.inGeneration('g1-000000', 'marker'), 'test');

      const random = prng(seed);
      const events = scenario(seed, { orders: 80 });
      const delivered = withDuplicates(events, random, 0.2);
      const model = new AnalyticsModel();
      const applied: EventEffects[][] = [];
      for (let i = 0; i < delivered.length;) {
        const size = 1 + Math.floor(random() * 25);
        const batch = delivered.slice(i, i + size);
        i += size;
        await store.apply(batch.map(effectsOf), { kind: 'live' });
        applied.push(batch.map(effectsOf));
        for (const event of batch) model.apply(event);
        // A crash after the script, before the commit: the same batch comes again.
        if (random() < 0.25)
          await store.apply(applied[Math.floor(random() * applied.length)]!, { kind: 'live' });
      }
      expect(await observed(store, model)).toEqual(expected(model));
    },
  );

  test('a rebuild target gets the same numbers, and while building the live consumer writes to both', async () => {
    const prefix = uniqueName('anproj');
    prefixes.push(prefix);
    const store = new AnalyticsStore(redis, prefix, { kpiTtlDays: 0, eventIdTtlSeconds: 0 });
    const events = scenario(4242, { orders: 60 });
    const half = Math.floor(events.length / 2);
    await redis.set(store.keys.active, 'g1-aaaaaa');
    await redis.set(store.keys.inGeneration('g1-aaaaaa', 'marker'), 'test');
    await store.apply(events.slice(0, half).map(effectsOf), { kind: 'live' });
    // A rebuild starts: the first half is replayed into g2, the second half arrives live meanwhile.
    await redis.set(store.keys.building, 'g2-bbbbbb');
    await store.apply(events.slice(half).map(effectsOf), { kind: 'live' });
    const replayed = await store.apply(events.slice(0, half).map(effectsOf), {
      kind: 'generation',
      generation: 'g2-bbbbbb',
    });
    expect(replayed).toBe(half);
    const model = new AnalyticsModel();
    for (const event of events) model.apply(event);
    const before = await observed(store, model);
    await redis.set(store.keys.active, 'g2-bbbbbb');
    await redis.set(store.keys.inGeneration('g2-bbbbbb', 'marker'), 'test');
    await redis.del(store.keys.building);
    expect(await observed(store, model)).toEqual(before);
    expect(before).toEqual(expected(model));
  });

  test('a rebuild that no longer owns the building pointer is refused', async () => {
    const prefix = uniqueName('anproj');
    prefixes.push(prefix);
    const store = new AnalyticsStore(redis, prefix, { kpiTtlDays: 0, eventIdTtlSeconds: 0 });
    const [event] = scenario(7, { orders: 1 });
    await expect(
      store.apply([effectsOf(event!)], { kind: 'generation', generation: 'g9-cccccc' }),
    ).rejects.toThrow(/ANALYTICS_STALE_REBUILD/);
    await expect(store.apply([effectsOf(event!)], { kind: 'live' })).rejects.toThrow(
      /ANALYTICS_NO_GENERATION/,
    );
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
  });

  test('event ids are remembered with the configured TTL', async () => {
    const prefix = uniqueName('anproj');
    prefixes.push(prefix);
    const store = new AnalyticsStore(redis, prefix, { kpiTtlDays: 0, eventIdTtlSeconds: 8 * 86_400 });
    await redis.set(store.keys.active, 'g1-dddddd');
    const [event] = scenario(8, { orders: 1 });
    const effects = effectsOf(event!);
    await store.apply([effects], { kind: 'live' });
    const ttl = await redis.ttl(store.keys.inGeneration('g1-dddddd', `seen:${effects.eventId}`));
    expect(ttl).toBeGreaterThan(8 * 86_400 - 60);
    expect(ttl).toBeLessThanOrEqual(8 * 86_400);
  });

  test('the newest display info of a customer wins, whatever order the events come in', async () => {
    const prefix = uniqueName('anproj');
    prefixes.push(prefix);
    const store = new AnalyticsStore(redis, prefix, { kpiTtlDays: 0, eventIdTtlSeconds: 0 });
    await redis.set(store.keys.active, 'g1-eeeeee');
    const base = orderFinishedEffects(
      ordersFinishedFor(buildOrdersPlaced({ placed_at: Date.UTC(2025, 5, 1) })),
    );
    const version = (at: number, tiebreak: number, name: string): EventEffects => ({
      ...base,
      eventId: `${name}-${at}-${tiebreak}`,
      customer: { ...base.customer!, name, version: { at, tiebreak } },
    });
    await store.apply(
      [version(2000, 1, 'newest'), version(1000, 9, 'older'), version(2000, 0, 'same ms, lower tiebreak')],
      {
        kind: 'live',
      },
    );
    const { rows } = await store.readLeaderboard(base.spend!.currency, undefined, 10);
    expect(rows[0]?.name).toBe('newest');
  });
});
