import {
  actionOnFinish,
  decideInSequence,
  decideReservation,
  orderProblems,
  quantitiesBySku,
  settlementDeltas,
  type RequestedLine,
  type StockLevel,
} from './reservation';

const line = (sku: string, qty: number, unit_price_cents = 100): RequestedLine => ({
  sku,
  qty,
  unit_price_cents,
});
const stock = (levels: Record<string, [onHand: number, reserved: number]>): Map<string, StockLevel> =>
  new Map(Object.entries(levels).map(([sku, [on_hand, reserved]]) => [sku, { on_hand, reserved }]));

describe('quantitiesBySku', () => {
  test('sums lines that share a SKU and sorts by SKU, so rows are always locked in one order', () => {
    expect(quantitiesBySku([line('B', 2), line('A', 1), line('B', 3), line('a', 1)])).toEqual([
      { sku: 'A', qty: 1 },
      { sku: 'B', qty: 5 },
      { sku: 'a', qty: 1 },
    ]);
  });
});

describe('decideReservation', () => {
  test('when every SKU has enough available, the order is reserved with lines priced from the order', () => {
    const decision = decideReservation(
      [line('A', 2, 1250), line('B', 1, 399)],
      stock({ A: [5, 3], B: [1, 0] }),
    );
    expect(decision).toEqual({
      outcome: 'RESERVED',
      lines: [
        { sku: 'A', qty: 2, unit_price_cents: 1250, line_total_cents: 2500 },
        { sku: 'B', qty: 1, unit_price_cents: 399, line_total_cents: 399 },
      ],
      total_cents: 2899,
      quantities: [
        { sku: 'A', qty: 2 },
        { sku: 'B', qty: 1 },
      ],
    });
  });

  test('lines sharing a SKU keep their own prices but are checked against stock together', () => {
    const lines = [line('A', 2, 100), line('A', 2, 90)];
    expect(decideReservation(lines, stock({ A: [3, 0] }))).toEqual({
      outcome: 'REJECTED',
      reason: 'OUT_OF_STOCK',
      lines: [{ sku: 'A', reason: 'INSUFFICIENT_STOCK', requested: 4, available: 3 }],
    });
    const reserved = decideReservation(lines, stock({ A: [4, 0] }));
    expect(reserved.outcome === 'RESERVED' && reserved.lines.map((l) => l.line_total_cents)).toEqual([
      200, 180,
    ]);
    expect(reserved.outcome === 'RESERVED' && reserved.quantities).toEqual([{ sku: 'A', qty: 4 }]);
  });

  test('one short line rejects the whole order and only the short SKU is reported, requested vs available', () => {
    expect(decideReservation([line('A', 1), line('B', 3)], stock({ A: [10, 0], B: [5, 3] }))).toEqual({
      outcome: 'REJECTED',
      reason: 'OUT_OF_STOCK',
      lines: [{ sku: 'B', reason: 'INSUFFICIENT_STOCK', requested: 3, available: 2 }],
    });
  });

  test('taking the last unit is allowed; one more is not', () => {
    expect(decideReservation([line('A', 2)], stock({ A: [5, 3] })).outcome).toBe('RESERVED');
    expect(decideReservation([line('A', 3)], stock({ A: [5, 3] })).outcome).toBe('REJECTED');
  });

  test('an unknown SKU makes the reason UNKNOWN_SKU, and short lines are still reported with their own reason', () => {
    expect(
      decideReservation([line('B', 9), line('X', 1), line('A', 1)], stock({ A: [1, 0], B: [2, 0] })),
    ).toEqual({
      outcome: 'REJECTED',
      reason: 'UNKNOWN_SKU',
      lines: [
        { sku: 'B', reason: 'INSUFFICIENT_STOCK', requested: 9, available: 2 },
        { sku: 'X', reason: 'UNKNOWN_SKU', requested: 1, available: 0 },
      ],
    });
  });

  test('a SKU with nothing on hand is known but out of stock', () => {
    expect(decideReservation([line('A', 1)], stock({ A: [0, 0] }))).toEqual({
      outcome: 'REJECTED',
      reason: 'OUT_OF_STOCK',
      lines: [{ sku: 'A', reason: 'INSUFFICIENT_STOCK', requested: 1, available: 0 }],
    });
  });
});

