// Avro serde over a Confluent-compatible schema registry. Values are written in the Confluent wire format
// (magic byte 0, 4-byte big-endian schema id, Avro binary) and read by resolving the writer's schema (looked up
// by id) to our reader schema, so producers and consumers can move to new schema versions independently.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Resolver, Type } from 'avsc';
import {
  AvroRecordSchema,
  avroSchemas,
  avroType,
  keyOf,
  TopicName,
  topicNames,
  topics,
  TopicValue,
} from './catalogue';

const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;

/**
 * A message that can never be decoded as the topic's value: not in wire format, an unknown schema id, a writer
 * schema that does not resolve to ours, or corrupt Avro. Consumers dead-letter it; retrying cannot help.
 */
export class DecodeError extends Error {
  readonly code = 'CONTRACTS.UNDECODABLE';
  readonly retryable = false;

  constructor(
    message: string,
    readonly schemaId?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DecodeError';
  }
}

/** A value that does not match its topic's schema: a bug in the producer, never worth retrying. */
export class EncodeError extends Error {
  readonly code = 'CONTRACTS.INVALID_EVENT';
  readonly retryable = false;

  constructor(
    message: string,
    /** Paths of the offending fields, e.g. ['lines', '0', 'qty']. */
    readonly paths: string[][],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EncodeError';
  }
}

export interface EventSerdeOptions {
  registryUrl: string;
  /** A client to use instead of one built from registryUrl (e.g. with auth or custom retry). */
  registry?: SchemaRegistry;
  /**
   * Reader schemas to use instead of the catalogue's, per topic; for trying a schema change against data
   * written with another version before the change is merged.
   */
  readerSchemas?: Partial<Record<TopicName, AvroRecordSchema>>;
}

/** The schema id a wire-format buffer was written with. */
export function schemaIdOf(buffer: Buffer): number {
  if (!Buffer.isBuffer(buffer) || buffer.length < HEADER_BYTES) {
    throw new DecodeError(
      `not Confluent wire format: ${bufferLength(buffer)} bytes, need at least ${HEADER_BYTES}`,
    );
  }
  if (buffer[0] !== MAGIC_BYTE) {
    throw new DecodeError(`not Confluent wire format: magic byte ${buffer[0]}, expected ${MAGIC_BYTE}`);
  }
  return buffer.readInt32BE(1);
}

function bufferLength(buffer: unknown): number | string {
  return Buffer.isBuffer(buffer) ? buffer.length : typeof buffer;
}

type Resolution = { ok: true; resolver: Resolver | undefined } | { ok: false; error: DecodeError };

export class EventSerde {
  private readonly registry: SchemaRegistry;
  private readonly readerTypes = new Map<TopicName, Type>();
  /** In-flight or finished registrations, so concurrent first encodes register once. */
  private readonly schemaIds = new Map<TopicName, Promise<number>>();
  /** Per topic, per writer schema id: how to read it with our reader schema. */
  private readonly resolutions = new Map<TopicName, Map<number, Resolution>>();

  constructor(private readonly options: EventSerdeOptions) {
    this.registry = options.registry ?? new SchemaRegistry({ host: options.registryUrl });
  }

  /** Registers every topic's value schema under `<topic>-value` and returns the schema ids. */
  async registerAll(): Promise<Map<TopicName, number>> {
    const ids = await Promise.all(
      topicNames.map(async (topic) => [topic, await this.schemaId(topic)] as const),
    );
    return new Map(ids);
  }

  /** The registry id of our schema for a topic, registering it on first use. */
  schemaId(topic: TopicName): Promise<number> {
    let id = this.schemaIds.get(topic);
    if (!id) {
      id = this.registry
        .register(
          { type: SchemaType.AVRO, schema: JSON.stringify(avroSchemas[topic]) },
          { subject: topics[topic].subject },
        )
        .then((registered) => registered.id);
      // A failed registration (registry down) must not stick: the next call tries again.
      id.catch(() => this.schemaIds.delete(topic));
      this.schemaIds.set(topic, id);
    }
    return id;
  }

  async encode<T extends TopicName>(topic: T, value: TopicValue<T>): Promise<Buffer> {
    const id = await this.schemaId(topic);
    const type = avroType(topic);
    let body: Buffer;
    try {
      // avsc checks every value as it writes, so validating up front would only double the work.
      body = type.toBuffer(value);
    } catch (error) {
      const paths: string[][] = [];
      type.isValid(value, { errorHook: (path) => paths.push(path) });
      const where = paths.map((path) => path.join('.') || '(value)').join(', ') || messageOf(error);
      throw new EncodeError(`invalid ${topic} event: ${where}`, paths, { cause: error });
    }
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt8(MAGIC_BYTE, 0);
    header.writeInt32BE(id, 1);
    return Buffer.concat([header, body]);
  }

