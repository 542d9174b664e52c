import { gatewayOutcome, outcomeDraw } from './outcome';

const ids = Array.from({ length: 10_000 }, (_, i) => `ord-${i}`);

describe('gatewayOutcome', () => {
  test('gives the same answer for the same seed and order, every time', () => {
    for (const id of ids.slice(0, 200)) {
      expect(gatewayOutcome('seed-a', id, 0.5)).toBe(gatewayOutcome('seed-a', id, 0.5));
    }
  });

  test('succeeds for about the configured share of orders', () => {
    const succeeded = ids.filter((id) => gatewayOutcome('orderflow', id, 0.9) === 'SUCCEEDED').length;
    expect(succeeded / ids.length).toBeGreaterThanOrEqual(0.88);
    expect(succeeded / ids.length).toBeLessThanOrEqual(0.92);
  });

  test('another seed decides other orders', () => {
    const differing = ids.filter(
      (id) => gatewayOutcome('a', id, 0.5) !== gatewayOutcome('b', id, 0.5),
    ).length;
    // Independent coin flips disagree about half the time.
    expect(differing / ids.length).toBeGreaterThan(0.4);
    expect(differing / ids.length).toBeLessThan(0.6);
  });

  test('rate 1 always succeeds and rate 0 never does', () => {
    expect(ids.every((id) => gatewayOutcome('s', id, 1) === 'SUCCEEDED')).toBe(true);
    expect(ids.every((id) => gatewayOutcome('s', id, 0) === 'DECLINED')).toBe(true);
  });

  test('a higher rate only adds successes: an order accepted at 0.5 is accepted at 0.7', () => {
    for (const id of ids.slice(0, 2000)) {
      if (gatewayOutcome('s', id, 0.5) === 'SUCCEEDED')
        expect(gatewayOutcome('s', id, 0.7)).toBe('SUCCEEDED');
    }
  });

  test('seed and order id cannot be shifted into each other', () => {
    expect(outcomeDraw('ab', 'c')).not.toBe(outcomeDraw('a', 'bc'));
  });

  test('draws lie in [0, 1)', () => {
    for (const id of ids.slice(0, 1000)) {
      const draw = outcomeDraw('x', id);
      expect(draw).toBeGreaterThanOrEqual(0);
      expect(draw).toBeLessThan(1);
    }
  });
});
