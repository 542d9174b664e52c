import { createLogger } from '../logger';
import { waitFor } from '../testing/wait';
import { PollingLoop } from './polling-loop';

const logger = createLogger({ service: 'test', level: 'silent' });

describe('PollingLoop', () => {
  test('runs again at once while a round reports more work, then idles', async () => {
    let rounds = 0;
    const loop = new PollingLoop('drain', async () => ++rounds < 5, { intervalMs: 60_000, logger });
    loop.start();
    await waitFor('five rounds', () => rounds >= 5 || undefined, { timeoutMs: 2000 });
    await loop.stop();
    expect(rounds).toBe(5);
  });

  test('a failing round is retried after a pause instead of ending the loop', async () => {
    let rounds = 0;
    const loop = new PollingLoop(
      'flaky',
      async () => {
        rounds++;
        if (rounds < 3) throw new Error('database gone');
        return false;
      },
      { intervalMs: 5, logger },
    );
    loop.start();
    await waitFor('recovered', () => rounds >= 3 || undefined, { timeoutMs: 2000 });
    await loop.stop();
  });

  test('wake() ends an idle pause, and stop() returns without waiting for the interval', async () => {
    let rounds = 0;
    const loop = new PollingLoop('idle', async () => (rounds++, false), { intervalMs: 60_000, logger });
    loop.start();
    await waitFor('first round', () => rounds === 1 || undefined, { timeoutMs: 2000 });
    loop.wake();
    await waitFor('woken round', () => rounds === 2 || undefined, { timeoutMs: 2000 });
    const started = Date.now();
    await loop.stop();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