  /**
   * The value encoded and addressed: topic, key (the catalogue's key field) and event id, the shape a
   * service's outbox takes.
   */
  async message<T extends TopicName>(
    topic: T,
    value: TopicValue<T>,
  ): Promise<{ topic: T; key: string; value: Buffer; eventId: string }> {
    return {
      topic,
      key: keyOf(topic, value),
      value: await this.encode(topic, value),
      eventId: value.event_id,
    };
  }

  /** Decodes a value written with any registered schema that resolves to our reader schema for the topic. */
  async decode<T extends TopicName>(topic: T, buffer: Buffer): Promise<TopicValue<T>> {
    const schemaId = schemaIdOf(buffer);
    const resolution = await this.resolution(topic, schemaId);
    if (!resolution.ok) throw resolution.error;
    try {
      return this.readerType(topic).fromBuffer(
        buffer.subarray(HEADER_BYTES),
        resolution.resolver,
      ) as TopicValue<T>;
    } catch (error) {
      throw new DecodeError(`corrupt ${topic} value (schema id ${schemaId}): ${messageOf(error)}`, schemaId, {
        cause: error,
      });
    }
  }

  /** Decodes a value with the schema it was written with, whatever topic it came from (for inspection tools). */
  async decodeAny(buffer: Buffer): Promise<unknown> {
    const schemaId = schemaIdOf(buffer);
    const writer = await this.writerType(schemaId);
    try {
      return writer.fromBuffer(buffer.subarray(HEADER_BYTES));
    } catch (error) {
      throw new DecodeError(`corrupt value (schema id ${schemaId}): ${messageOf(error)}`, schemaId, {
        cause: error,
      });
    }
  }

  private readerType(topic: TopicName): Type {
    const override = this.options.readerSchemas?.[topic];
    if (!override) return avroType(topic);
    let type = this.readerTypes.get(topic);
    if (!type) {
      type = Type.forSchema(override as Parameters<typeof Type.forSchema>[0]);
      this.readerTypes.set(topic, type);
    }
    return type;
  }

  private async resolution(topic: TopicName, schemaId: number): Promise<Resolution> {
    let byId = this.resolutions.get(topic);
    if (!byId) {
      byId = new Map();
      this.resolutions.set(topic, byId);
    }
    const cached = byId.get(schemaId);
    if (cached) return cached;
    // Transient registry failures propagate from here uncached; only settled answers are kept.
    const writer = await this.writerType(schemaId);
    const reader = this.readerType(topic);
    let resolution: Resolution;
    if (reader.equals(writer)) {
      // Same canonical schema: the bytes read the same without the cost of a resolver.
      resolution = { ok: true, resolver: undefined };
    } else {
      try {
        resolution = { ok: true, resolver: reader.createResolver(writer) };
      } catch (error) {
        const message = `schema id ${schemaId} (${writer.name ?? 'unnamed'}) cannot be read as ${topic}: ${messageOf(error)}`;
        resolution = { ok: false, error: new DecodeError(message, schemaId, { cause: error }) };
      }
    }
    byId.set(schemaId, resolution);
    return resolution;
  }

  private async writerType(schemaId: number): Promise<Type> {
    let schema: unknown;
    try {
      schema = await this.registry.getSchema(schemaId);
    } catch (error) {
      if (isHttpError(error)) {
        if (error.status === 404) {
          throw new DecodeError(`schema id ${schemaId} is not in the registry`, schemaId, { cause: error });
        }
        // Registry down, overloaded or unreachable: the message is fine, try again later.
        throw error;
      }
      // The registry answered but the schema is not valid Avro.
      throw new DecodeError(`schema id ${schemaId} cannot be parsed: ${messageOf(error)}`, schemaId, {
        cause: error,
      });
    }
    if (!Type.isType(schema)) {
      throw new DecodeError(`schema id ${schemaId} is not an Avro schema`, schemaId);
    }
    return schema as Type;
  }
}

/** The client's ResponseError (not exported by it): an HTTP answer, or a network failure it maps to 400. */
function isHttpError(error: unknown): error is Error & { status: number } {
  return (
    error instanceof Error &&
    error.name === 'ResponseError' &&
    typeof (error as { status?: unknown }).status === 'number'
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
