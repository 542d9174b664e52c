import type { Logger } from '@orderflow/runtime';

/**
 * Runs `round` over and over: again at once while it reports more work, after `intervalMs` when idle,
 * and with a growing pause (up to 10 s) while it fails, so a database outage neither spins nor stops it.
 */
export class PollingLoop {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly name: string,
    private readonly round: () => Promise<boolean>,
    private readonly options: { intervalMs: number; logger: Logger },
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
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
      await this.pause(
        failures === 0 ? this.options.intervalMs : Math.min(10_000, this.options.intervalMs * 2 ** failures),
      );
    }
  }

  private pause(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
