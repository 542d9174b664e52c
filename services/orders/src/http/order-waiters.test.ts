import { OrderWaiters } from './order-waiters';

describe('order waiters', () => {
  test('every request waiting for an order is woken when it becomes final, others keep waiting', async () => {
    const waiters = new OrderWaiters();
    const a = [waiters.wait('ord-1', 10_000), waiters.wait('ord-1', 10_000)];
    const other = waiters.wait('ord-2', 10_000);
    expect(waiters.size).toBe(3);
    waiters.wake('ord-1');
    await expect(Promise.all(a.map((w) => w.done))).resolves.toEqual(['woken', 'woken']);
    expect(waiters.size).toBe(1);
    other.cancel();
    await expect(other.done).resolves.toBe('aborted');
    expect(waiters.size).toBe(0);
  });

  test('a wait ends at its timeout and is forgotten', async () => {
    const waiters = new OrderWaiters();
    const wait = waiters.wait('ord-1', 20);
    await expect(wait.done).resolves.toBe('timeout');
    expect(waiters.size).toBe(0);
    waiters.wake('ord-1');
  });

  test('a client that goes away ends its wait, also when it was gone before the wait began', async () => {
    const waiters = new OrderWaiters();
    const gone = new AbortController();
    const wait = waiters.wait('ord-1', 10_000, gone.signal);
    gone.abort();
    await expect(wait.done).resolves.toBe('aborted');
    await expect(waiters.wait('ord-1', 10_000, gone.signal).done).resolves.toBe('aborted');
    expect(waiters.size).toBe(0);
  });

  test("wakeAll wakes every order's waiters so they look again", async () => {
    const waiters = new OrderWaiters();
    const waits = [waiters.wait('ord-1', 10_000), waiters.wait('ord-2', 10_000)];
    waiters.wakeAll();
    await expect(Promise.all(waits.map((w) => w.done))).resolves.toEqual(['woken', 'woken']);
    expect(waiters.size).toBe(0);
  });
});
