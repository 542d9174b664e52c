import path from 'node:path';
import { z } from 'zod';
import {
  exhaustiveEnum,
  isoDateTime,
  jsonResponse,
  jsonSchemaOf,
  pathParameters,
  problemResponse,
  schemaRef,
  serviceOpenApi,
} from '@orderflow/runtime';
import { gatewayCallbackBatchSchema, gatewayCallbackSchema } from '../domain/gateway-contract';
import type { GatewayOutcome } from '../domain/outcome';
import type { PaymentFailureReason, PaymentStatus } from '../domain/payment';
import { CALLBACK_CONTENT_TYPE } from '../gateway/callback-sender';
import { paymentParams } from './payments.routes';

const paymentStatus = exhaustiveEnum<PaymentStatus>({ PENDING: true, SUCCEEDED: true, FAILED: true });
const gatewayOutcome = exhaustiveEnum<GatewayOutcome>({ SUCCEEDED: true, DECLINED: true });

const payment = z
  .object({
    payment_id: z.string(),
    order_id: z.string(),
    status: paymentStatus,
    amount_cents: z.int().min(0),
    currency: z.string(),
    reason: exhaustiveEnum<PaymentFailureReason>({
      DECLINED: true,
      GATEWAY_TIMEOUT: true,
      GATEWAY_ERROR: true,
    })
      .nullable()
      .meta({ description: 'Why the payment FAILED; null otherwise.' }),
    detail: z.string().nullable(),
    gateway_reference: z
      .string()
      .nullable()
      .meta({ description: "The gateway's charge id, once decided by it." }),
    attempts: z.int().min(0).meta({ description: 'Charge requests sent to the gateway.' }),
    submitted_at: isoDateTime().nullable(),
    created_at: isoDateTime(),
    decided_at: isoDateTime().nullable(),
    late_outcome: gatewayOutcome
      .nullable()
      .meta({ description: 'What the gateway said after the payment was already decided (e.g. timed out).' }),
    late_outcome_at: isoDateTime().nullable(),
  })
  .meta({ description: "An order's payment (money in cents)." });

const callbackResult = z.union([
  z.object({
    duplicate: z.literal(true).meta({ description: 'This delivery was received before; nothing changed.' }),
    delivery_id: z.string(),
  }),
  z.object({
    duplicate: z.literal(false),
    delivery_id: z.string(),
    payment_id: z.string(),
    applied: z.boolean().meta({ description: 'false: the payment was already decided; only recorded.' }),
    status: paymentStatus,
  }),
]);

const batchItemIds = { delivery_id: z.string(), payment_id: z.string() };
const callbackBatchResult = z.object({
  batch_id: z.string(),
  results: z
    .array(
      z.union([
        z.object({ ...batchItemIds, result: z.enum(['APPLIED', 'LATE']), status: paymentStatus }),
        z.object({ ...batchItemIds, result: z.enum(['DUPLICATE', 'NOT_FOUND', 'MISMATCH']) }),
      ]),
    )
    .meta({
      description:
        'One per callback, in body order. APPLIED: decided the payment; LATE: the payment was already ' +
        'decided, recorded only; DUPLICATE: this delivery_id was received before, nothing changed; ' +
        'NOT_FOUND / MISMATCH: no such payment, or order, amount or currency differ; not recorded.',
    }),
});

const signatureHeaders = (deliveryId: string) => [
  {
    name: 'X-Signature',
    in: 'header' as const,
    required: true,
    description: '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with WEBHOOK_SECRET.',
    schema: { type: 'string' },
  },
  {
    name: 'X-Delivery-Id',
    in: 'header' as const,
    required: true,
    description: deliveryId,
    schema: { type: 'string' },
  },
];

