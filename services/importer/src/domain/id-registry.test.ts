import { IdRegistry } from './id-registry';

describe('IdRegistry', () => {
  test('remembers the first line of every id, exactly', () => {
    const registry = new IdRegistry();
    expect(registry.firstLineOrAdd('A-1', 2)).toBeUndefined();
    expect(registry.firstLineOrAdd('A-2', 5)).toBeUndefined();
    expect(registry.firstLineOrAdd('A-1', 9)).toBe(2);
    expect(registry.firstLineOrAdd('A-2', 11)).toBe(5);
    expect(registry.firstLineOrAdd('a-1', 12)).toBeUndefined();
    expect(registry.firstLineOrAdd('A-1 ', 13)).toBeUndefined();
    expect(registry.size).toBe(4);
  });

  test('non-ASCII ids, the empty id and long ids', () => {
    const registry = new IdRegistry();
    const ids = ['Bestellung-ä', '注文-1', '', 'x'.repeat(100_000), '🧾'];
    ids.forEach((id, i) => expect(registry.firstLineOrAdd(id, i + 2)).toBeUndefined());
    ids.forEach((id, i) => expect(registry.firstLineOrAdd(id, 1_000)).toBe(i + 2));
  });

  test('keeps every id through growth and agrees with a Map', () => {
    const registry = new IdRegistry();
    const reference = new Map<string, number>();
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (let line = 2; line < 60_000; line += 1) {
      const id = `ORD-${Math.floor(random() * 40_000)}`;
      const expected = reference.get(id);
      expect(registry.firstLineOrAdd(id, line)).toBe(expected);
      if (expected === undefined) reference.set(id, line);
    }
    expect(registry.size).toBe(reference.size);
  });
});
