import { createHash } from 'node:crypto';
import { eventIdFrom } from '@orderflow/contracts';

/** Same bound as the importer's text fields: no order id is longer. */
export const MAX_ORDER_ID_LENGTH = 256;
export const MAX_REASON_LENGTH = 500;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/** What a client asks for; `amountCents` null means everything that is still refundable. */
export interface RefundRequest {
  orderId: string;
  amountCents: number | null;
  reason: string;
}

/** Control characters (C0, DEL, C1) never belong in an id or a header value. */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

/**
 * Why a string cannot be an order id, or undefined when it can. Order ids come from CSV files: any
 * text up to 256 characters, trimmed, so surrounding whitespace or control characters mean the client
 * sent something else.
 */
export function orderIdProblem(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty';
  if (value.length > MAX_ORDER_ID_LENGTH) return `must be at most ${MAX_ORDER_ID_LENGTH} characters`;
  if (value.trim() !== value) return 'must not start or end with whitespace';
  if (hasControlCharacter(value)) return 'must not contain control characters';
  return undefined;
}

export function idempotencyKeyProblem(value: string | undefined): string | undefined {
  if (value === undefined || value.length === 0) return 'is required';
  if (value.length > MAX_IDEMPOTENCY_KEY_LENGTH)
    return `must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`;
  if (hasControlCharacter(value)) return 'must not contain control characters';
  return undefined;
}

/** One idempotency key, one refund: the id is a pure function of the key. */
export function refundIdFor(idempotencyKey: string): string {
  return eventIdFrom('refund', idempotencyKey);
}

/**
 * Identifies the content of a request, so a key reused with another order, amount or reason is told
 * apart from a retry. An omitted amount and an explicit null are the same request.
 */
export function requestFingerprint(request: RefundRequest): string {
  return createHash('sha256')
    .update(JSON.stringify([request.orderId, request.amountCents, request.reason]))
    .digest('hex');
}
