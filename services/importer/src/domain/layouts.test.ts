import { detectOrderLayout, LINE_ITEMS_COLUMNS, resolveColumns } from './layouts';

describe('detectOrderLayout', () => {
  test('the DESIGN.md header is the line-items layout', () => {
    const detected = detectOrderLayout([...LINE_ITEMS_COLUMNS]);
    expect(detected).toMatchObject({ ok: true, value: { layout: 'line-items', width: 10 } });
  });

  test('columns are found by name in any order, trimmed and case-insensitive', () => {
    const header = ['QTY', ' Unit_Price_Cents ', ...LINE_ITEMS_COLUMNS.slice(0, 8).reverse()];
    const detected = detectOrderLayout(header);
    expect(detected.ok).toBe(true);
    if (!detected.ok) return;
    expect(detected.value.index['qty']).toBe(0);
    expect(detected.value.index['unit_price_cents']).toBe(1);
    expect(detected.value.index['external_order_id']).toBe(9);
  });

  test('compact and customer-json layouts are recognised', () => {
    expect(detectOrderLayout(['order_id', 'customer_id', 'sku', 'qty', 'unit_price'])).toMatchObject({
      ok: true,
      value: { layout: 'compact' },
    });
    expect(detectOrderLayout(['customer_name', 'customer_email', 'products'])).toMatchObject({
      ok: true,
      value: { layout: 'customer-json' },
    });
  });

  test('extra columns are ignored', () => {
    expect(
      detectOrderLayout(['note', 'order_id', 'customer_id', 'sku', 'qty', 'unit_price', 'x']),
    ).toMatchObject({
      ok: true,
      value: { layout: 'compact', width: 7 },
    });
  });

  test('an unknown header is refused with the layouts it could have been', () => {
    const detected = detectOrderLayout(['id', 'amount']);
    expect(detected.ok).toBe(false);
    if (detected.ok) return;
    expect(detected.reason).toContain('unrecognised header "id,amount"');
    expect(detected.reason).toContain('compact (order_id,customer_id,sku,qty,unit_price)');
  });

  test('a forced layout must have its columns', () => {
    const detected = detectOrderLayout(['order_id', 'customer_id', 'sku', 'qty'], 'compact');
    expect(detected).toEqual({ ok: false, reason: 'not a compact file: header lacks column(s) unit_price' });
  });

  test('a forced layout wins over detection', () => {
    const header = [...LINE_ITEMS_COLUMNS, 'order_id', 'sku', 'unit_price'];
    expect(detectOrderLayout(header)).toMatchObject({ ok: true, value: { layout: 'line-items' } });
    expect(detectOrderLayout(header, 'compact')).toMatchObject({ ok: true, value: { layout: 'compact' } });
  });

  test('a wanted column that appears twice is refused by name', () => {
    expect(detectOrderLayout([...LINE_ITEMS_COLUMNS, 'QTY'])).toEqual({
      ok: false,
      reason: 'column qty appears more than once in the header',
    });
  });
});

describe('resolveColumns', () => {
  test('optional columns the header lacks are -1', () => {
    expect(
      resolveColumns(
        ['sku', 'on_hand', 'product_name'],
        ['sku', 'product_name', 'on_hand'],
        ['unit_price_cents'],
      ),
    ).toEqual({
      ok: true,
      value: { sku: 0, product_name: 2, on_hand: 1, unit_price_cents: -1 },
    });
  });

  test('every missing column is named', () => {
    expect(resolveColumns(['sku'], ['sku', 'product_name', 'on_hand'])).toMatchObject({
      ok: false,
      reason: 'header lacks column(s) product_name, on_hand',
    });
  });
});
