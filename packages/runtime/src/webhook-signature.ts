import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. */
export const SIGNATURE_HEADER = 'x-signature';
/** Header carrying the gateway's id for one delivery; retries of a delivery reuse it. */
export const DELIVERY_ID_HEADER = 'x-delivery-id';
/** A signature this far from our clock either way is refused, so a captured request cannot be replayed later. */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

export type SignatureFailure = 'MISSING' | 'MALFORMED' | 'MISMATCH' | 'STALE' | 'FUTURE';

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; failure: SignatureFailure };

function hmac(secret: string, timestamp: number, body: Buffer): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body).digest();
}

function bytes(body: Buffer | string): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

/** The X-Signature value for a body sent at `timestamp` (unix seconds). */
export function signWebhook(secret: string, body: Buffer | string, timestamp: number): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, bytes(body)).toString('hex')}`;
}

interface ParsedHeader {
  timestamp: number;
  signatures: Buffer[];
}

/** `t=...,v1=...`; several v1 entries are allowed so a secret can be rotated without dropping callbacks. */
export function parseSignatureHeader(header: string): ParsedHeader | undefined {
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) return undefined;
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/i.test(value)) return undefined;
      signatures.push(Buffer.from(value, 'hex'));
    }
    // Other schemes (v0, future versions) are ignored, as a receiver should.
  }
  if (timestamp === undefined || signatures.length === 0) return undefined;
  return { timestamp, signatures };
}

/**
 * Checks a webhook against the exact bytes received. The comparison is constant-time; the timestamp is
 * checked only after the signature, so an unsigned request learns nothing about our clock.
 */
export function verifyWebhook(options: {
  secret: string;
  header: string | undefined;
  body: Buffer | string;
  nowSeconds: number;
  toleranceSeconds?: number;
}): SignatureCheck {
  if (options.header === undefined || options.header.trim() === '') return { ok: false, failure: 'MISSING' };
  const parsed = parseSignatureHeader(options.header);
  if (!parsed) return { ok: false, failure: 'MALFORMED' };
  const expected = hmac(options.secret, parsed.timestamp, bytes(options.body));
  const matches = parsed.signatures.some(
    (candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected),
  );
  if (!matches) return { ok: false, failure: 'MISMATCH' };
  const tolerance = options.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
  if (parsed.timestamp < options.nowSeconds - tolerance) return { ok: false, failure: 'STALE' };
  if (parsed.timestamp > options.nowSeconds + tolerance) return { ok: false, failure: 'FUTURE' };
  return { ok: true, timestamp: parsed.timestamp };
}
