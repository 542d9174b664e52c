import { readFileSync } from 'node:fs';
import { Files, parseCsv, runCli, Stack } from './support';

const HEADER =
  'external_order_id,order_placed_at,currency,customer_id,customer_email,customer_name,product_sku,product_name,unit_price_cents,qty';

const stack = new Stack();
const files = new Files();

beforeAll(async () => {
  await stack.start();
});

afterAll(async () => {
  await stack.stop();
  files.remove();
});

/** A line-items file with multi-line orders and bad rows; order ids carry `tag` so tests do not mix. */
function ordersFile(tag: string): string {
  const rows = [
    `${tag}-1,2025-01-15T10:30:00Z,EUR,c-1,ada@example.com,"Lovelace, Ada",SKU-1,Gear,1250,2`, // line 2
    `${tag}-1,2025-01-15T10:30:00Z,EUR,c-1,ada@example.com,"Lovelace, Ada",SKU-2,"Cog ""deluxe""",399,1`, // 3
    `${tag}-2,2025-01-15T11:00:00,USD,c-2,bob@example.com,Bob,SKU-1,Gear,1250,0`, // 4: qty 0
    `${tag}-2,2025-01-15T11:00:00,USD,c-2,bob@example.com,Bob,SKU-3,Wheel,100,1`, // 5
    `${tag}-3,2025-01-16T09:00:00+01:00,GBP,c-3,carl@example.com,Carl,SKU-4,Bolt,5,10`, // 6
    `${tag}-4,2025-01-16,EUR,c-4,dana@example,Dana,SKU-1,Gear,1250,1`, // 7: bad email
    `${tag}-5,2025-01-17,EUR,c-5,eve@example.com,Eve,SKU-1,Gear,1250,1`, // 8
    `${tag}-5,2025-01-17,EUR,c-5,eve@example.com,Eve,SKU-2,Cog,399,3`, // 9
    `${tag}-1,2025-01-15T10:30:00Z,EUR,c-1,ada@example.com,"Lovelace, Ada",SKU-9,X,1,1`, // 10: id reappears
  ];
  // A BOM, CRLF line ends and blank trailing lines, as spreadsheets write them.
  return files.write(`${tag}.csv`, `\ufeff${HEADER}\r\n${rows.join('\r\n')}\r\n\r\n\r\n`);
}

