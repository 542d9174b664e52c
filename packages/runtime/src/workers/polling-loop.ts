import type { Logger } from 'pino';

/**
 * Calls `round` until stopped: straight again while it says there is more, after `intervalMs` when idle,
 * and with a pause that doubles (to 10 s at most) while rounds keep failing, so a database outage neither
 * spins nor ends the loop. `wake()` cuts an idle pause short.
 */
export class PollingLoop {
  private running = false;
  private loop: Promise<void> | undefined;
  private interrupt: (() => void) | undefined;
  private woken = false;

  constructor(
    private readonly name: string,
    private readonly round: () => Promise<boolean>,
    private readonly options: { intervalMs: number; logger: Logger },
  ) {}

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Lets the round in progress finish (its deliveries are bounded by their timeouts), then returns. */
  async stop(): Promise<void> {
    this.running = false;
    this.interrupt?.();
    await this.loop;
  }

  /** New work is due: skip the next idle pause, or end the current one. */
  wake(): void {
    this.woken = true;
    this.interrupt?.();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      this.woken = false;
      let more = false;
      try {
        more = await this.round();
        failures = 0;
      } catch (error) {
        failures++;
        this.options.logger.warn(
          { err: error, worker: this.name, failures },
          'worker round failed; retrying',
        );
      }
      if (more) continue;
      if (failures === 0 && this.woken) continue;
      const pause =
        failures === 0 ? this.options.intervalMs : Math.min(10_000, this.options.intervalMs * 2 ** failures);
      await this.pause(pause);
    }
  }

  private pause(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.interrupt = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.interrupt = done;
    });
  }
}
