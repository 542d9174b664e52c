import { Partitioners, type ICustomPartitioner } from 'kafkajs';

/**
 * Kafka's (Java client's) murmur2 of a key's bytes, the hash kafkajs' DefaultPartitioner uses, in 32-bit
 * integer arithmetic: kafkajs computes it with a 64-bit Long object per step, which made partitioning
 * alone about 5% of an import's CPU time. key-partitioner.test.ts checks that both agree.
 */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const length4 = length & ~3;
  for (let i = 0; i < length4; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const tail = length & 3;
  if (tail === 3) h ^= data[length4 + 2]! << 16;
  if (tail >= 2) h ^= data[length4 + 1]! << 8;
  if (tail >= 1) h = Math.imul(h ^ data[length4]!, m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The same choices as kafkajs' `Partitioners.DefaultPartitioner` (an explicit partition, else
 * `(murmur2(key) & 0x7fffffff) % partitions`, so keys land where the Java client and the other services
 * put them), faster for keyed messages; messages without a key go to kafkajs' own round robin.
 */
export const KeyPartitioner: ICustomPartitioner = () => {
  const fallback = Partitioners.DefaultPartitioner();
  return (args) => {
    const { message, partitionMetadata } = args;
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    const key = message.key;
    if (key === null || key === undefined) return fallback(args);
    const bytes = Buffer.isBuffer(key) ? key : Buffer.from(String(key));
    return (murmur2(bytes) & 0x7fffffff) % partitionMetadata.length;
  };
};