describe('import orders (line-items)', () => {
  test('produces one orders.placed per good order, reports every rejected row, and exits 2', async () => {
    const file = ordersFile('LI');
    const rejects = files.path('LI-rejects.csv');
    const result = await runCli(['orders', file, '--rejects', rejects], stack.cliEnv());

    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/rows read\s+9\n/);
    expect(result.stdout).toMatch(/orders produced\s+3\n/);
    expect(result.stdout).toMatch(/rows rejected\s+4\n/);
    expect(result.stdout).toMatch(/orders rejected\s+3\n/);
    expect(result.stderr.trim().split('\n')).toEqual([
      'line 4 (order LI-2): qty must be a whole number from 1 to 10000, got "0"',
      'line 5 (order LI-2): order rejected: line 4 invalid',
      'line 7 (order LI-4): customer_email is not a valid email address, got "dana@example"',
      `line 10 (order LI-1): external_order_id "LI-1" reappears: first at line 2, again at line 10; an order's rows must be consecutive`,
    ]);

    const events = await stack.placedFor(['LI-1', 'LI-2', 'LI-3', 'LI-4', 'LI-5'], 3);
    expect(events.map((event) => event.key).sort()).toEqual(['LI-1', 'LI-3', 'LI-5']);
    for (const event of events) {
      expect(event.key).toBe(event.value.order_id);
      // Byte for byte what the contracts' serde writes for the same value.
      expect(event.raw.equals(await stack.serde.encode('orders.placed', event.value))).toBe(true);
    }
    const byId = new Map(events.map((event) => [event.value.order_id, event.value]));
    expect(byId.get('LI-1')).toMatchObject({
      source: { file: 'LI.csv', line: 2 },
      placed_at: Date.UTC(2025, 0, 15, 10, 30),
      currency: 'EUR',
      customer: { customer_id: 'c-1', email: 'ada@example.com', name: 'Lovelace, Ada' },
      lines: [
        { sku: 'SKU-1', name: 'Gear', unit_price_cents: 1250, qty: 2 },
        { sku: 'SKU-2', name: 'Cog "deluxe"', unit_price_cents: 399, qty: 1 },
      ],
      total_cents: 2899,
      causation_id: null,
    });
    expect(byId.get('LI-3')).toMatchObject({
      placed_at: Date.UTC(2025, 0, 16, 8),
      currency: 'GBP',
      total_cents: 50,
    });
    expect(byId.get('LI-5')).toMatchObject({ source: { line: 8 }, total_cents: 1250 + 3 * 399 });
    // One import: one correlation id.
    expect(new Set(events.map((event) => event.value.correlation_id)).size).toBe(1);

    const rejected = parseCsv(readFileSync(rejects, 'utf8'));
    expect(rejected.map((row) => [row['line'], row['order_id'], row['column']])).toEqual([
      ['4', 'LI-2', 'qty'],
      ['5', 'LI-2', '(order)'],
      ['7', 'LI-4', 'customer_email'],
      ['10', 'LI-1', 'external_order_id'],
    ]);
    expect(rejected[0]!['raw']).toBe(
      'LI-2,2025-01-15T11:00:00,USD,c-2,bob@example.com,Bob,SKU-1,Gear,1250,0',
    );
    expect(rejected[3]!['raw']).toBe(
      'LI-1,2025-01-15T10:30:00Z,EUR,c-1,ada@example.com,"Lovelace, Ada",SKU-9,X,1,1',
    );
  });

  test('importing the same file again produces the same event ids, so consumers drop the copies', async () => {
    const file = ordersFile('RE');
    const first = await runCli(['orders', file], stack.cliEnv());
    expect(first.code).toBe(2);
    const firstEvents = await stack.placedFor(['RE-1', 'RE-3', 'RE-5']);

    const second = await runCli(['orders', file], stack.cliEnv());
    expect(second.code).toBe(2);
    const all = await stack.placedFor(['RE-1', 'RE-3', 'RE-5'], 6);

    for (const original of firstEvents) {
      const copies = all.filter((event) => event.value.order_id === original.value.order_id);
      expect(copies).toHaveLength(2);
      expect(copies[1]!.value.event_id).toBe(original.value.event_id);
      expect(copies[1]!.value.content_hash).toBe(original.value.content_hash);
      // Same key, same partition: the copy lands where the original is.
      expect(copies[1]!.partition).toBe(original.partition);
    }
    expect(all[3]!.value.correlation_id).not.toBe(all[0]!.value.correlation_id);
  });

  test('a changed order under a known id gets a new event id', async () => {
    const row = (qty: number) =>
      `CH-1,2025-01-15T10:30:00Z,EUR,c-1,ada@example.com,Ada,SKU-1,Gear,1250,${qty}`;
    expect(
      (await runCli(['orders', files.write('ch-a.csv', `${HEADER}\n${row(1)}\n`)], stack.cliEnv())).code,
    ).toBe(0);
    expect(
      (await runCli(['orders', files.write('ch-b.csv', `${HEADER}\n${row(2)}\n`)], stack.cliEnv())).code,
    ).toBe(0);
    const [before, after] = await stack.placedFor(['CH-1'], 2);
    expect(after!.value.event_id).not.toBe(before!.value.event_id);
    expect(after!.value.content_hash).not.toBe(before!.value.content_hash);
  });

  test('--dry-run validates and reports but produces nothing', async () => {
    const file = files.write(
      'dry.csv',
      `${HEADER}\nDRY-1,2025-01-15T10:30:00Z,EUR,c-1,ada@example.com,Ada,SKU-1,Gear,1250,1\n`,
    );
    const before = await stack.messageCount('orders.placed');
    const result = await runCli(['orders', file, '--dry-run'], stack.cliEnv());
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('dry run of');
    expect(result.stdout).toMatch(/orders valid\s+1\n/);
    expect(await stack.messageCount('orders.placed')).toBe(before);
  });

  test('--dry-run needs no Kafka at all', async () => {
    const file = files.write(
      'dry2.csv',
      `${HEADER}\nDRY-2,2025-01-15T10:30:00Z,EUR,c-1,ada@example.com,Ada,SKU-1,Gear,1250,1\n`,
    );
    const result = await runCli(['orders', file, '--dry-run'], { KAFKA_BROKERS: '127.0.0.1:1' });
    expect(result.code).toBe(0);
  });
});

describe('import orders: fatal errors end the run with exit 1 and one line', () => {
  test('a missing file', async () => {
    const missing = files.path('missing.csv');
    const result = await runCli(['orders', missing], stack.cliEnv());
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: cannot read orders file ${missing}: no such file\n`);
    expect(result.stdout).toBe('');
  });

  test('an unknown header', async () => {
    const result = await runCli(['orders', files.write('unknown.csv', 'id,amount\n1,2\n')], stack.cliEnv());
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(result.stderr).toMatch(
      /^error: .*unrecognised header "id,amount"; expected the columns of one of: line-items/,
    );
  });

  test('Kafka unreachable: fails within seconds, no stack trace', async () => {
    const file = files.write(
      'nokafka.csv',
      `${HEADER}\nNK-1,2025-01-15T10:30:00Z,EUR,c-1,ada@example.com,Ada,SKU-1,Gear,1250,1\n`,
    );
    const result = await runCli(['orders', file], { ...stack.cliEnv(), KAFKA_BROKERS: '127.0.0.1:1' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: Kafka unreachable: 127.0.0.1:1 (ECONNREFUSED)\n');
    expect(result.elapsedMs).toBeLessThan(15_000);
  });

  test('a topic prefix whose topics do not exist', async () => {
    const file = files.write(
      'notopic.csv',
      `${HEADER}\nNT-1,2025-01-15T10:30:00Z,EUR,c-1,ada@example.com,Ada,SKU-1,Gear,1250,1\n`,
    );
    const result = await runCli(['orders', file], { ...stack.cliEnv(), TOPIC_PREFIX: 'no-such-prefix.' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: topic no-such-prefix.orders.placed does not exist (create it with npm run topics:create)\n',
    );
  });
});
