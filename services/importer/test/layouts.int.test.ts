import { readFileSync } from 'node:fs';
import { waitFor } from '@orderflow/runtime';
import { Files, parseCsv, runCli, Stack } from './support';

const stack = new Stack();
const files = new Files();

beforeAll(async () => {
  await stack.start();
});

afterAll(async () => {
  await stack.stop();
  files.remove();
});

describe('import orders (compact)', () => {
  test('decimal prices become exact cents in the --currency; placed at import time', async () => {
    const file = files.write(
      'compact.csv',
      [
        'sku,qty,unit_price,order_id,customer_id', // columns in another order
        'SKU-1,2,19.99,CP-1,cust-1',
        'SKU-2,1,0.07,CP-1,cust-1',
        'SKU-3,3,1.1,CP-2,cust-2',
        'SKU-1,1,1e3,CP-3,cust-3',
        'SKU-1,1,1.234,CP-4,cust-4',
      ].join('\n'),
    );
    const started = Date.now();
    const result = await runCli(['orders', file, '--currency', 'CHF'], stack.cliEnv());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'line 5 (order CP-3): unit_price is not a plain decimal amount such as 19.99, got "1e3"',
    );
    expect(result.stderr).toContain(
      'line 6 (order CP-4): unit_price has more than 2 decimal places, got "1.234"',
    );

    const events = await stack.placedFor(['CP-1', 'CP-2', 'CP-3', 'CP-4'], 2);
    const first = events.find((event) => event.value.order_id === 'CP-1')!.value;
    expect(first).toMatchObject({
      currency: 'CHF',
      customer: { customer_id: 'cust-1', email: 'cust-1@unknown.invalid', name: 'cust-1' },
      lines: [
        { sku: 'SKU-1', name: 'SKU-1', unit_price_cents: 1999, qty: 2 },
        { sku: 'SKU-2', name: 'SKU-2', unit_price_cents: 7, qty: 1 },
      ],
      total_cents: 4005,
    });
    expect(first.placed_at).toBeGreaterThanOrEqual(started);
    expect(first.placed_at).toBeLessThanOrEqual(Date.now());
    expect(events.find((event) => event.value.order_id === 'CP-2')!.value.total_cents).toBe(330);
  });

  test('without --currency the file cannot be imported', async () => {
    const file = files.write('compact-nocur.csv', 'order_id,customer_id,sku,qty,unit_price\nX,c,S,1,1.00\n');
    const result = await runCli(['orders', file], stack.cliEnv());
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "error: the compact layout has no currency column: give the orders' currency with --currency\n",
    );
  });

  test('re-importing it gives the same event ids even though the placed time is new', async () => {
    const file = files.write(
      'compact-again.csv',
      'order_id,customer_id,sku,qty,unit_price\nCA-1,c,S,1,2.50\n',
    );
    await runCli(['orders', file, '--currency', 'EUR'], stack.cliEnv());
    await runCli(['orders', file, '--currency', 'EUR'], stack.cliEnv());
    const [first, second] = await stack.placedFor(['CA-1'], 2);
    expect(second!.value.event_id).toBe(first!.value.event_id);
  });
});

describe('import orders (customer-json)', () => {
  test('one order per row, named after file and line, priced from the --catalog', async () => {
    const catalog = files.write(
      'catalog.csv',
      'sku,product_name,on_hand,unit_price_cents\nSKU-1,Gear,100,1250\nSKU-2,"Cog, small",50,399\n',
    );
    const file = files.write(
      'customers.csv',
      [
        'customer_email,customer_name,products',
        'Ada@Example.com,Ada Lovelace,"[{""sku"":""SKU-1"",""quantity"":2},{""sku"":""SKU-2"",""quantity"":1}]"',
        'bob@example.com,Bob,"[{""sku"":""SKU-404"",""quantity"":1}]"',
        'carl@example.com,Carl,"[{""sku"":""SKU-2"",""quantity"":3}]"',
      ].join('\r\n'),
    );
    const result = await runCli(['orders', file, '--currency', 'EUR', '--catalog', catalog], stack.cliEnv());
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'line 3 (order customers.csv-L3): products[0].sku is not in the catalog, got "SKU-404"\n',
    );
    const events = await stack.placedFor(['customers.csv-L2', 'customers.csv-L3', 'customers.csv-L4'], 2);
    expect(events.map((event) => event.key).sort()).toEqual(['customers.csv-L2', 'customers.csv-L4']);
    expect(events.find((event) => event.key === 'customers.csv-L2')!.value).toMatchObject({
      currency: 'EUR',
      customer: { customer_id: 'ada@example.com', email: 'Ada@Example.com', name: 'Ada Lovelace' },
      lines: [
        { sku: 'SKU-1', name: 'Gear', unit_price_cents: 1250, qty: 2 },
        { sku: 'SKU-2', name: 'Cog, small', unit_price_cents: 399, qty: 1 },
      ],
      total_cents: 2899,
    });
  });
});

describe('import stock', () => {
  test('one inventory.stock-levels per SKU, keyed by SKU; bad and repeated SKUs rejected', async () => {
    const file = files.write(
      'stock.csv',
      [
        'sku,product_name,on_hand,unit_price_cents',
        'ST-1,Gear,100,1250',
        'ST-2,Cog,0,',
        'ST-3,Wheel,-1,100',
        'ST-1,Gear again,5,1250',
        'ST-4,Bolt,7,5',
      ].join('\n'),
    );
    const rejects = files.path('stock-rejects.csv');
    const result = await runCli(['stock', file, '--currency', 'EUR', '--rejects', rejects], stack.cliEnv());
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/stock levels produced\s+3\n/);

    const levels = await waitFor('3 stock levels', () => {
      const found = stack.stockLevels.filter((event) => event.key.startsWith('ST-'));
      return found.length >= 3 ? found : undefined;
    });
    expect(
      levels.map((event) => [
        event.key,
        event.value.on_hand,
        event.value.unit_price_cents,
        event.value.currency,
      ]),
    ).toEqual(
      expect.arrayContaining([
        ['ST-1', 100, 1250, 'EUR'],
        ['ST-2', 0, null, null],
        ['ST-4', 7, 5, 'EUR'],
      ]),
    );
    expect(levels).toHaveLength(3);
    for (const level of levels) {
      expect(level.raw.equals(await stack.serde.encode('inventory.stock-levels', level.value))).toBe(true);
    }
    expect(
      parseCsv(readFileSync(rejects, 'utf8')).map((row) => [
        row['line'],
        row['sku'],
        row['column'],
        row['reason'],
      ]),
    ).toEqual([
      ['4', 'ST-3', 'on_hand', 'must be a whole number from 0 to 2147483647, got "-1"'],
      [
        '5',
        'ST-1',
        'sku',
        'SKU appears again: first at line 2, again at line 5; a stock file sets each SKU once',
      ],
    ]);
  });

  test('a stock file with prices needs their currency', async () => {
    const file = files.write('stock-nocur.csv', 'sku,product_name,on_hand,unit_price_cents\nS,N,1,1\n');
    const result = await runCli(['stock', file], stack.cliEnv());
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: ${file} has unit prices: give their currency with --currency\n`);
  });
});
