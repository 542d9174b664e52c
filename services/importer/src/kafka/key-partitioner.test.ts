import { randomBytes } from 'node:crypto';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { KeyPartitioner } from './key-partitioner';

function metadata(partitions: number): PartitionMetadata[] {
  return Array.from({ length: partitions }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
  }));
}

describe('KeyPartitioner', () => {
  const keys = [
    '',
    'a',
    'ab',
    'abc',
    'abcd',
    'BENCH-2790de-000001',
    'DEMO-SKU-Ünïcödé-€',
    ...Array.from({ length: 2_000 }, (_, i) => `ORDER-${i}-${randomBytes(1 + (i % 23)).toString('hex')}`),
  ];

  test.each([1, 3, 6, 12, 64])(
    'puts every key where kafkajs DefaultPartitioner does (%i partitions)',
    (n) => {
      const ours = KeyPartitioner();
      const theirs = Partitioners.DefaultPartitioner();
      const partitionMetadata = metadata(n);
      for (const key of keys) {
        const expected = theirs({ topic: 't', partitionMetadata, message: { key, value: null } });
        expect(ours({ topic: 't', partitionMetadata, message: { key, value: null } })).toBe(expected);
        const asBytes = { key: Buffer.from(key), value: null };
        expect(ours({ topic: 't', partitionMetadata, message: asBytes })).toBe(expected);
      }
      // Raw bytes that are not UTF-8 text as well.
      for (let i = 0; i < 500; i += 1) {
        const key = randomBytes(i % 40);
        const message = { key, value: null };
        expect(ours({ topic: 't', partitionMetadata, message })).toBe(
          theirs({ topic: 't', partitionMetadata, message }),
        );
      }
    },
  );

  test('keeps an explicit partition, and spreads keyless messages over the partitions', () => {
    const ours = KeyPartitioner();
    const partitionMetadata = metadata(6);
    expect(ours({ topic: 't', partitionMetadata, message: { key: 'x', value: null, partition: 4 } })).toBe(4);
    const seen = new Set<number>();
    for (let i = 0; i < 12; i += 1) {
      seen.add(ours({ topic: 't', partitionMetadata, message: { value: null } }));
    }
    expect(seen.size).toBe(6);
  });
});
