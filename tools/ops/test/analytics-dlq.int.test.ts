import { buildOrdersPlaced, ordersFinishedFor } from '@orderflow/contracts/testing';
import {
  createLogger,
  createRedis,
  quoteIdent,
  startService,
  uniqueName,
  waitFor,
  type Redis,
  type RunningService,
} from '@orderflow/runtime';
import { analyticsService } from '@orderflow/analytics/dist/app';
import { loadAnalyticsConfig, type AnalyticsConfig } from '@orderflow/analytics/dist/config';
import type { ServiceStatus } from '../src';
import { cli, TopicSandbox, type CliRun } from './support';

// Analytics dead-letters with its own producer (it has no inbox): the CLI must read and replay those
// dead letters like the runtime's, and a dead-lettered event id must not be remembered as seen.
const sandbox = new TopicSandbox();
const keyPrefix = uniqueName('opsan');
const schema = uniqueName('ops_analytics');
const redis: Redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'ops-test');
let analytics: RunningService<AnalyticsConfig>;
const run = (...argv: string[]): Promise<CliRun> => cli(argv, sandbox.env);

beforeAll(async () => {
  await sandbox.start();
  sandbox.group('analytics');
  const config = loadAnalyticsConfig({
    ...process.env,
    PORT: '0',
    LOG_LEVEL: 'silent',
    TOPIC_PREFIX: sandbox.prefix,
    ANALYTICS_KEY_PREFIX: keyPrefix,
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    ANALYTICS_GENERATION_CHECK_MS: '200',
    ANALYTICS_KPI_TTL_DAYS: '0',
  });
  analytics = await startService(analyticsService({ schema }), config, {
    logger: createLogger({ service: 'analytics', level: 'silent' }),
  });
});

afterAll(async () => {
  await analytics?.stop();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}:*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
  await analytics?.ctx.pool
    .query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`)
    .catch(() => undefined);
  await sandbox.stop();
});

async function seen(eventId: string): Promise<boolean> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}:*:seen:${eventId}`, 'COUNT', 1000);
    if (keys.length > 0) return true;
    cursor = next;
  } while (cursor !== '0');
  return false;
}

describe("analytics' dead letters", () => {
  test('are listed and replayed; a dead-lettered event is never remembered as seen', async () => {
    const good = ordersFinishedFor(buildOrdersPlaced());
    // Valid Avro that analytics refuses: a currency that is not an ISO code.
    const bad = ordersFinishedFor(buildOrdersPlaced(), { currency: 'eur' });
    await sandbox.produce('orders.finished', good);
    await sandbox.produce('orders.finished', bad);

    const list = async (): Promise<{ eventId: string; errorCode: string; replayOf: string | null }[]> =>
      JSON.parse((await run('dlq', 'list', 'analytics', '--json')).stdout).dead_letters;
    await waitFor('the dead letter', async () => (await list()).length === 1);
    await waitFor('the good event applied', () => seen(good.event_id));
    expect(await seen(bad.event_id)).toBe(false);
    const [letter] = await list();
    expect(letter).toMatchObject({
      eventId: bad.event_id,
      errorCode: 'ANALYTICS.INVALID_EVENT',
      replayOf: null,
    });

    // Sent back, the copy is read again (not skipped as seen) and, still invalid, dead-lettered again.
    const replay = await run('dlq', 'replay', 'analytics', '--all');
    expect(replay.stdout).toContain('1 replayed');
    await waitFor('the second dead letter', async () => (await list()).length === 2);
    const letters = await list();
    expect(letters[1]).toMatchObject({
      eventId: bad.event_id,
      replayOf: expect.stringContaining('dlq.analytics:'),
    });
    expect(await seen(bad.event_id)).toBe(false);
    const text = await run('dlq', 'list', 'analytics');
    expect(text.stdout).toContain('2 dead letters, 1 replayed');
    expect(text.stdout).toMatch(/no \(again\)/);

    // Status of the real service: ready, caught up, one dead letter left to look at.
    const env = { ...sandbox.env, ANALYTICS_PORT: String(analytics.port) };
    const row = await waitFor('analytics ready and caught up', async () => {
      const status = await cli(['status', '--only', 'analytics', '--json'], env);
      const [first] = (JSON.parse(status.stdout) as { services: ServiceStatus[] }).services;
      return status.code === 0 && first?.lag === 0 ? first : undefined;
    });
    expect(row.dlq).toEqual({ pending: 1, retained: 2, replayed: 1 });
  });
});
