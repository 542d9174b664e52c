import { parseAvroSchema } from './avro-schema';
import {
  checkCompatibility,
  nonTransitive,
  parseCompatibilityLevel,
  type CompatibilityLevel,
  type ExistingVersion,
} from './compatibility';

type Field = { name: string; type: unknown; default?: unknown };

const record = (fields: Field[], name = 'Order') =>
  parseAvroSchema(JSON.stringify({ type: 'record', name, fields })).type;
const versions = (...types: ReturnType<typeof record>[]): ExistingVersion[] =>
  types.map((type, index) => ({ version: index + 1, type }));
const compatible = (
  candidate: ReturnType<typeof record>,
  existing: ExistingVersion[],
  level: CompatibilityLevel,
) => checkCompatibility(candidate, existing, level).compatible;

const base = record([{ name: 'id', type: 'string' }]);

describe('checkCompatibility', () => {
  test('adding a field with a default is compatible in every direction', () => {
    const next = record([
      { name: 'id', type: 'string' },
      { name: 'note', type: 'string', default: '' },
    ]);
    expect(compatible(next, versions(base), 'BACKWARD')).toBe(true);
    expect(compatible(next, versions(base), 'FORWARD')).toBe(true);
    expect(compatible(next, versions(base), 'FULL')).toBe(true);
  });

  test('adding a field without a default breaks BACKWARD but not FORWARD', () => {
    const next = record([
      { name: 'id', type: 'string' },
      { name: 'qty', type: 'int' },
    ]);
    const result = checkCompatibility(next, versions(base), 'BACKWARD');
    expect(result.compatible).toBe(false);
    expect(result.messages).toHaveLength(1);
    expect(result.messages[0]).toContain('version 1');
    expect(compatible(next, versions(base), 'FORWARD')).toBe(true);
    expect(compatible(next, versions(base), 'FULL')).toBe(false);
  });

  test('removing a field is BACKWARD compatible, and FORWARD only when the old field had a default', () => {
    const withQty = record([
      { name: 'id', type: 'string' },
      { name: 'qty', type: 'int' },
    ]);
    expect(compatible(base, versions(withQty), 'BACKWARD')).toBe(true);
    expect(compatible(base, versions(withQty), 'FORWARD')).toBe(false);

    const withDefaultedQty = record([
      { name: 'id', type: 'string' },
      { name: 'qty', type: 'int', default: 1 },
    ]);
    expect(compatible(base, versions(withDefaultedQty), 'FULL')).toBe(true);
  });

  test('changing a field from string to int is incompatible', () => {
    const next = record([{ name: 'id', type: 'int' }]);
    expect(compatible(next, versions(base), 'BACKWARD')).toBe(false);
    expect(compatible(next, versions(base), 'FORWARD')).toBe(false);
  });

  test('promoting int to long is BACKWARD compatible but not FORWARD', () => {
    const asInt = record([{ name: 'n', type: 'int' }]);
    const asLong = record([{ name: 'n', type: 'long' }]);
    expect(compatible(asLong, versions(asInt), 'BACKWARD')).toBe(true);
    expect(compatible(asLong, versions(asInt), 'FORWARD')).toBe(false);
    expect(compatible(asInt, versions(asLong), 'BACKWARD')).toBe(false);
  });

  test('other Avro promotions: long->double, float->double, string<->bytes', () => {
    const of = (type: string) => record([{ name: 'v', type }]);
    expect(compatible(of('double'), versions(of('long')), 'BACKWARD')).toBe(true);
    expect(compatible(of('double'), versions(of('float')), 'BACKWARD')).toBe(true);
    expect(compatible(of('bytes'), versions(of('string')), 'FULL')).toBe(true);
    expect(compatible(of('boolean'), versions(of('int')), 'BACKWARD')).toBe(false);
  });

  test('making a field nullable through a union is BACKWARD compatible; narrowing the union is not', () => {
    const nullable = record([{ name: 'id', type: ['null', 'string'], default: null }]);
    expect(compatible(nullable, versions(base), 'BACKWARD')).toBe(true);
    expect(compatible(base, versions(nullable), 'BACKWARD')).toBe(false);
  });

  test('an enum that drops a symbol cannot read old data unless it declares a default', () => {
    const enumField = (symbols: string[], fallback?: string) =>
      record([
        {
          name: 'status',
          type: { type: 'enum', name: 'Status', symbols, ...(fallback ? { default: fallback } : {}) },
        },
      ]);
    const three = enumField(['NEW', 'PAID', 'FAILED']);
    expect(compatible(enumField(['NEW', 'PAID']), versions(three), 'BACKWARD')).toBe(false);
    expect(compatible(enumField(['NEW', 'PAID'], 'NEW'), versions(three), 'BACKWARD')).toBe(true);
    expect(compatible(enumField(['NEW', 'PAID', 'FAILED', 'REFUNDED']), versions(three), 'BACKWARD')).toBe(
      true,
    );
  });

  test('renaming the record is incompatible unless the new name lists the old one as an alias', () => {
    const renamed = parseAvroSchema(
      JSON.stringify({ type: 'record', name: 'Purchase', fields: [{ name: 'id', type: 'string' }] }),
    ).type;
    const aliased = parseAvroSchema(
      JSON.stringify({
        type: 'record',
        name: 'Purchase',
        aliases: ['Order'],
        fields: [{ name: 'id', type: 'string' }],
      }),
    ).type;
    expect(compatible(renamed, versions(base), 'BACKWARD')).toBe(false);
    expect(compatible(aliased, versions(base), 'BACKWARD')).toBe(true);
  });

  test('non-transitive levels only check the latest version, transitive ones check all of them', () => {
    const v1 = record([{ name: 'id', type: 'string' }]);
    // Only v3 carries `qty`, so a reader that requires `qty` (no default) can read v3's data but not v1's or v2's.
    const v2 = record([{ name: 'sku', type: 'string', default: '' }]);
    const v3 = record([
      { name: 'sku', type: 'string', default: '' },
      { name: 'qty', type: 'int', default: 0 },
    ]);
    const candidate = record([{ name: 'qty', type: 'int' }]);
    expect(compatible(candidate, versions(v1, v2, v3), 'BACKWARD')).toBe(true);
    expect(compatible(candidate, versions(v1, v2, v3), 'BACKWARD_TRANSITIVE')).toBe(false);
    const messages = checkCompatibility(candidate, versions(v1, v2, v3), 'BACKWARD_TRANSITIVE').messages;
    expect(messages.map((m) => m.match(/version (\d+)/)?.[1])).toEqual(['1', '2']);
  });

  test('NONE accepts anything and an empty subject is always compatible', () => {
    const unrelated = record([{ name: 'x', type: 'boolean' }], 'Other');
    expect(compatible(unrelated, versions(base), 'NONE')).toBe(true);
    expect(compatible(unrelated, [], 'FULL_TRANSITIVE')).toBe(true);
  });
});

describe('compatibility levels', () => {
  test('parse case-insensitively and reject unknown values', () => {
    expect(parseCompatibilityLevel('full_transitive')).toBe('FULL_TRANSITIVE');
    expect(parseCompatibilityLevel('SIDEWAYS')).toBeUndefined();
    expect(parseCompatibilityLevel(3)).toBeUndefined();
  });

  test('nonTransitive strips the suffix', () => {
    expect(nonTransitive('FORWARD_TRANSITIVE')).toBe('FORWARD');
    expect(nonTransitive('NONE')).toBe('NONE');
  });
});
