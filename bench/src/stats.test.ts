import { latencies, percentile, perSecond, summarize } from './stats';

describe('percentile', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('takes the nearest rank', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([7, 9], 50)).toBe(7);
    expect(percentile([7, 9], 51)).toBe(9);
  });

  it('handles one value, p 0 and no values', () => {
    expect(percentile([42], 99)).toBe(42);
    expect(percentile([3, 4], 0)).toBe(3);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('summarize', () => {
  it('sorts before ranking and reports count, mean and max', () => {
    const summary = summarize([300, 100, 200, 1000]);
    expect(summary).toEqual({ count: 4, p50: 200, p95: 1000, p99: 1000, max: 1000, mean: 400 });
  });

  it('is NaN throughout for no values', () => {
    const summary = summarize([]);
    expect(summary.count).toBe(0);
    expect(summary.p99).toBeNaN();
    expect(summary.mean).toBeNaN();
  });
});

describe('latencies', () => {
  it('pairs orders by id, counts the unfinished and skips orders placed before `since`', () => {
    const placed = new Map([
      ['A', 1_000],
      ['B', 1_010],
      ['C', 1_020],
      ['OLD', 10],
    ]);
    const finished = new Map([
      ['A', 1_250],
      ['B', 1_005],
      ['OLD', 20],
    ]);
    const result = latencies(placed, finished, 1_000);
    expect(result.values).toEqual([250, 0]);
    expect(result.unfinished).toBe(1);
  });
});

describe('perSecond', () => {
  it('rounds and never divides by zero', () => {
    expect(perSecond(3_000, 1_000)).toBe(3_000);
    expect(perSecond(100_000, 33_333)).toBe(3_000);
    expect(perSecond(5, 0)).toBe(0);
  });
});
