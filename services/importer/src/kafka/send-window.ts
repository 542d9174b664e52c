/**
 * Sends one at a time, in order, with up to `limit` waiting or in flight: `submit` queues a send behind
 * the previous one and returns at once while fewer are pending (waiting for the oldest otherwise), which
 * is the backpressure that keeps an import's memory flat, while the next batches are read, validated and
 * encoded during a broker round trip instead of after it. A send starts only once the one before it
 * has been acknowledged: handing kafkajs two at once would let a retried request take sequence numbers
 * after a later one, which an idempotent producer must not do (a batch could then pass for a duplicate).
 * After a failure nothing more is started; it is reported by the next `submit` or by `drain`.
 */
export class SendWindow {
  private readonly pending: Promise<void>[] = [];
  private last: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`window of ${limit} sends`);
  }

  /** Sends queued or in flight and not yet waited for. */
  get size(): number {
    return this.pending.length;
  }

  async submit(start: () => Promise<void>): Promise<void> {
    this.throwIfFailed();
    while (this.pending.length >= this.limit) {
      await this.pending.shift()!.catch(() => undefined);
      this.throwIfFailed();
    }
    // Rejects without starting when an earlier send failed.
    const sending = this.last.then(start);
    this.last = sending;
    this.pending.push(sending);
    // Recorded for the next submit or drain; this also keeps Node from calling it unhandled meanwhile.
    sending.catch((error: unknown) => {
      this.failure ??= { error };
    });
  }

  /** Waits for every send queued; rejects with the first failure. */
  async drain(): Promise<void> {
    while (this.pending.length > 0) {
      await this.pending.shift()!.catch(() => undefined);
    }
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
