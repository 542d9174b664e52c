import { hash } from 'node:crypto';

const VARIANT = '89ab';

/**
 * `eventIdFrom` of @orderflow/contracts (a version 8 UUID from a SHA-256 of the length-prefixed parts),
 * with one native call instead of a Hash object, an update per part and a digest Buffer: that was a tenth
 * of an import's CPU time. event-id.test.ts checks that both give the same ids.
 */
export function eventIdOf(...parts: string[]): string {
  let text = '';
  for (const part of parts) text += `${Buffer.byteLength(part)}:${part};`;
  const hex = hash('sha256', text, 'hex');
  // Version 8 in the high nibble of byte 6; the RFC variant (0b10) in the top bits of byte 8.
  const variant = VARIANT[Number.parseInt(hex[16]!, 16) & 3]!;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
