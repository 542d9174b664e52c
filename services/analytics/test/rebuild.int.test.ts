// `analytics rebuild`: a fresh generation replayed from Kafka, switched to atomically, beside a running
// service whose live consumer keeps going.
import { buildOrdersPlaced, ordersFinishedFor } from '@orderflow/contracts/testing';
import { waitFor } from '@orderflow/runtime';
import { analyticsStore } from '../src/app';
import type { AnalyticsStore } from '../src/redis/analytics.store';
import { RebuildBusyError } from '../src/rebuild/rebuild-lock';
import { runCli } from './cli';
import { AnalyticsModel } from './model';
import { prng, scenario, withDuplicates } from './scenario';
import { AnalyticsHarness } from './support';

interface Answers {
  kpis: unknown;
  boards: Record<string, unknown>;
}

describe('rebuilding', () => {
  let h: AnalyticsHarness;
  const model = new AnalyticsModel();

  beforeAll(async () => {
    h = new AnalyticsHarness();
    await h.start();
    const delivered = withDuplicates(scenario(77, { orders: 250 }), prng(77));
    await h.produceAll(delivered);
    for (const event of delivered) model.apply(event);
    await h.waitMatches(model);
    await h.waitConsumed();
  });
  afterAll(() => h.stop());

  test('readers see the old numbers or the new ones, never a half-built generation', async () => {
    // Drift in the live generation (a bug, a hand edit): the rebuild is what repairs it.
    const old = (await h.activeGeneration())!;
    const [day] = model.days();
    const [currency] = model.currencies();
    await h.redis.hincrby(`${h.keyPrefix}:${old}:kpi:${day}`, `${currency}:revenue_cents`, 12_345);
    await h.redis.zincrby(
      `${h.keyPrefix}:${old}:lb:${currency}:all`,
      999,
      model.leaderboard(currency!)[0]!.customer_id,
    );
    const drifted = (await h.observed(model)) as Answers;
    const repaired = h.expected(model) as Answers;
    expect(drifted).not.toEqual(repaired);

    // Every replay batch waits for two more reads, so reads happen while the new generation is half full.
    let reads = 0;
    let readsWhileHalfBuilt = 0;
    let progress = { replayed: 0, total: 0 };
    const store = analyticsStore(h.config, h.redis);
    const gated: AnalyticsStore = Object.create(store) as AnalyticsStore;
    gated.apply = async (effects, target) => {
      const fresh = await store.apply(effects, target);
      const mark = reads;
      await waitFor('two reads after a replay batch', () => reads >= mark + 2);
      return fresh;
    };
    let done = false;
    const seen: Answers[] = [];
    const reader = (async () => {
      while (!done) {
        const halfBuilt = progress.replayed > 0 && progress.replayed < progress.total;
        seen.push((await h.observed(model)) as Answers);
        reads++;
        if (halfBuilt) readsWhileHalfBuilt++;
      }
    })();
    const result = await h
      .rebuilder({
        store: gated,
        onProgress: (p) => (progress = { replayed: p.replayed_events, total: p.total_events }),
      })
      .run()
      .finally(() => (done = true));
    await reader;

    expect(readsWhileHalfBuilt).toBeGreaterThan(2);
    // Each request is one atomic read, so each answer is wholly old or wholly new (an observation is
    // several requests, and the switch may fall between two of them).
    const oldOrNew = (answer: unknown, before: unknown, after: unknown) =>
      JSON.stringify(answer) === JSON.stringify(before) || JSON.stringify(answer) === JSON.stringify(after);
    for (const answer of seen) {
      expect(oldOrNew(answer.kpis, drifted.kpis, repaired.kpis)).toBe(true);
      for (const [board, rows] of Object.entries(answer.boards)) {
        expect(oldOrNew(rows, drifted.boards[board], repaired.boards[board])).toBe(true);
      }
    }
    expect(seen.some((answer) => JSON.stringify(answer.kpis) === JSON.stringify(drifted.kpis))).toBe(true);
    expect(await h.observed(model)).toEqual(repaired);
    expect(result.previous).toBe(old);
    expect(await h.activeGeneration()).toBe(result.generation);
    // The old generation is gone; what is left belongs to the new one or is bookkeeping.
    const generations = new Set((await h.keys()).map((key) => store.keys.generationOf(key)));
    expect([...generations].filter((g) => g !== undefined)).toEqual([result.generation]);
    expect(await h.redis.exists(`${h.keyPrefix}:building`)).toBe(0);
  });

  test('events consumed while a rebuild replays reach the new generation too', async () => {
    const during = [1, 2, 3].map(() =>
      ordersFinishedFor(buildOrdersPlaced({ placed_at: Date.UTC(2025, 0, 30, 12), currency: 'EUR' })),
    );
    const result = await h
      .rebuilder({
        // After the end offsets are captured, so the replay will not read these events.
        afterCapture: async () => {
          await h.produce('orders.finished', ...during);
          await h.waitConsumed();
        },
      })
      .run();
    for (const event of during) model.order(event);
    // Right after the switch, not eventually: nothing was lost in between.
    expect(await h.observed(model)).toEqual(h.expected(model));
    expect(await h.activeGeneration()).toBe(result.generation);
  });

  test('one rebuild at a time: another one, from the CLI or in-process, is refused while the lock is held', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let captured!: () => void;
    const capturedOnce = new Promise<void>((resolve) => (captured = resolve));
    const first = h
      .rebuilder({
        afterCapture: async () => {
          captured();
          await held;
        },
      })
      .run();
    await capturedOnce;

    await expect(h.rebuilder().run()).rejects.toBeInstanceOf(RebuildBusyError);
    const cli = await runCli(['rebuild'], h.cliEnv());
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/a rebuild is already running \(lock held by test\//);
    // The service keeps serving the current generation meanwhile.
    expect(await h.observed(model)).toEqual(h.expected(model));

    release();
    await first;
    expect(await h.observed(model)).toEqual(h.expected(model));
  });

  test('the CLI rebuilds against Redis and Kafka directly, prints progress and switches readers', async () => {
    const before = await h.activeGeneration();
    const cli = await runCli(['rebuild'], h.cliEnv());
    expect(cli.stderr).toMatch(/replaying into g\d+-[0-9a-f]+/);
    expect(cli.stdout).toMatch(
      new RegExp(`^rebuilt generation (g\\d+-[0-9a-f]+) \\(was ${before}\\): \\d+ events replayed`),
    );
    expect(cli.code).toBe(0);
    const after = await h.activeGeneration();
    expect(after).not.toBe(before);
    expect(cli.stdout).toContain(`rebuilt generation ${after}`);
    expect(await h.observed(model)).toEqual(h.expected(model));
  });

  test('a rebuild that died without cleaning up is dropped: the pointer and its keys go', async () => {
    // What `kill -9` of a CLI rebuild leaves once its lock lease ran out.
    const dead = 'g999-dead00';
    await h.redis.set(`${h.keyPrefix}:building`, dead);
    await h.redis.hincrby(`${h.keyPrefix}:${dead}:kpi:2025-01-30`, 'EUR:order_count', 1);
    await waitFor(
      'the abandoned build to be dropped',
      async () =>
        (await h.redis.exists(`${h.keyPrefix}:building`, `${h.keyPrefix}:${dead}:kpi:2025-01-30`)) === 0,
    );
    expect(
      h.logs.some((line) => line.msg === 'dropped an abandoned rebuild' && line.generation === dead),
    ).toBe(true);
    expect(await h.observed(model)).toEqual(h.expected(model));
  });
});
