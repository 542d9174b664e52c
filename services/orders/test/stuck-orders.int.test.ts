import { buildOrdersPlaced, inventoryReservedFor, paymentsSucceededFor } from '@orderflow/contracts/testing';
import { waitFor } from '@orderflow/runtime';
import { OrdersHarness } from './support';

interface Readiness {
  status: string;
  checks: Record<string, { ok: boolean; details?: { count?: number; oldest_order_ids?: string[] } }>;
}

// A service of its own, so no other test's open orders show up in its report.
const orders = new OrdersHarness({ ORDER_STUCK_AFTER_MS: '1000', ORDER_STUCK_CHECK_INTERVAL_MS: '200' });

beforeAll(() => orders.start());
afterAll(() => orders.stop());

async function stuckReport() {
  const answer = await orders.get<Readiness>('/readyz');
  return { httpStatus: answer.status, ready: answer.body.status, stuck: answer.body.checks.stuck_orders! };
}

describe('stuck orders', () => {
  test('an order not final after ORDER_STUCK_AFTER_MS is reported in /readyz and the gauge until it finishes', async () => {
    const placed = buildOrdersPlaced();
    const reserved = inventoryReservedFor(placed);
    // Heard of only through another topic: stuck all the same.
    const orphan = inventoryReservedFor(buildOrdersPlaced());
    await orders.produce('orders.placed', placed);
    await orders.produce('inventory.reserved', reserved, orphan);

    const report = await waitFor('two stuck orders', async () => {
      const current = await stuckReport();
      return current.stuck.details?.count === 2 ? current : undefined;
    });
    // A report, not a reason to stop serving.
    expect(report).toMatchObject({ httpStatus: 200, ready: 'ready', stuck: { ok: true } });
    expect([...report.stuck.details!.oldest_order_ids!].sort()).toEqual(
      [placed.order_id, orphan.order_id].sort(),
    );
    expect(await orders.metric('orderflow_orders_stuck')).toBe(2);

    await orders.produce('payments.succeeded', paymentsSucceededFor(reserved));
    await waitFor('one stuck order left', async () => (await stuckReport()).stuck.details?.count === 1);
    expect((await stuckReport()).stuck.details?.oldest_order_ids).toEqual([orphan.order_id]);
    expect(await orders.metric('orderflow_orders_stuck')).toBe(1);
    expect(orders.logs).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'orders are stuck' }));
  });

  test('/readyz reports that final-order notifications are being received', async () => {
    const { body } = await orders.get<Readiness>('/readyz');
    expect(body.checks.order_notifications).toEqual({ ok: true });
  });
});
