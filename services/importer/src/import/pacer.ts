/**
 * `--rate <orders/s>`: holds the import to a steady rate for latency measurements. Order n (from 0) is
 * due `n / rate` seconds after the start; `delayMs(n)` says how long to wait before it may be sent.
 */
export class Pacer {
  private readonly startedAt: number;

  constructor(
    readonly ratePerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond))
      throw new RangeError(`rate must be a positive number, got ${ratePerSecond}`);
    this.startedAt = now();
  }

  /** Milliseconds until order `index` (0-based) is due; 0 when it is due or late. */
  delayMs(index: number): number {
    const due = this.startedAt + (index * 1000) / this.ratePerSecond;
    return Math.max(0, due - this.now());
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
