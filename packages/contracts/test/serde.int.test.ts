// Against the real schema registry at SCHEMA_REGISTRY_URL. Topic subjects get our current schemas (as
// `schemas:register` would); altered schemas only ever go to subjects unique to this run.
import { randomUUID } from 'node:crypto';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import {
  AvroRecordSchema,
  avroSchemas,
  DecodeError,
  EncodeError,
  EventSerde,
  schemaIdOf,
  topicNames,
  type OrdersPlaced,
} from '../src';
import { buildOrderLine, buildOrdersPlaced, sampleEvent } from '../src/testing';

const REGISTRY_URL = process.env['SCHEMA_REGISTRY_URL'] || 'http://127.0.0.1:8081';
const registry = new SchemaRegistry({ host: REGISTRY_URL });
const serde = new EventSerde({ registryUrl: REGISTRY_URL, registry });

const RUN = randomUUID().slice(0, 8);
let subjectCount = 0;
const uniqueSubject = () => `contracts-int-${RUN}-${++subjectCount}-value`;

/** orders.placed plus one field, as a later version of the schema might add it. */
function placedWithField(field: AvroRecordSchema['fields'][number]): AvroRecordSchema {
  const current = avroSchemas['orders.placed'];
  return { ...current, fields: [...current.fields, field] };
}

const GIFT_MESSAGE = {
  name: 'gift_message',
  type: ['null', 'string'],
  default: null,
  doc: 'Message to print on the packing slip, if any.',
};

function registerUnder(subject: string, schema: AvroRecordSchema) {
  return registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
}

describe('EventSerde against the schema registry', () => {
  test('registerAll registers every topic under <topic>-value', async () => {
    const ids = await serde.registerAll();
    expect([...ids.keys()].sort()).toEqual([...topicNames].sort());
    for (const topic of topicNames) {
      expect(await registry.getLatestSchemaId(`${topic}-value`)).toBe(ids.get(topic));
    }
  });

  test.each(topicNames)('%s round-trips in Confluent wire format', async (topic) => {
    const value = sampleEvent(topic);
    const buffer = await serde.encode(topic, value);
    expect(buffer[0]).toBe(0);
    expect(schemaIdOf(buffer)).toBe(await serde.schemaId(topic));
    expect(await serde.decode(topic, buffer)).toEqual(value);
    expect(await serde.decodeAny(buffer)).toEqual(value);
  });

  test('a fresh serde registers lazily on its first encode', async () => {
    const fresh = new EventSerde({ registryUrl: REGISTRY_URL });
    const value = sampleEvent('payments.succeeded');
    const [first, second] = await Promise.all([
      fresh.encode('payments.succeeded', value),
      fresh.encode('payments.succeeded', value),
    ]);
    expect(schemaIdOf(first)).toBe(await registry.getLatestSchemaId('payments.succeeded-value'));
    expect(await serde.decode('payments.succeeded', second)).toEqual(value);
  });

  test('an event that does not match its schema is refused with the offending field', async () => {
    const placed = buildOrdersPlaced({ lines: [buildOrderLine({ qty: 1.5 })] });
    const attempt = serde.encode('orders.placed', placed);
    await expect(attempt).rejects.toBeInstanceOf(EncodeError);
    await expect(attempt).rejects.toMatchObject({ paths: [['lines', '0', 'qty']] });
  });

  describe('schema evolution', () => {
    test('the registry refuses a new version that adds a field without a default', async () => {
      const subject = uniqueSubject();
      await registerUnder(subject, avroSchemas['orders.placed']);
      const incompatible = placedWithField({ name: 'priority', type: 'string', doc: 'Shipping priority.' });
      await expect(registerUnder(subject, incompatible)).rejects.toMatchObject({ status: 409 });
    });

    test('a reader on the old schema reads data written with a compatible new one', async () => {
      const subject = uniqueSubject();
      const oldId = (await registerUnder(subject, avroSchemas['orders.placed'])).id;
      const newId = (await registerUnder(subject, placedWithField(GIFT_MESSAGE))).id;
      expect(newId).not.toBe(oldId);

      const placed = buildOrdersPlaced();
      const written = await registry.encode(newId, { ...placed, gift_message: 'happy birthday' });
      expect(schemaIdOf(written)).toBe(newId);

      // `serde` reads with the catalogue's (old) schema: the new field is skipped, the rest is intact.
      const read = await serde.decode('orders.placed', written);
      expect(read).toEqual(placed);
      expect(read).not.toHaveProperty('gift_message');
    });

    test('a reader on the new schema reads old data, filling the new field with its default', async () => {
      const subject = uniqueSubject();
      const oldId = (await registerUnder(subject, avroSchemas['orders.placed'])).id;
      await registerUnder(subject, placedWithField(GIFT_MESSAGE));

      const placed = buildOrdersPlaced();
      const written = await registry.encode(oldId, placed);
      const newReader = new EventSerde({
        registryUrl: REGISTRY_URL,
        registry,
        readerSchemas: { 'orders.placed': placedWithField(GIFT_MESSAGE) },
      });
      const read = (await newReader.decode('orders.placed', written)) as OrdersPlaced & {
        gift_message: unknown;
      };
      expect(read).toEqual({ ...placed, gift_message: null });
    });
  });

  describe('undecodable messages', () => {
    const expectDecodeError = async (attempt: Promise<unknown>) => {
      await expect(attempt).rejects.toBeInstanceOf(DecodeError);
      await expect(attempt).rejects.toMatchObject({ code: 'CONTRACTS.UNDECODABLE', retryable: false });
    };

    test('bytes that are not wire format', async () => {
      await expectDecodeError(serde.decode('orders.placed', Buffer.from('{"order_id":"o-1"}')));
      await expectDecodeError(serde.decode('orders.placed', Buffer.from([0, 0, 1])));
      await expectDecodeError(serde.decode('orders.placed', Buffer.alloc(0)));
      await expectDecodeError(serde.decodeAny(Buffer.from('garbage')));
    });

    test('a schema id the registry does not know', async () => {
      const buffer = Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0]), Buffer.from('whatever')]);
      await expectDecodeError(serde.decode('orders.placed', buffer));
      await expectDecodeError(serde.decodeAny(buffer));
    });

    test('a valid header followed by corrupt Avro', async () => {
      const buffer = await serde.encode('orders.placed', buildOrdersPlaced());
      await expectDecodeError(serde.decode('orders.placed', buffer.subarray(0, buffer.length - 10)));
      const trailing = Buffer.concat([buffer, Buffer.from([1, 2, 3])]);
      await expectDecodeError(serde.decode('orders.placed', trailing));
    });

    test('an event of another topic', async () => {
      const buffer = await serde.encode('inventory.reserved', sampleEvent('inventory.reserved'));
      await expectDecodeError(serde.decode('orders.placed', buffer));
      // Still fine for the topic it belongs to: a failed resolution is cached per topic, not per schema id.
      await expect(serde.decode('inventory.reserved', buffer)).resolves.toBeDefined();
    });

    test('a registry that is down is a transient error, not a DecodeError', async () => {
      const buffer = await serde.encode('orders.placed', buildOrdersPlaced());
      const offline = new EventSerde({
        registryUrl: 'http://127.0.0.1:9',
        registry: new SchemaRegistry({ host: 'http://127.0.0.1:9', retry: { retries: 0 } }),
      });
      const attempt = offline.decode('orders.placed', buffer);
      await expect(attempt).rejects.toThrow();
      await expect(attempt).rejects.not.toBeInstanceOf(DecodeError);
    });
  });
});
