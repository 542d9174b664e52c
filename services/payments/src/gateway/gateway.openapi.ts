import path from 'node:path';
import { z } from 'zod';
import {
  healthzOperation,
  isoDateTime,
  jsonRequestBody,
  jsonResponse,
  OPENAPI_PATH,
  openApiDocument,
  openApiOperation,
  packageVersion,
  problemResponse,
  schemaRef,
} from '@orderflow/runtime';
import {
  chargeAcceptedSchema,
  chargeBatchRequestSchema,
  chargeBatchResponseSchema,
  chargeRequestSchema,
} from '../domain/gateway-contract';

const outcome = z.enum(['SUCCEEDED', 'DECLINED']);

const charge = z
  .object({
    charge_id: z.string(),
    payment_id: z.string(),
    order_id: z.string(),
    amount_cents: z.int().min(0),
    currency: z.string(),
    callback_url: z.string(),
    batch_callback_url: z
      .string()
      .optional()
      .meta({ description: 'Set when the charge asked for batched callbacks; its outcome goes there.' }),
    outcome: outcome.meta({ description: 'The seeded outcome, decided at acceptance.' }),
    status: z.enum(['PENDING', ...outcome.options]).meta({ description: 'PENDING until the callback time.' }),
    requests: z.int().min(1).meta({ description: 'Charge requests received for this payment id.' }),
    created_at: isoDateTime(),
    delivery_id: z.string(),
    delivery: z.object({
      attempts: z.int().min(0),
      delivered: z.boolean(),
      lastStatus: z.int().optional(),
      lastError: z.string().optional(),
    }),
    finished_at: z
      .int()
      .optional()
      .meta({ description: 'Epoch millis when the callback was delivered or given up.' }),
  })
  .meta({ description: 'A charge as the simulator keeps it (in memory).' });

/** The simulated payment gateway's API (its own port, GATEWAY_PORT), served at its GET /openapi.json. */
export const gatewayOpenApi = openApiDocument({
  title: 'orderflow simulated payment gateway',
  version: packageVersion(path.join(__dirname, '..', '..')),
  description:
    'A stand-in for a card payment provider: accepts a charge (idempotent on payment_id) and, after ' +
    'PAYMENT_DELAY_MS, posts a signed callback with the seeded outcome to the callback_url, retrying ' +
    'failed deliveries with backoff.',
  schemas: {
    Charge: charge,
    ChargeAccepted: chargeAcceptedSchema,
    ChargeBatchResponse: chargeBatchResponseSchema,
  },
  paths: {
    '/healthz': { get: healthzOperation() },
    '/charges': {
      post: {
        operationId: 'createCharge',
        summary: 'Accepts a charge; the outcome follows as a signed callback.',
        requestBody: jsonRequestBody(chargeRequestSchema),
        responses: {
          '202': jsonResponse(
            'Accepted (or accepted before: `Idempotent-Replayed: true`).',
            schemaRef('ChargeAccepted'),
            {
              'Idempotent-Replayed': {
                description: '`true` on a repeated request.',
                schema: { type: 'string' },
              },
            },
          ),
          '400': problemResponse('The body is not a charge request (HTTP.VALIDATION names the field).'),
          '409': problemResponse(
            'The payment id was charged with other details (GATEWAY.IDEMPOTENCY_CONFLICT).',
          ),
        },
      },
    },
    '/charges/batch': {
      post: {
        operationId: 'createCharges',
        summary:
          'Accepts many charges in one request (at most 500); each item is answered as POST /charges would ' +
          'answer it. With batch_callback_url, the outcomes come back as batched callbacks: one POST with ' +
          'a JSON body {batch_id, callbacks: [...]} signed as a whole (X-Signature), X-Delivery-Id = ' +
          'batch_id, each callback keeping its own delivery_id for replay detection; a failed batch is ' +
          'retried whole, with a fresh signature.',
        requestBody: jsonRequestBody(chargeBatchRequestSchema),
        responses: {
          '200': jsonResponse(
            'One result per charge, in request order: 202 accepted (replayed: accepted before) or 409 ' +
              'GATEWAY.IDEMPOTENCY_CONFLICT.',
            schemaRef('ChargeBatchResponse'),
          ),
          '400': problemResponse('The body is not a charge batch (HTTP.VALIDATION names the field).'),
        },
      },
    },
    '/charges/{payment_id}': {
      get: {
        operationId: 'getCharge',
        summary: 'A charge and the state of its callback.',
        parameters: [{ name: 'payment_id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': jsonResponse('The charge.', schemaRef('Charge')),
          '404': problemResponse('No such charge (GATEWAY.NOT_FOUND).'),
        },
      },
    },
    [OPENAPI_PATH]: { get: openApiOperation() },
  },
});