/** The payments API, served at GET /openapi.json. */
export const paymentsOpenApi = serviceOpenApi({
  service: 'payments',
  packageDir: path.join(__dirname, '..', '..'),
  description:
    'One payment per reserved order, charged through the payment gateway and decided by its signed ' +
    'callback or by a timeout. The (simulated) gateway documents its own API at its `/openapi.json`.',
  tags: [
    { name: 'payments', description: 'Payments by order.' },
    { name: 'webhooks', description: 'Callbacks from the payment gateway.' },
  ],
  schemas: { Payment: payment, CallbackResult: callbackResult, CallbackBatchResult: callbackBatchResult },
  paths: {
    '/payments/{order_id}': {
      get: {
        operationId: 'getPayment',
        summary: "An order's payment.",
        tags: ['payments'],
        parameters: pathParameters(paymentParams),
        responses: {
          '200': jsonResponse('The payment.', schemaRef('Payment')),
          '404': problemResponse('No payment for this order (PAYMENTS.NOT_FOUND).'),
        },
      },
    },
    '/webhooks/gateway': {
      post: {
        operationId: 'receiveGatewayCallback',
        summary: "The gateway's signed callback with a charge's outcome.",
        description:
          'The signature covers the exact bytes, so the JSON is sent as application/octet-stream (a JSON ' +
          'content type is parsed before the signature can be checked and is refused with 415). Repeated ' +
          'deliveries (same X-Delivery-Id) are answered 200 with `duplicate: true`.',
        tags: ['webhooks'],
        parameters: signatureHeaders('Same as `delivery_id` in the body; what repeats are recognised by.'),
        requestBody: {
          required: true,
          content: {
            [CALLBACK_CONTENT_TYPE]: {
              schema: {
                type: 'string',
                contentMediaType: 'application/json',
                contentSchema: jsonSchemaOf(gatewayCallbackSchema, 'input'),
              },
            },
          },
        },
        responses: {
          '200': jsonResponse('Received (or received before).', schemaRef('CallbackResult')),
          '400': problemResponse(
            'Not a gateway callback, or X-Delivery-Id differs (PAYMENTS.WEBHOOK_INVALID).',
          ),
          '401': problemResponse(
            'Signature missing, wrong (PAYMENTS.WEBHOOK_UNAUTHENTICATED) or too old (PAYMENTS.WEBHOOK_EXPIRED).',
          ),
          '404': problemResponse('No such payment (PAYMENTS.NOT_FOUND).'),
          '415': problemResponse('Sent with a JSON content type (PAYMENTS.WEBHOOK_UNVERIFIABLE).'),
          '422': problemResponse(
            'Order, amount or currency differ from the payment (PAYMENTS.WEBHOOK_MISMATCH).',
          ),
        },
      },
    },
    '/webhooks/gateway/batch': {
      post: {
        operationId: 'receiveGatewayCallbackBatch',
        summary: "The gateway's signed batch of callbacks (many charges' outcomes in one request).",
        description:
          'One signature over the exact bytes of the whole body (sent as application/octet-stream, as ' +
          'for a single callback). Applied in one transaction; each callback is handled as a single one ' +
          'would be and answered in `results`: repeats are recognised per `delivery_id`, so a retried ' +
          'batch changes nothing; a callback after the decision is recorded as LATE only.',
        tags: ['webhooks'],
        parameters: signatureHeaders('Same as `batch_id` in the body.'),
        requestBody: {
          required: true,
          content: {
            [CALLBACK_CONTENT_TYPE]: {
              schema: {
                type: 'string',
                contentMediaType: 'application/json',
                contentSchema: jsonSchemaOf(gatewayCallbackBatchSchema, 'input'),
              },
            },
          },
        },
        responses: {
          '200': jsonResponse('Received; one result per callback.', schemaRef('CallbackBatchResult')),
          '400': problemResponse(
            'Not a gateway callback batch, or X-Delivery-Id differs from batch_id (PAYMENTS.WEBHOOK_INVALID).',
          ),
          '401': problemResponse(
            'Signature missing, wrong (PAYMENTS.WEBHOOK_UNAUTHENTICATED) or too old (PAYMENTS.WEBHOOK_EXPIRED).',
          ),
          '409': problemResponse(
            'Deliveries of the batch were recorded concurrently; send it again (PAYMENTS.WEBHOOK_CONFLICT).',
          ),
          '415': problemResponse('Sent with a JSON content type (PAYMENTS.WEBHOOK_UNVERIFIABLE).'),
        },
      },
    },
  },
});
