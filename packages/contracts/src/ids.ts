import { createHash, randomUUID } from 'node:crypto';

/**
 * A UUID that is a pure function of its parts (RFC 9562 version 8, SHA-256 based): a retry, a re-import or
 * a replay produces the same event id, so consumers' inboxes recognise the event as a duplicate.
 * Parts are length-prefixed so ('ab','c') and ('a','bc') differ.
 */
export function eventIdFrom(...parts: (string | number)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    const text = String(part);
    hash.update(`${Buffer.byteLength(text)}:${text};`);
  }
  const bytes = hash.digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80; // version 8
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A fresh random event id, for events that are new facts rather than a repeatable outcome. */
export function newEventId(): string {
  return randomUUID();
}
