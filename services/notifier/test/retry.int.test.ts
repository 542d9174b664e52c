import { buildCustomer, buildOrdersPlaced, ordersFinishedFor } from '@orderflow/contracts/testing';
import { waitFor } from '@orderflow/runtime';
import { notificationIdFor } from '../src/domain/notification';
import { SmtpSink } from './smtp-sink';
import { API_TOKEN, NotifierHarness } from './support';
import { WebhookSink } from './webhook-sink';

const smtp = new SmtpSink();
const hooks = new WebhookSink();
const notifier = new NotifierHarness(() => ({
  NOTIFY_CHANNELS: 'email,webhook',
  SMTP_URL: smtp.url,
  NOTIFY_WEBHOOK_URL: hooks.url,
  NOTIFY_MAX_ATTEMPTS: '3',
  NOTIFY_RETRY_BASE_MS: '50',
  NOTIFY_RETRY_MAX_MS: '200',
}));
const auth = { Authorization: `Bearer ${API_TOKEN}` };

beforeAll(async () => {
  await hooks.start();
  await smtp.start(0);
  await notifier.start();
});
afterAll(async () => {
  await notifier.stop();
  await Promise.all([smtp.stop(), hooks.stop()]);
});

describe('running out of attempts', () => {
  test('ends FAILED with every attempt recorded; a retry with the token delivers it once', async () => {
    await smtp.stop();
    const finished = ordersFinishedFor(buildOrdersPlaced());
    const emailId = notificationIdFor(finished.event_id, 'email');
    await notifier.produce('orders.finished', finished);

    const failed = await waitFor('the e-mail to end FAILED', async () => {
      const n = await notifier.notification(emailId).catch(() => undefined);
      return n?.status === 'FAILED' ? n : undefined;
    });
    expect(failed).toMatchObject({ attempt_count: 3, round_attempts: 3, manual_retries: 0 });
    expect(failed.attempts).toHaveLength(3);
    expect(failed.attempts!.every((a) => a.ok === false && a.finished_at !== null && a.error)).toBe(true);
    expect(failed.last_error).toMatch(/ECONNREFUSED|connect/i);
    expect(await notifier.metric('orderflow_notifications_failed_total', { channel: 'email' })).toBe(1);
    // The webhook of the same event was not held up by the e-mail.
    expect((await notifier.notification(notificationIdFor(finished.event_id, 'webhook'))).status).toBe(
      'SENT',
    );

    await smtp.start();
    expect((await notifier.http('POST', `/notifications/${emailId}/retry`)).status).toBe(401);
    const retried = await notifier.http<{ status: string; round_attempts: number; manual_retries: number }>(
      'POST',
      `/notifications/${emailId}/retry`,
      auth,
    );
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ status: 'PENDING', round_attempts: 0, manual_retries: 1 });

    const sent = await waitFor('the retried e-mail to be SENT', async () => {
      const n = await notifier.notification(emailId);
      return n.status === 'SENT' ? n : undefined;
    });
    expect(sent).toMatchObject({ attempt_count: 4, round_attempts: 1, manual_retries: 1, last_error: null });
    expect(sent.attempts!.map((a) => a.ok)).toEqual([false, false, false, true]);
    expect(smtp.withMessageId(`<${emailId}@orderflow.local>`)).toHaveLength(1);
    expect((await notifier.http('POST', `/notifications/${emailId}/retry`, auth)).status).toBe(409);
  });
});

describe('permanent refusals', () => {
  test('an SMTP 550 for the recipient fails at once, without using up the budget', async () => {
    const customer = buildCustomer({ email: `bounce-${Date.now()}@example.test` });
    const finished = ordersFinishedFor(buildOrdersPlaced({ customer }));
    const emailId = notificationIdFor(finished.event_id, 'email');
    await notifier.produce('orders.finished', finished);
    const failed = await waitFor('the e-mail to end FAILED', async () => {
      const n = await notifier.notification(emailId).catch(() => undefined);
      return n?.status === 'FAILED' ? n : undefined;
    });
    expect(failed.attempt_count).toBe(1);
    expect(failed.last_error).toMatch(/550/);
  });

  test('a webhook receiver answering 401 fails at once; once it accepts, a retry delivers', async () => {
    hooks.status = 401;
    const finished = ordersFinishedFor(buildOrdersPlaced());
    const webhookId = notificationIdFor(finished.event_id, 'webhook');
    await notifier.produce('orders.finished', finished);
    const failed = await waitFor('the webhook to end FAILED', async () => {
      const n = await notifier.notification(webhookId).catch(() => undefined);
      return n?.status === 'FAILED' ? n : undefined;
    });
    expect(failed).toMatchObject({ attempt_count: 1, last_error: 'webhook answered 401' });

    hooks.status = 200;
    expect((await notifier.http('POST', `/notifications/${webhookId}/retry`, auth)).status).toBe(202);
    await waitFor('the retried webhook to be SENT', async () => {
      return (await notifier.notification(webhookId)).status === 'SENT';
    });
    const requests = hooks.withDeliveryId(webhookId);
    expect(requests.map((r) => r.status)).toEqual([401, 200]);
    // Same bytes both times; only the signature's timestamp may differ.
    expect(requests[0]!.body).toBe(requests[1]!.body);
  });

  test('a receiver in trouble (503) is retried until it answers', async () => {
    hooks.status = 503;
    const finished = ordersFinishedFor(buildOrdersPlaced());
    const webhookId = notificationIdFor(finished.event_id, 'webhook');
    await notifier.produce('orders.finished', finished);
    await waitFor('a second 503', () => hooks.withDeliveryId(webhookId).length >= 2);
    hooks.status = 200;
    const sent = await waitFor('the webhook to be SENT', async () => {
      const n = await notifier.notification(webhookId);
      return n.status === 'SENT' ? n : undefined;
    });
    expect(sent.attempt_count).toBe(hooks.withDeliveryId(webhookId).length);
    expect(hooks.withDeliveryId(webhookId).filter((r) => r.status === 200)).toHaveLength(1);
  });
});