describe('orderProblems', () => {
  test('a well-formed order has none', () => {
    expect(orderProblems([line('A', 1, 0), line('A', 10_000, 99_999)])).toEqual([]);
  });

  test('an empty order, a non-positive quantity, a negative price or an empty SKU can never be reserved', () => {
    expect(orderProblems([])).toEqual(['the order has no lines']);
    expect(orderProblems([line('A', 0), line('', 1), line('B', 1, -5), line('C', 1.5)])).toEqual([
      'lines[0].qty must be a positive integer',
      'lines[1].sku is empty',
      'lines[2].unit_price_cents must be a non-negative integer',
      'lines[3].qty must be a positive integer',
    ]);
  });

  test('amounts that cannot be carried exactly are refused rather than rounded', () => {
    expect(orderProblems([line('A', 1000, Number.MAX_SAFE_INTEGER)])).toEqual([
      `lines[0] total exceeds ${Number.MAX_SAFE_INTEGER} cents`,
    ]);
    const half = Math.floor(Number.MAX_SAFE_INTEGER / 2) + 1;
    expect(orderProblems([line('A', 1, half), line('B', 1, half)])).toEqual([
      'order total exceeds the largest exact amount',
    ]);
  });

  test('units of one SKU must fit the stock columns', () => {
    expect(orderProblems([line('A', 2_000_000_000), line('A', 2_000_000_000)])).toEqual([
      '4000000000 units of A exceed 2147483647',
    ]);
  });
});

describe('actionOnFinish', () => {
  test('a reserved order is committed when PAID and released when FAILED', () => {
    expect(actionOnFinish('RESERVED', 'PAID')).toEqual({ action: 'COMMIT', conflict: false });
    expect(actionOnFinish('RESERVED', 'FAILED')).toEqual({ action: 'RELEASE', conflict: false });
  });

  test('a settled reservation is never settled again; a contradicting outcome is flagged', () => {
    expect(actionOnFinish('COMMITTED', 'PAID')).toEqual({ action: 'NONE', conflict: false });
    expect(actionOnFinish('RELEASED', 'FAILED')).toEqual({ action: 'NONE', conflict: false });
    expect(actionOnFinish('COMMITTED', 'FAILED')).toEqual({ action: 'NONE', conflict: true });
    expect(actionOnFinish('RELEASED', 'PAID')).toEqual({ action: 'NONE', conflict: true });
  });

  test('a rejected order has nothing to settle', () => {
    expect(actionOnFinish('REJECTED', 'FAILED')).toEqual({ action: 'NONE', conflict: false });
    expect(actionOnFinish('REJECTED', 'PAID')).toEqual({ action: 'NONE', conflict: true });
  });

  test('an outcome without a reservation is recorded so a late orders.placed reserves nothing', () => {
    expect(actionOnFinish(undefined, 'FAILED')).toEqual({ action: 'RECORD_OUTCOME', conflict: false });
    expect(actionOnFinish(undefined, 'PAID')).toEqual({ action: 'RECORD_OUTCOME', conflict: false });
  });
});

describe('decideInSequence', () => {
  test('a later order sees only what earlier reserved orders left; a rejected order takes nothing', () => {
    const levels = stock({ A: [5, 1], B: [3, 0] });
    const { decisions, reserved } = decideInSequence(
      [[line('A', 3)], [line('A', 1), line('B', 1)], [line('B', 2), line('A', 1)], [line('B', 2)]],
      levels,
    );
    expect(decisions.map((d) => d.outcome)).toEqual(['RESERVED', 'RESERVED', 'REJECTED', 'RESERVED']);
    // A had 4 available: 3 + 1 went to the first two orders, so the third is short of A and, all or
    // none, takes none of B either - which leaves B's last 2 units for the fourth.
    expect(decisions[2]).toEqual({
      outcome: 'REJECTED',
      reason: 'OUT_OF_STOCK',
      lines: [{ sku: 'A', reason: 'INSUFFICIENT_STOCK', requested: 1, available: 0 }],
    });
    expect(reserved).toEqual([
      { sku: 'A', qty: 4 },
      { sku: 'B', qty: 3 },
    ]);
    // The caller's levels are not touched.
    expect(levels.get('A')).toEqual({ on_hand: 5, reserved: 1 });
  });

  test('unknown SKUs reject only the orders naming them', () => {
    const { decisions, reserved } = decideInSequence([[line('X', 1)], [line('A', 1)]], stock({ A: [1, 0] }));
    expect(decisions.map((d) => d.outcome)).toEqual(['REJECTED', 'RESERVED']);
    expect(reserved).toEqual([{ sku: 'A', qty: 1 }]);
  });
});

describe('settlementDeltas', () => {
  test('nets commits and releases per SKU, sorted by SKU', () => {
    expect(
      settlementDeltas([
        { action: 'COMMIT', quantities: [{ sku: 'B', qty: 2 }] },
        {
          action: 'RELEASE',
          quantities: [
            { sku: 'A', qty: 1 },
            { sku: 'B', qty: 3 },
          ],
        },
        { action: 'COMMIT', quantities: [{ sku: 'A', qty: 4 }] },
      ]),
    ).toEqual([
      { sku: 'A', on_hand: -4, reserved: -5, sold: 4 },
      { sku: 'B', on_hand: -2, reserved: -5, sold: 2 },
    ]);
  });

  test('nothing to settle is no change', () => {
    expect(settlementDeltas([])).toEqual([]);
  });
});
