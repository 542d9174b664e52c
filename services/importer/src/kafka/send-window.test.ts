import { SendWindow } from './send-window';

/** A send that finishes when the test says so. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const settle = () => new Promise(setImmediate);

describe('SendWindow', () => {
  test('queues sends without waiting until the window is full, and starts each after the one before', async () => {
    const window = new SendWindow(2);
    const sends = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    const submit = (i: number) =>
      window.submit(() => {
        started.push(i);
        return sends[i]!.promise;
      });
    await submit(0);
    await submit(1);
    await settle();
    expect(window.size).toBe(2);
    expect(started).toEqual([0]); // one request at a time

    let third = false;
    const waiting = submit(2).then(() => (third = true));
    await settle();
    expect(third).toBe(false); // the window is full

    sends[0]!.resolve();
    await waiting;
    await settle();
    expect(started).toEqual([0, 1]);
    sends[1]!.resolve();
    await settle();
    expect(started).toEqual([0, 1, 2]);
    sends[2]!.resolve();
    await window.drain();
    expect(window.size).toBe(0);
  });

  test('never has more than one send running nor more than its limit pending', async () => {
    const window = new SendWindow(3);
    let running = 0;
    let mostRunning = 0;
    let mostPending = 0;
    const order: number[] = [];
    for (let i = 0; i < 50; i += 1) {
      await window.submit(async () => {
        running += 1;
        mostRunning = Math.max(mostRunning, running);
        await settle();
        order.push(i);
        running -= 1;
      });
      mostPending = Math.max(mostPending, window.size);
    }
    await window.drain();
    expect(mostRunning).toBe(1);
    expect(mostPending).toBe(3);
    expect(order).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  test('after a failure starts nothing more, and reports it at the next submit and at drain', async () => {
    const window = new SendWindow(4);
    const first = deferred();
    await window.submit(() => first.promise);
    const queued = jest.fn(() => Promise.resolve());
    await window.submit(queued);
    first.reject(new Error('broker gone'));
    await settle();
    expect(queued).not.toHaveBeenCalled();
    const next = jest.fn(() => Promise.resolve());
    await expect(window.submit(next)).rejects.toThrow('broker gone');
    expect(next).not.toHaveBeenCalled();
    await expect(window.drain()).rejects.toThrow('broker gone');
    expect(queued).not.toHaveBeenCalled();
  });

  test('drain waits for every send', async () => {
    const window = new SendWindow(4);
    const sends = [deferred(), deferred()];
    for (const send of sends) await window.submit(() => send.promise);
    let drained = false;
    const draining = window.drain().then(() => (drained = true));
    sends[0]!.resolve();
    await settle();
    expect(drained).toBe(false);
    sends[1]!.resolve();
    await draining;
    expect(drained).toBe(true);
  });

  test('refuses a window of no sends', () => {
    expect(() => new SendWindow(0)).toThrow(RangeError);
  });
});
