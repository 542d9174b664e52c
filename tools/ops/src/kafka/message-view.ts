import { DecodeError, schemaIdOf, type EventSerde } from '@orderflow/contracts';
import type { IHeaders, KafkaMessage } from 'kafkajs';

/** A message value as a person wants to see it: decoded from Avro when it is Avro, else its bytes. */
export type DecodedValue =
  | { kind: 'avro'; schemaId: number; value: unknown }
  | { kind: 'raw'; note: string; utf8?: string; base64: string }
  | { kind: 'null' };

export interface MessageView {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  key: string | null;
  headers: Record<string, string>;
  value: DecodedValue;
}

export function headerStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first === undefined) continue;
    out[name] = Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
  }
  return out;
}

/** Printable UTF-8: decodes without replacement characters and has no control bytes but whitespace. */
function printableUtf8(bytes: Buffer): string | undefined {
  const text = bytes.toString('utf8');
  if (text.includes('\uFFFD')) return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0E-\x1F\x7F]/.test(text)) return undefined;
  return text;
}

/**
 * Decodes a value with the schema it was written with (Confluent wire format, schema looked up in the
 * registry). Anything else, and any value while the registry cannot be reached, comes back as bytes
 * with the reason: an inspection tool shows what is there rather than stopping.
 */
export async function decodeValue(serde: EventSerde, value: Buffer | null): Promise<DecodedValue> {
  if (value === null) return { kind: 'null' };
  try {
    const schemaId = schemaIdOf(value);
    return { kind: 'avro', schemaId, value: await serde.decodeAny(value) };
  } catch (error) {
    const note =
      error instanceof DecodeError
        ? error.message
        : `schema registry unavailable: ${error instanceof Error ? error.message : String(error)}`;
    const utf8 = printableUtf8(value);
    return {
      kind: 'raw',
      note,
      ...(utf8 !== undefined ? { utf8 } : {}),
      base64: value.toString('base64'),
    };
  }
}

export async function viewMessage(
  serde: EventSerde,
  topic: string,
  partition: number,
  message: KafkaMessage,
): Promise<MessageView> {
  return {
    topic,
    partition,
    offset: message.offset,
    timestamp: new Date(Number(message.timestamp)).toISOString(),
    key: message.key ? message.key.toString('utf8') : null,
    headers: headerStrings(message.headers),
    value: await decodeValue(serde, message.value),
  };
}

/** JSON.stringify replacer: bytes inside Avro values as base64, 64-bit numbers as strings. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'Buffer' &&
    Array.isArray((value as { data?: unknown }).data)
  ) {
    return Buffer.from((value as { data: number[] }).data).toString('base64');
  }
  return value;
}
