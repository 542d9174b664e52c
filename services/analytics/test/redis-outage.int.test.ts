import { buildOrdersPlaced, ordersFinishedFor } from '@orderflow/contracts/testing';
import { waitFor } from '@orderflow/runtime';
import { AnalyticsModel } from './model';
import { AnalyticsHarness } from './support';
import { TcpProxy } from './tcp-proxy';

const redisPort = Number(new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379').port || 6379);

describe('when Redis is unreachable', () => {
  const proxy = new TcpProxy('127.0.0.1', redisPort);
  let h: AnalyticsHarness;

  beforeAll(async () => {
    await proxy.start();
    h = new AnalyticsHarness({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
    await h.start();
  });
  afterAll(async () => {
    await h.stop();
    await proxy.stop();
  });

  test('the batch is retried until Redis is back, its offset not committed meanwhile, and counted once', async () => {
    const model = new AnalyticsModel();
    const day = Date.UTC(2025, 4, 5, 10);
    const first = ordersFinishedFor(buildOrdersPlaced({ placed_at: day }));
    await h.produce('orders.finished', first);
    model.order(first);
    await h.waitMatches(model);
    await h.waitConsumed();

    await proxy.cut();
    const during = ordersFinishedFor(buildOrdersPlaced({ placed_at: day }));
    await h.produce('orders.finished', during, during);
    model.order(during);
    await waitFor('the service to retry the batch', () =>
      h.logs.some((line) => line.msg === 'batch failed; retrying'),
    );
    expect(await h.consumedAll()).toBe(false);
    const ready = await h.get<{ checks: Record<string, { ok: boolean }> }>('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.redis?.ok).toBe(false);

    await proxy.restore();
    await h.waitMatches(model);
    await h.waitConsumed();
    expect(
      (await h.get<{ order_count: number }>('/kpis?date=2025-05-05&currency=EUR')).body.order_count,
    ).toBe(2);
    await h.waitReady();
  });

  test('stopping while a batch waits for Redis ends promptly, commits nothing, and the next start counts it once', async () => {
    const model = new AnalyticsModel();
    const day = Date.UTC(2025, 4, 6, 10);
    await proxy.cut();
    const orders = [1, 2].map(() => ordersFinishedFor(buildOrdersPlaced({ placed_at: day })));
    await h.produce('orders.finished', ...orders);
    for (const order of orders) model.order(order);
    const retries = h.logs.filter((line) => line.msg === 'batch failed; retrying').length;
    await waitFor(
      'the service to retry the new batch',
      () => h.logs.filter((line) => line.msg === 'batch failed; retrying').length > retries,
    );

    const stopping = Date.now();
    await h.stopService();
    expect(Date.now() - stopping).toBeLessThan(10_000);
    expect(await h.consumedAll()).toBe(false);

    await proxy.restore();
    await h.startService();
    await h.waitReady();
    await h.waitConsumed();
    expect((await h.get('/kpis?date=2025-05-06&currency=EUR')).body).toEqual(
      model.kpisOf('2025-05-06', 'EUR'),
    );
  });
});
