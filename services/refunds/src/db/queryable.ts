import type { Pool, PoolClient } from '@orderflow/runtime';

/** A pool for reads, the caller's transaction for writes. */
export type Queryable = Pick<Pool | PoolClient, 'query'>;

/** bigint columns arrive as strings; amounts stay far below 2^53. */
export function toNumber(value: string | number | null): number | null {
  return value === null ? null : Number(value);
}
