import { createHash } from 'node:crypto';
import { xoroshiro128plus, type RandomGenerator } from 'pure-rand';

const TWO_POW_32 = 4294967296;

/** A 32-bit seed from any text: the same text gives the same stream on every machine. */
export function seedFrom(text: string): number {
  return createHash('sha256').update(text).digest().readInt32BE(0);
}

/**
 * The generator's only source of randomness: a seeded xoroshiro128+ (pure-rand) with the few draws the
 * data set needs. Never Math.random, so the same seed always gives the same bytes.
 */
export class Random {
  private readonly rng: RandomGenerator;

  constructor(seed: string | number) {
    this.rng = xoroshiro128plus(typeof seed === 'number' ? seed : seedFrom(seed));
  }

  /** Uniform in [0, 1). */
  next(): number {
    return (this.rng.unsafeNext() >>> 0) / TWO_POW_32;
  }

  /** Uniform whole number in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform whole number in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** Fisher-Yates on a copy. */
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i -= 1) {
      const j = this.int(i + 1);
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy;
  }
}

/**
 * Draws indexes 0..n-1 with given weights in O(log n) per draw (binary search over the cumulative sums).
 */
export class WeightedIndex {
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(weights: readonly number[]) {
    if (weights.length === 0) throw new Error('no weights');
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    weights.forEach((weight, i) => {
      sum += weight;
      this.cumulative[i] = sum;
    });
    this.total = sum;
  }

  draw(random: Random): number {
    const target = random.next() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cumulative[mid] as number) > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** Zipf-like weights 1/rank^s: a few items (customers, products) get most of the picks. */
export function zipfWeights(count: number, exponent: number): number[] {
  return Array.from({ length: count }, (_, rank) => Math.pow(rank + 1, -exponent));
}
