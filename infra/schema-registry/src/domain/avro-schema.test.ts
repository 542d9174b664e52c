import { parseAvroSchema } from './avro-schema';
import { RegistryError } from './registry.errors';

const expectInvalid = (text: string) => {
  try {
    parseAvroSchema(text);
  } catch (error) {
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).errorCode).toBe(42201);
    return;
  }
  throw new Error(`expected ${text} to be rejected`);
};

describe('parseAvroSchema', () => {
  test('whitespace, key order and name spelling do not change the canonical form', () => {
    const a = parseAvroSchema(
      JSON.stringify({
        type: 'record',
        name: 'Order',
        namespace: 'orderflow',
        fields: [
          { name: 'id', type: { type: 'string' } },
          { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['A', 'B'] } },
          { name: 'previous', type: ['null', 'Status'], default: null },
        ],
      }),
    );
    const b = parseAvroSchema(`{
      "fields": [
        { "type": "string", "name": "id" },
        { "name": "status", "type": { "symbols": ["A", "B"], "name": "orderflow.Status", "type": "enum" } },
        { "default": null, "name": "previous", "type": ["null", "orderflow.Status"] }
      ],
      "name": "orderflow.Order",
      "type": "record"
    }`);
    expect(b.canonical).toBe(a.canonical);
    expect(b.fingerprint).toBe(a.fingerprint);
  });

  test('differences in docs, logical types, defaults or field order give different schemas', () => {
    const fields = [
      { name: 'id', type: 'string' },
      { name: 'at', type: 'long' },
    ];
    const plain = parseAvroSchema(JSON.stringify({ type: 'record', name: 'E', fields }));
    const variants = [
      { type: 'record', name: 'E', doc: 'event', fields },
      {
        type: 'record',
        name: 'E',
        fields: [fields[0], { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } }],
      },
      { type: 'record', name: 'E', fields: [fields[0], { name: 'at', type: 'long', default: 0 }] },
      { type: 'record', name: 'E', fields: [fields[1], fields[0]] },
    ];
    for (const variant of variants) {
      expect(parseAvroSchema(JSON.stringify(variant)).fingerprint).not.toBe(plain.fingerprint);
    }
  });

  test('keeps the submitted schema, minus whitespace, as the text handed back to readers', () => {
    const parsed = parseAvroSchema(
      '{ "type": "record", "name": "R", "fields": [ { "name": "a", "type": "int" } ] }',
    );
    expect(parsed.text).toBe('{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}');
  });

  test('rejects non-JSON, unknown types, bad defaults and duplicate union branches with 42201', () => {
    expectInvalid('{"type": "record"');
    expectInvalid(JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'Nope' }] }));
    expectInvalid(
      JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int', default: 'x' }] }),
    );
    expectInvalid(JSON.stringify(['int', 'int']));
    expectInvalid(JSON.stringify({ type: 'record', name: '1bad', fields: [] }));
  });

  test('accepts a primitive schema', () => {
    expect(parseAvroSchema('"string"').canonical).toBe('"string"');
  });
});
