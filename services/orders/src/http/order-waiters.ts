/** Why a wait ended: the order was announced (or a re-check was asked for), time ran out, the client left. */
export type WaitOutcome = 'woken' | 'timeout' | 'aborted';

export interface Wait {
  done: Promise<WaitOutcome>;
  /** Ends the wait at once (as `aborted`) and forgets it. */
  cancel(): void;
}

/**
 * Requests waiting for orders to become final, per order id. Many requests can wait for one order; each
 * is forgotten when it ends, however it ends, so nothing piles up.
 */
export class OrderWaiters {
  private readonly waiting = new Map<string, Set<(outcome: WaitOutcome) => void>>();
  private count = 0;

  /** How many requests are waiting right now. */
  get size(): number {
    return this.count;
  }

  wait(orderId: string, timeoutMs: number, signal?: AbortSignal): Wait {
    let finish!: (outcome: WaitOutcome) => void;
    const done = new Promise<WaitOutcome>((resolve) => {
      const onAbort = () => finish('aborted');
      finish = (outcome) => {
        const set = this.waiting.get(orderId);
        if (!set?.delete(finish)) return;
        if (set.size === 0) this.waiting.delete(orderId);
        this.count--;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const set = this.waiting.get(orderId) ?? new Set();
      set.add(finish);
      this.waiting.set(orderId, set);
      this.count++;
      const timer = setTimeout(() => finish('timeout'), Math.max(0, timeoutMs));
      if (signal?.aborted) return finish('aborted');
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    return { done, cancel: () => finish('aborted') };
  }

  /** The order became final. */
  wake(orderId: string): void {
    for (const finish of [...(this.waiting.get(orderId) ?? [])]) finish('woken');
  }

  /** Announcements may have been missed (the listening connection was lost): everyone looks again. */
  wakeAll(): void {
    for (const set of [...this.waiting.values()]) for (const finish of [...set]) finish('woken');
  }
}
