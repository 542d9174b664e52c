import { randomBytes, randomUUID } from 'node:crypto';
import { eventIdFrom } from '@orderflow/contracts';
import { eventIdOf } from './event-id';

describe('eventIdOf', () => {
  test('gives the ids eventIdFrom gives', () => {
    const samples: string[][] = [
      ['orders.placed', 'A-1', 'f'.repeat(64)],
      ['inventory.stock-levels', randomUUID(), 'SKU-Ü€-1'],
      ['', ''],
      ['a', 'bc'],
      ['ab', 'c'],
    ];
    for (let i = 0; i < 2_000; i += 1) {
      samples.push([
        'orders.placed',
        randomBytes(i % 30).toString('base64'),
        `${String.fromCodePoint(0x1f600 + (i % 50))}${randomBytes(32).toString('hex')}`,
      ]);
    }
    for (const parts of samples) expect(eventIdOf(...parts)).toBe(eventIdFrom(...parts));
  });
});
