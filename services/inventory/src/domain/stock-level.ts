import { MAX_UNITS } from './reservation';

export interface StockLevelInput {
  sku: string;
  product_name: string;
  on_hand: number;
  unit_price_cents: number | null;
}

/** Why a stock level can never be applied (it would be dead-lettered). Empty when fine. */
export function stockLevelProblems(level: StockLevelInput): string[] {
  const problems: string[] = [];
  if (level.sku.trim() === '') problems.push('sku is empty');
  if (!Number.isInteger(level.on_hand) || level.on_hand < 0 || level.on_hand > MAX_UNITS) {
    problems.push(`on_hand must be an integer 0..${MAX_UNITS}`);
  }
  if (
    level.unit_price_cents !== null &&
    (!Number.isSafeInteger(level.unit_price_cents) || level.unit_price_cents < 0)
  ) {
    problems.push('unit_price_cents must be a non-negative integer');
  }
  return problems;
}

/**
 * A stock count below what is already promised to orders cannot take those units back: on hand stays at
 * the reserved amount (the reservations are honoured; available becomes 0) and the caller warns.
 */
export function onHandAfterLevel(requested: number, reserved: number): { on_hand: number; clamped: boolean } {
  return requested >= reserved
    ? { on_hand: requested, clamped: false }
    : { on_hand: reserved, clamped: true };
}
