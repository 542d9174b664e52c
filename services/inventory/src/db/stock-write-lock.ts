import type { PoolClient } from 'pg';

/**
 * Every transaction that writes stock or reservations takes this lock first (transaction-scoped, so it is
 * released at COMMIT/ROLLBACK; taking it again in the same transaction is free).
 *
 * Why a lock on top of the per-order row locks: the runtime applies a whole consumer batch in ONE
 * transaction, so row locks taken for the first order of a batch are still held while the next order locks
 * its SKUs. Sorting SKUs per order cannot keep two batches from locking in opposite orders (batch 1: B then
 * A, batch 2: A then B) - a deadlock, which test/no-overselling.int.test.ts sees within seconds without this
 * lock. Serialising stock-writing batches across every instance rules that out; the sorted row locks stay
 * as the guard for any writer that does not take this lock. The price: one stock-writing batch at a time.
 * A runtime hook that sees the whole batch first (lock the union of its SKUs in order) would lift it.
 */
export async function lockStockWrites(tx: PoolClient, schema: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
    `orderflow.inventory.stock-writes:${schema}`,
  ]);
}
