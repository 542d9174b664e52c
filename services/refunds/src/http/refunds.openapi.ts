import path from 'node:path';
import { z } from 'zod';
import type { RefundRejectReason } from '@orderflow/contracts';
import {
  bearerSecurity,
  exhaustiveEnum,
  isoDateTime,
  jsonRequestBody,
  jsonResponse,
  pathParameters,
  problemResponse,
  schemaRef,
  serviceOpenApi,
  unauthorizedResponse,
  type OpenApiHeader,
} from '@orderflow/runtime';
import type { RefundStatus } from '../db/refund.repository';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from '../domain/refund-request';
import { IDEMPOTENCY_KEY_HEADER, orderParams, refundParams, refundRequestBody } from './refunds.routes';

const refundStatus = exhaustiveEnum<RefundStatus>({
  REQUESTED: true,
  WAITING: true,
  REFUNDED: true,
  REJECTED: true,
});
const cents = z.int().min(0);

const refund = z
  .object({
    refund_id: z.string(),
    order_id: z.string(),
    status: refundStatus.meta({
      description:
        'REQUESTED (accepted, not yet seen by the worker), WAITING (for the order outcome), REFUNDED or REJECTED.',
    }),
    requested_amount_cents: cents.nullable().meta({ description: 'null: everything still refundable.' }),
    amount_cents: cents.nullable().meta({ description: 'What was refunded, once REFUNDED.' }),
    currency: z.string().nullable(),
    reason: z.string(),
    rejection_reason: exhaustiveEnum<RefundRejectReason>({
      ORDER_NOT_PAID: true,
      ORDER_UNKNOWN: true,
      AMOUNT_EXCEEDS_REMAINING: true,
      NOTHING_LEFT_TO_REFUND: true,
    }).nullable(),
    rejection_detail: z.string().nullable(),
    refunded_total_cents: cents.nullable(),
    remaining_refundable_cents: cents.nullable(),
    requested_at: isoDateTime(),
    waiting_since: isoDateTime().nullable(),
    decided_at: isoDateTime().nullable(),
  })
  .meta({ description: 'One refund request and its decision (money in cents of the order currency).' });

const orderRefunds = z
  .object({
    order_id: z.string(),
    order_status: z
      .enum(['PAID', 'FAILED'])
      .nullable()
      .meta({ description: 'null while the outcome is unknown.' }),
    currency: z.string().nullable(),
    paid_cents: cents.nullable(),
    refunded_cents: cents.nullable(),
    remaining_refundable_cents: cents.nullable(),
    refunds: z.array(refund).meta({ description: 'In request order.' }),
  })
  .meta({
    description: "An order's refunds with its totals; the totals are null until its outcome is known.",
  });

const refundAccepted = z.object({ refund_id: z.string(), status: refundStatus });

const location: Record<string, OpenApiHeader> = {
  Location: { description: '`/refunds/{refund_id}`', schema: { type: 'string' } },
};

/** The refunds API, served at GET /openapi.json. */
export const refundsOpenApi = serviceOpenApi({
  service: 'refunds',
  packageDir: path.join(__dirname, '..', '..'),
  description:
    'Refund requests, accepted once per idempotency key and decided asynchronously, one order at a time, ' +
    'against what the order was paid and has been refunded so far.',
  tags: [{ name: 'refunds', description: 'Asking for and following refunds.' }],
  schemas: { Refund: refund, OrderRefunds: orderRefunds, RefundAccepted: refundAccepted },
  paths: {
    '/refunds': {
      post: {
        operationId: 'requestRefund',
        summary: 'Asks for a refund of (part of) a paid order.',
        description:
          'Decided asynchronously: follow it with GET /refunds/{refund_id}. The same Idempotency-Key with ' +
          'the same request answers 200 with the refund as it stands; with another request 422.',
        tags: ['refunds'],
        security: bearerSecurity,
        parameters: [
          {
            name: IDEMPOTENCY_KEY_HEADER,
            in: 'header',
            required: true,
            description: 'One key per refund; a retry reuses it. No control characters.',
            schema: { type: 'string', minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_LENGTH },
          },
        ],
        requestBody: jsonRequestBody(refundRequestBody),
        responses: {
          '202': jsonResponse('Accepted (status REQUESTED).', schemaRef('RefundAccepted'), location),
          '200': jsonResponse(
            'The same request again: the refund as it stands.',
            schemaRef('RefundAccepted'),
            {
              ...location,
              'Idempotent-Replayed': { description: '`true`', schema: { type: 'string', const: 'true' } },
            },
          ),
          '400': problemResponse(
            'Invalid fields or header (HTTP.VALIDATION names every one), or malformed JSON.',
          ),
          '401': unauthorizedResponse,
          '409': problemResponse('The same key is in use by a concurrent request; retry (REFUNDS.BUSY).'),
          '415': problemResponse('The body is not application/json (HTTP.UNSUPPORTED_MEDIA_TYPE).'),
          '422': problemResponse('The key was used for another request (REFUNDS.IDEMPOTENCY_CONFLICT).'),
        },
      },
    },
    '/refunds/{refund_id}': {
      get: {
        operationId: 'getRefund',
        summary: 'One refund.',
        tags: ['refunds'],
        parameters: pathParameters(refundParams),
        responses: {
          '200': jsonResponse('The refund.', schemaRef('Refund')),
          '400': problemResponse('The refund id is invalid (HTTP.VALIDATION).'),
          '404': problemResponse('No such refund (REFUNDS.NOT_FOUND).'),
        },
      },
    },
    '/orders/{order_id}/refunds': {
      get: {
        operationId: 'listOrderRefunds',
        summary: "An order's refunds and totals.",
        tags: ['refunds'],
        parameters: pathParameters(orderParams),
        responses: {
          '200': jsonResponse("The order's refunds.", schemaRef('OrderRefunds')),
          '400': problemResponse('The order id is invalid (HTTP.VALIDATION).'),
          '404': problemResponse(
            'Neither an outcome nor a refund of the order is known (REFUNDS.ORDER_NOT_FOUND).',
          ),
        },
      },
    },
  },
});
