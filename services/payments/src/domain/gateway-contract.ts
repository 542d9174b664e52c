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
