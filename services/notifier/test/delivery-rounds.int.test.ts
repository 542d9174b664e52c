import { Client } from 'pg';
import { buildOrdersPlaced, ordersFinishedFor } from '@orderflow/contracts/testing';
import { waitFor } from '@orderflow/runtime';
import { SmtpSink } from './smtp-sink';
import { NotifierHarness } from './support';

/**
 * The delivery worker claims log notifications and remote ones (e-mail, webhook) in separate rounds, each
 * with its own limit: a backlog of log lines moves NOTIFY_LOG_BATCH_SIZE at a time while sends stay
 * NOTIFY_BATCH_SIZE at a time.
 */

interface Claim {
  limit: number;
  channels: string[];
  claimed: number;
}
const claims: Claim[] = [];
const originalQuery = Client.prototype.query;
function recordingQuery(this: Client, ...args: unknown[]): unknown {
  const [text, values] = args as [unknown, unknown[] | undefined];
  const callback = args.at(-1);
  if (typeof text === 'string' && text.includes('WITH due AS') && Array.isArray(values)) {
    const record = (answer: { rowCount: number | null } | undefined) =>
      claims.push({
        limit: Number(values[0]),
        channels: [...(values[2] as string[])].sort(),
        claimed: answer?.rowCount ?? 0,
      });
    // pg's Pool passes a callback; a checked-out client gets a promise.
    if (typeof callback === 'function') {
      args[args.length - 1] = (error: unknown, answer: { rowCount: number | null } | undefined) => {
        if (!error) record(answer);
        (callback as (e: unknown, a: unknown) => void)(error, answer);
      };
    } else {
      const result = Reflect.apply(originalQuery, this, args) as Promise<{ rowCount: number | null }>;
      return result.then((answer) => {
        record(answer);
        return answer;
      });
    }
  }
  return Reflect.apply(originalQuery, this, args);
}

const smtp = new SmtpSink();
const notifier = new NotifierHarness(() => ({
  NOTIFY_CHANNELS: 'log,email',
  SMTP_URL: smtp.url,
  NOTIFY_BATCH_SIZE: '2',
  NOTIFY_LOG_BATCH_SIZE: '5',
}));

beforeAll(async () => {
  Client.prototype.query = recordingQuery as typeof Client.prototype.query;
  await smtp.start();
  await notifier.start();
}, 120_000);

afterAll(async () => {
  Client.prototype.query = originalQuery;
  await notifier.stop();
  await smtp.stop();
});

test('log and remote notifications are claimed in separate rounds, each up to its own batch size', async () => {
  const finished = Array.from({ length: 8 }, () => ordersFinishedFor(buildOrdersPlaced()));
  await notifier.produce('orders.finished', ...finished);
  const ids = finished.map((f) => f.order_id);

  await waitFor('all 16 notifications sent', async () => {
    const [row] = await notifier.dbQuery<{ sent: number }>(
      `SELECT count(*)::int AS sent FROM {schema}.notifications WHERE status = 'SENT' AND order_id = ANY($1)`,
      [ids],
    );
    return row!.sent === 16;
  });

  const withWork = claims.filter((c) => c.claimed > 0);
  expect(withWork.length).toBeGreaterThan(0);
  for (const claim of claims) {
    expect([
      { limit: 5, channels: ['log'] },
      { limit: 2, channels: ['email'] },
    ]).toContainEqual({ limit: claim.limit, channels: claim.channels });
    expect(claim.claimed).toBeLessThanOrEqual(claim.limit);
  }
  expect(withWork.filter((c) => c.channels[0] === 'log').reduce((sum, c) => sum + c.claimed, 0)).toBe(8);
  expect(withWork.filter((c) => c.channels[0] === 'email').reduce((sum, c) => sum + c.claimed, 0)).toBe(8);
});
