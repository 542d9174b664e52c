import { readdirSync } from 'node:fs';
import { Type } from 'avsc';
import { avroSchemas, avroType, SCHEMAS_DIR, TopicName, topicNames, topics } from './catalogue';
import {
  ordersFinishedFor,
  buildOrdersPlaced,
  refundsRejectedFor,
  refundsRequestedFor,
  sampleEvent,
} from './testing';

const ENVELOPE = ['event_id', 'occurred_at', 'order_id', 'correlation_id', 'causation_id'];
const STOCK_ENVELOPE = ['event_id', 'occurred_at', 'correlation_id', 'causation_id'];

interface Undocumented {
  path: string;
}

/** Every field (nested records included) without a doc string. */
function undocumentedFields(schema: unknown, path: string, found: Undocumented[] = []): Undocumented[] {
  if (Array.isArray(schema)) {
    schema.forEach((branch) => undocumentedFields(branch, path, found));
  } else if (schema && typeof schema === 'object') {
    const node = schema as Record<string, unknown>;
    if (node['type'] === 'record' || node['type'] === 'enum') {
      if (typeof node['doc'] !== 'string' || node['doc'] === '') found.push({ path: `${path} (type)` });
    }
    if (node['type'] === 'record') {
      for (const field of node['fields'] as { name: string; type: unknown; doc?: string }[]) {
        if (typeof field.doc !== 'string' || field.doc.trim() === '')
          found.push({ path: `${path}.${field.name}` });
        undocumentedFields(field.type, `${path}.${field.name}`, found);
      }
    }
    if (node['type'] === 'array') undocumentedFields(node['items'], `${path}[]`, found);
    if (node['type'] === 'map') undocumentedFields(node['values'], `${path}{}`, found);
  }
  return found;
}

function roundTrip<T extends TopicName>(topic: T, value: unknown): unknown {
  const type = avroType(topic);
  const buffer = type.toBuffer(value);
  const decoded: unknown = type.fromBuffer(buffer);
  // Re-encoding must give the same bytes: nothing was lost or coerced on the way.
  expect(type.toBuffer(decoded).equals(buffer)).toBe(true);
  return decoded;
}

describe('schemas', () => {
  test('there is exactly one schema file per catalogued topic', () => {
    const files = readdirSync(SCHEMAS_DIR).filter((file) => file.endsWith('.avsc'));
    expect(files.sort()).toEqual(topicNames.map((topic) => topics[topic].schemaFile).sort());
  });

  describe.each(topicNames)('%s', (topic) => {
    const schema = avroSchemas[topic];

    test('parses with avsc as a record in dev.orderflow.events named as catalogued', () => {
      const type = Type.forSchema(schema as Parameters<typeof Type.forSchema>[0]);
      expect(type.typeName).toBe('record');
      expect(type.name).toBe(`dev.orderflow.events.${topics[topic].recordName}`);
    });

    test('documents every field', () => {
      expect(undocumentedFields(schema, topic)).toEqual([]);
    });

    test('starts with the envelope fields', () => {
      const expected = topic === 'inventory.stock-levels' ? STOCK_ENVELOPE : ENVELOPE;
      expect(schema.fields.slice(0, expected.length).map((field) => field.name)).toEqual(expected);
      expect(schema.fields.find((field) => field.name === 'causation_id')).toMatchObject({
        type: ['null', 'string'],
        default: null,
      });
    });

    test('has its message key as a string field', () => {
      expect(schema.fields.find((field) => field.name === topics[topic].key)?.type).toBe('string');
    });

    test('a sample value round-trips exactly', () => {
      const value = sampleEvent(topic);
      expect(roundTrip(topic, value)).toEqual(value);
    });
  });

  test('null and non-null branches of optional fields round-trip', () => {
    const placed = buildOrdersPlaced({ source: null });
    expect(roundTrip('orders.placed', placed)).toEqual(placed);
    const failed = ordersFinishedFor(placed, {
      status: 'FAILED',
      reason: 'PAYMENT_TIMEOUT',
      reason_detail: 'gateway did not answer',
      payment_id: null,
    });
    expect(roundTrip('orders.finished', failed)).toEqual(failed);
    const fullRefund = refundsRequestedFor(failed, { amount_cents: null });
    expect(roundTrip('refunds.requested', fullRefund)).toEqual(fullRefund);
    const unknownOrder = refundsRejectedFor(failed, fullRefund, {
      reason: 'ORDER_UNKNOWN',
      currency: null,
      customer: null,
      remaining_refundable_cents: null,
      detail: 'no such order',
    });
    expect(roundTrip('refunds.rejected', unknownOrder)).toEqual(unknownOrder);
  });

  test('a long beyond the safe integer range is refused rather than rounded', () => {
    const placed = buildOrdersPlaced({ total_cents: 2 ** 60 });
    expect(avroType('orders.placed').isValid(placed)).toBe(false);
  });

  test('money and timestamps are longs, never floating point', () => {
    for (const topic of topicNames) {
      for (const field of avroSchemas[topic].fields) {
        const type = JSON.stringify(field.type);
        if (field.name.endsWith('_cents')) expect([`"long"`, `["null","long"]`]).toContain(type);
        if (field.name.endsWith('_at')) expect(type).toBe('{"type":"long","logicalType":"timestamp-millis"}');
      }
    }
  });
});
