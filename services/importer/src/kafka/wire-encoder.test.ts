import { avroType, EncodeError, type OrdersPlaced } from '@orderflow/contracts';
import { buildOrderLine, buildOrdersPlaced } from '@orderflow/contracts/testing';
import { WireEncoder } from './wire-encoder';

/** What EventSerde.encode writes: magic byte 0, the schema id as a big-endian int32, the Avro body. */
function serdeBytes(schemaId: number, value: OrdersPlaced): Buffer {
  const header = Buffer.alloc(5);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, avroType('orders.placed').toBuffer(value)]);
}

describe('WireEncoder', () => {
  test('writes the same bytes as EventSerde, each event its own view', () => {
    const encoder = new WireEncoder('orders.placed', 123_456);
    const events = Array.from({ length: 50 }, () => buildOrdersPlaced());
    const encoded = events.map((event) => encoder.encode(event));
    events.forEach((event, i) => expect(encoded[i]!.equals(serdeBytes(123_456, event))).toBe(true));
    expect(avroType('orders.placed').fromBuffer(encoded[7]!.subarray(5))).toEqual(events[7]);
  });

  test('earlier views stay intact when later events fill and overflow the chunk', () => {
    const encoder = new WireEncoder('orders.placed', 7);
    const events = Array.from({ length: 3_000 }, () => buildOrdersPlaced());
    const encoded = events.map((event) => encoder.encode(event));
    events.forEach((event, i) => expect(encoded[i]!.equals(serdeBytes(7, event))).toBe(true));
  });

  test('an event bigger than a chunk gets room of its own', () => {
    const encoder = new WireEncoder('orders.placed', 7);
    encoder.encode(buildOrdersPlaced());
    const lines = Array.from({ length: 10_000 }, () => buildOrderLine({ name: 'x'.repeat(100) }));
    const huge = buildOrdersPlaced({ lines });
    const bytes = encoder.encode(huge);
    expect(bytes.length).toBeGreaterThan(1_000_000);
    expect(bytes.equals(serdeBytes(7, huge))).toBe(true);
  });

  test('an invalid event is refused with the offending field', () => {
    const encoder = new WireEncoder('orders.placed', 7);
    const bad = { ...buildOrdersPlaced(), total_cents: 'lots' } as unknown as OrdersPlaced;
    expect(() => encoder.encode(bad)).toThrow(EncodeError);
    expect(() => encoder.encode(bad)).toThrow('invalid orders.placed event: total_cents');
  });
});
