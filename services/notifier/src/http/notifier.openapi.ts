import path from 'node:path';
import { z } from 'zod';
import {
  bearerSecurity,
  cursorPage,
  exhaustiveEnum,
  isoDateTime,
  jsonResponse,
  pathParameters,
  problemResponse,
  queryParameters,
  schemaRef,
  serviceOpenApi,
  unauthorizedResponse,
} from '@orderflow/runtime';
import {
  CHANNEL_NAMES,
  NOTIFICATION_KINDS,
  NOTIFICATION_STATUSES,
  type SourceTopic,
} from '../domain/notification';
import { idParams, listQuery } from './notifications.routes';

const notification = z
  .object({
    notification_id: z.string(),
    event_id: z.string().meta({ description: 'The event it was made from.' }),
    topic: exhaustiveEnum<SourceTopic>({
      'orders.finished': true,
      'refunds.processed': true,
      'refunds.rejected': true,
    }),
    kind: z.enum(NOTIFICATION_KINDS),
    channel: z.enum(CHANNEL_NAMES),
    order_id: z.string(),
    customer_id: z.string().nullable(),
    recipient: z.string().nullable().meta({ description: "The customer's e-mail address, masked." }),
    status: z.enum(NOTIFICATION_STATUSES),
    attempt_count: z.int().min(0).meta({ description: 'Delivery attempts so far, all rounds.' }),
    round_attempts: z.int().min(0).meta({ description: 'Attempts since the last manual retry.' }),
    manual_retries: z.int().min(0),
    next_attempt_at: isoDateTime()
      .nullable()
      .meta({ description: 'When the next attempt is due (PENDING only).' }),
    last_error: z.string().nullable(),
    created_at: isoDateTime(),
    updated_at: isoDateTime(),
    sent_at: isoDateTime().nullable(),
    failed_at: isoDateTime().nullable(),
  })
  .meta({ description: 'One notification of one channel.' });

const content = z
  .union([
    z.object({ subject: z.string(), text: z.string(), html: z.string() }).meta({ title: 'email' }),
    z
      .object({ payload: z.unknown().meta({ description: 'The JSON the webhook sends.' }) })
      .meta({ title: 'webhook' }),
    z
      .object({ line: z.string(), fields: z.record(z.string(), z.union([z.string(), z.number(), z.null()])) })
      .meta({ title: 'log' }),
  ])
  .meta({ description: 'What was (or will be) sent, by channel.' });

const notificationDetail = z
  .object({
    ...notification.shape,
    content,
    attempts: z.array(
      z.object({
        attempt: z.int().min(1),
        started_at: isoDateTime(),
        finished_at: isoDateTime().nullable(),
        ok: z.boolean().nullable().meta({ description: 'null while the attempt is in flight.' }),
        error: z.string().nullable(),
      }),
    ),
  })
  .meta({ description: 'A notification with its content and every delivery attempt.' });

const notificationPage = cursorPage(notification);

/** The notifier API, served at GET /openapi.json. */
export const notifierOpenApi = serviceOpenApi({
  service: 'notifier',
  packageDir: path.join(__dirname, '..', '..'),
  description:
    'Notifications made from orders.finished, refunds.processed and refunds.rejected, one per enabled ' +
    'channel (log, email, webhook), delivered with retries; every attempt is kept.',
  tags: [{ name: 'notifications', description: 'Listing, inspecting and retrying notifications.' }],
  schemas: {
    Notification: notification,
    NotificationDetail: notificationDetail,
    NotificationPage: notificationPage,
  },
  paths: {
    '/notifications': {
      get: {
        operationId: 'listNotifications',
        summary: 'Notifications, newest first, filtered, with keyset pagination.',
        tags: ['notifications'],
        parameters: queryParameters(listQuery, {
          limit: 'Page size.',
          cursor: '`next_cursor` of the previous page.',
        }),
        responses: {
          '200': jsonResponse('One page of notifications.', schemaRef('NotificationPage')),
          '400': problemResponse('A query parameter is invalid (HTTP.VALIDATION names it).'),
        },
      },
    },
    '/notifications/{id}': {
      get: {
        operationId: 'getNotification',
        summary: 'One notification with its content and attempts.',
        tags: ['notifications'],
        parameters: pathParameters(idParams),
        responses: {
          '200': jsonResponse('The notification.', schemaRef('NotificationDetail')),
          '404': problemResponse('No such notification (NOTIFIER.NOT_FOUND).'),
        },
      },
    },
    '/notifications/{id}/retry': {
      post: {
        operationId: 'retryNotification',
        summary: 'Puts a FAILED notification back to PENDING with a fresh budget of attempts.',
        tags: ['notifications'],
        security: bearerSecurity,
        parameters: pathParameters(idParams),
        responses: {
          '202': jsonResponse('Queued again; delivery follows.', schemaRef('Notification')),
          '401': unauthorizedResponse,
          '404': problemResponse('No such notification (NOTIFIER.NOT_FOUND).'),
          '409': problemResponse('The notification is not FAILED (NOTIFIER.NOT_FAILED).'),
        },
      },
    },
  },
});
