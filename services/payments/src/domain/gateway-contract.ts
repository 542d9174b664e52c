import { z } from 'zod';

// The simulated gateway's HTTP API, as a real provider would publish it. Both sides parse with these
// schemas; nothing else about the gateway is shared with the service.

export const chargeRequestSchema = z.object({
  /** Our payment id; the gateway treats it as the idempotency key. */
  payment_id: z.string().min(1).max(200),
  order_id: z.string().min(1).max(200),
  amount_cents: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code'),
  callback_url: z.url({ protocol: /^https?$/ }),
});
export type ChargeRequest = z.infer<typeof chargeRequestSchema>;

export const chargeAcceptedSchema = z.object({
  charge_id: z.string().min(1),
  payment_id: z.string(),
  status: z.literal('PENDING').or(z.enum(['SUCCEEDED', 'DECLINED'])),
});
export type ChargeAccepted = z.infer<typeof chargeAcceptedSchema>;

/** The callback body, signed as raw bytes; `delivery_id` repeats the X-Delivery-Id header under the signature. */
export const gatewayCallbackSchema = z.object({
  delivery_id: z.string().min(1).max(200),
  type: z.enum(['charge.succeeded', 'charge.declined']),
  charge_id: z.string().min(1).max(200),
  payment_id: z.string().min(1).max(200),
  order_id: z.string().min(1).max(200),
  outcome: z.enum(['SUCCEEDED', 'DECLINED']),
  amount_cents: z.number().int().nonnegative(),
  currency: z.string(),
  /** When the gateway decided, epoch millis. */
  decided_at: z.number().int().nonnegative(),
  detail: z.string().max(500).nullable().optional(),
});
export type GatewayCallback = z.infer<typeof gatewayCallbackSchema>;

/** Most charges in one `POST /charges/batch`, and most callbacks in one batched callback. */
export const MAX_BATCH_ITEMS = 500;

export const chargeBatchRequestSchema = z.object({
  charges: z.array(chargeRequestSchema).min(1).max(MAX_BATCH_ITEMS),
  /**
   * Where the outcomes of these charges go as batched callbacks (many results in one signed POST).
   * Without it, each charge is called back on its own callback_url, as after `POST /charges`.
   */
  batch_callback_url: z.url({ protocol: /^https?$/ }).optional(),
});
export type ChargeBatchRequest = z.infer<typeof chargeBatchRequestSchema>;

/** One item of a batch answer, in request order: what `POST /charges` would have answered for it. */
export const chargeBatchItemSchema = z.union([
  z.object({
    payment_id: z.string(),
    status: z.literal(202),
    replayed: z.boolean(),
    charge: chargeAcceptedSchema,
  }),
  z.object({
    payment_id: z.string(),
    status: z.literal(409),
    code: z.string(),
    detail: z.string(),
  }),
]);
export type ChargeBatchItem = z.infer<typeof chargeBatchItemSchema>;

export const chargeBatchResponseSchema = z.object({ results: z.array(chargeBatchItemSchema) });
export type ChargeBatchResponse = z.infer<typeof chargeBatchResponseSchema>;

/**
 * Many callbacks in one signed body, sent to the callback URL's `/batch` sibling. `batch_id` repeats the
 * X-Delivery-Id header under the signature; each item keeps its own `delivery_id`, which is what replays
 * are detected on (a retried batch, or an item that arrives again in another batch, changes nothing).
 */
export const gatewayCallbackBatchSchema = z.object({
  batch_id: z.string().min(1).max(200),
  callbacks: z.array(gatewayCallbackSchema).min(1).max(MAX_BATCH_ITEMS),
});
export type GatewayCallbackBatch = z.infer<typeof gatewayCallbackBatchSchema>;
