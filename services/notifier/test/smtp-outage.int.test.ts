import { buildOrdersPlaced, ordersFinishedFor } from '@orderflow/contracts/testing';
import { waitFor } from '@orderflow/runtime';
import { notificationIdFor } from '../src/domain/notification';
import { SmtpSink } from './smtp-sink';
import { NotifierHarness, type NotificationBody } from './support';

const smtp = new SmtpSink();
const notifier = new NotifierHarness(() => ({
  NOTIFY_CHANNELS: 'log,email',
  SMTP_URL: smtp.url,
  // Fast retries and a budget no outage in this test can exhaust: nothing may end FAILED.
  NOTIFY_RETRY_BASE_MS: '100',
  NOTIFY_RETRY_MAX_MS: '800',
  NOTIFY_MAX_ATTEMPTS: '100',
  NOTIFY_SEND_TIMEOUT_MS: '2000',
  NOTIFY_LEASE_MS: '10000',
  NOTIFY_BATCH_SIZE: '5',
}));

beforeAll(async () => {
  // Learn a free port, then take the server down: the outage starts before the first notification.
  await smtp.start(0);
  await smtp.stop();
  await notifier.start();
});
afterAll(async () => {
  await notifier.stop();
  await smtp.stop();
});

const ORDERS = 12;

async function emailRows(orderIds: string[]) {
  return notifier.dbQuery<{
    notification_id: string;
    status: string;
    attempts: number;
    failures: number;
    last_error: string | null;
    open_attempts: number;
  }>(
    `SELECT n.notification_id, n.status, n.attempts, n.last_error,
            count(*) FILTER (WHERE a.ok = false)::int AS failures,
            count(*) FILTER (WHERE a.finished_at IS NULL)::int AS open_attempts
     FROM {schema}.notifications n JOIN {schema}.notification_attempts a USING (notification_id)
     WHERE n.channel = 'email' AND n.order_id = ANY($1)
     GROUP BY n.notification_id`,
    [orderIds],
  );
}

describe('an SMTP outage', () => {
  test('never blocks consumption, loses nothing, and recovery delivers every e-mail exactly once', async () => {
    const events = Array.from({ length: ORDERS }, () => ordersFinishedFor(buildOrdersPlaced()));
    const orderIds = events.map((e) => e.order_id);
    const expectedIds = events
      .map((e) => `<${notificationIdFor(e.event_id, 'email')}@orderflow.local>`)
      .sort();
    await notifier.produce('orders.finished', ...events);

    // Phase 1, server down: every event is consumed and committed, the log channel delivers, each e-mail
    // is PENDING with failed attempts on record.
    await notifier.consumed();
    await waitFor('every e-mail to have failed twice while the server is down', async () => {
      const rows = await emailRows(orderIds);
      return rows.length === ORDERS && rows.every((r) => r.status === 'PENDING' && r.failures >= 2);
    });
    for (const orderId of orderIds) {
      await notifier.waitForNotifications(orderId, 2, 'with the log line SENT', (n) =>
        n.channel === 'email' ? n.status === 'PENDING' : n.status === 'SENT',
      );
    }
    const down = await emailRows(orderIds);
    expect(down.every((r) => /ECONNREFUSED|connect/i.test(r.last_error ?? ''))).toBe(true);
    const ready = await notifier.http<{
      checks: { delivery: { ok: boolean; details: { pending: number } } };
    }>('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.delivery.details.pending).toBeGreaterThanOrEqual(ORDERS);

    // Phase 2, the server is back but defers (451): still nothing accepted, still nothing lost.
    smtp.mode = 'defer';
    await smtp.start();
    await waitFor('every e-mail to have been deferred by the server', async () => {
      const rows = await emailRows(orderIds);
      return rows.every((r) => r.status === 'PENDING' && /451/.test(r.last_error ?? ''));
    });
    expect(smtp.messages).toHaveLength(0);

    // Phase 3, the server accepts: every e-mail arrives, each exactly once.
    smtp.mode = 'accept';
    const sent = await waitFor(
      'every e-mail to be SENT',
      async () => {
        const rows = await emailRows(orderIds);
        return rows.length === ORDERS && rows.every((r) => r.status === 'SENT') ? rows : undefined;
      },
      { timeoutMs: 30_000 },
    );
    const counts = smtp.countsByMessageId();
    expect([...counts.keys()].sort()).toEqual(expectedIds);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    expect(smtp.messages).toHaveLength(ORDERS);

    // Every attempt is on record: all but the last failed, none left open.
    for (const row of sent) {
      expect(row.failures).toBe(row.attempts - 1);
      expect(row.failures).toBeGreaterThanOrEqual(3);
      expect(row.open_attempts).toBe(0);
    }
    const detail: NotificationBody = await notifier.notification(sent[0]!.notification_id);
    expect(detail.attempts!.at(-1)).toMatchObject({ ok: true, error: null });
    expect(detail.attempts!.slice(0, -1).every((a) => a.ok === false && a.error)).toBe(true);
    expect(await notifier.metric('orderflow_notifications_sent_total', { channel: 'email' })).toBe(ORDERS);
    expect(await notifier.metric('orderflow_notifications_failed_total', { channel: 'email' })).toBe(0);
  });
});
