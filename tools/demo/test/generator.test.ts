import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { repoRoot } from '@orderflow/stack';
import { generate, type GenerateOptions, type GenerateResult } from '../src/generate/generator';
import { parseBadRows } from '../src/generate/bad-rows';
import { parseGenerateArgs, UsageError } from '../src/generate/options';

// The generator against the importer's own validation: its CLI with --dry-run reads the generated files
// exactly as an import would, and its reject report must name every bad row we planted, and nothing else.
const importer = path.join(repoRoot(__dirname), 'services', 'importer', 'dist', 'cli.js');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-generator-'));

afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function options(overrides: Partial<GenerateOptions> = {}): GenerateOptions {
  return {
    orders: 400,
    seed: 'test-seed',
    badRows: { kind: 'count', count: 30 },
    outDir: fs.mkdtempSync(path.join(scratch, 'run-')),
    until: '2026-11-20',
    days: 14,
    prefix: 'GT',
    ...overrides,
  };
}

function readCsv(file: string): Record<string, string>[] {
  return parse(fs.readFileSync(file), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
}

function dryRun(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [importer, ...args, '--dry-run', '--no-progress'], {
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('generate', () => {
  let first: GenerateResult;
  let rows: Record<string, string>[];

  beforeAll(async () => {
    first = await generate(options());
    rows = readCsv(first.ordersFile);
  });

  test('the same arguments give byte-identical files', async () => {
    const again = await generate(options());
    expect(fs.readFileSync(again.ordersFile).equals(fs.readFileSync(first.ordersFile))).toBe(true);
    expect(fs.readFileSync(again.stockFile).equals(fs.readFileSync(first.stockFile))).toBe(true);
    expect(again.badRows).toEqual(first.badRows);
  });

  test('another seed gives other orders, under other order ids', async () => {
    const other = await generate(options({ seed: 'another-seed' }));
    expect(fs.readFileSync(other.ordersFile).equals(fs.readFileSync(first.ordersFile))).toBe(false);
    expect(other.runTag).not.toBe(first.runTag);
    // The catalogue and the customer pool belong to the prefix, not the seed.
    const skus = (file: string) => readCsv(file).map((r) => r['sku']);
    expect(skus(other.stockFile)).toEqual(skus(first.stockFile));
  });

  test('every planted bad row is rejected by the importer with its line and column, and nothing else is', () => {
    const rejects = path.join(scratch, 'rejects.csv');
    const run = dryRun(['orders', first.ordersFile, '--rejects', rejects]);
    expect(run.code).toBe(2);
    const spoiled = new Set(first.badRows.map((b) => b.orderId));
    expect(first.badRows).toHaveLength(30);
    expect(spoiled.size).toBe(30);
    expect(run.stdout).toMatch(new RegExp(`orders valid\\s+${400 - 30}\\b`));
    expect(run.stdout).toMatch(/orders rejected\s+30\b/);

    const reported = readCsv(rejects);
    const named = reported.filter((r) => r['column'] !== '(order)');
    expect(
      named.map((r) => ({ line: Number(r['line']), orderId: r['order_id'], column: r['column'] })),
    ).toEqual(first.badRows.map((b) => ({ line: b.line, orderId: b.orderId, column: b.column })));
    // The other rows of a spoiled order go with it; no row of a good order is refused.
    expect(reported.filter((r) => !spoiled.has(r['order_id'] ?? ''))).toEqual([]);
    const rowsOfSpoiled = rows.filter((r) => spoiled.has(r['external_order_id'] ?? '')).length;
    expect(reported).toHaveLength(rowsOfSpoiled);
  });

  test('bad rows cover every kind, and a share gives about that share of rows', async () => {
    expect(Object.values(first.badRowsByKind).every((n) => n > 0)).toBe(true);
    const shared = await generate(options({ orders: 2000, badRows: parseBadRows('2%') }));
    const share = shared.badRows.length / shared.rows;
    expect(share).toBeGreaterThan(0.012);
    expect(share).toBeLessThan(0.028);
    const none = await generate(options({ orders: 200, badRows: parseBadRows('0') }));
    expect(none.badRows).toEqual([]);
    expect(dryRun(['orders', none.ordersFile]).code).toBe(0);
  });

  test('the stock file imports cleanly, in EUR, and holds every product the good orders ask for but the discontinued ones', () => {
    expect(dryRun(['stock', first.stockFile, '--currency', 'EUR']).code).toBe(0);
    const stock = new Map(readCsv(first.stockFile).map((r) => [r['sku'], Number(r['on_hand'])]));
    const asked = new Set(rows.map((r) => r['product_sku']).filter(Boolean));
    const unknown = [...asked].filter((sku) => !stock.has(sku));
    expect(unknown.length).toBeGreaterThan(0);
    expect(unknown.every((sku) => sku?.startsWith('GT-DIS-'))).toBe(true);
    expect(first.unknownSkuOrders).toBeGreaterThan(0);
    // Scarce products have stock for half of what the good orders ask: some of those orders fail.
    for (const sku of first.scarceSkus) {
      const demand = rows
        .filter((r) => r['product_sku'] === sku && /^\d+$/.test(r['qty'] ?? ''))
        .reduce((sum, r) => sum + Number(r['qty']), 0);
      expect(stock.get(sku)).toBeLessThan(demand);
    }
  });

  test("orders are multi-line and multi-currency, an order's rows together and agreeing on the order's fields", () => {
    const byOrder = new Map<string, Record<string, string>[]>();
    let previous = '';
    for (const row of rows) {
      const id = row['external_order_id'] ?? '';
      if (id !== previous) expect(byOrder.has(id)).toBe(false);
      previous = id;
      byOrder.set(id, [...(byOrder.get(id) ?? []), row]);
    }
    expect(byOrder.size).toBe(400);
    const sizes = [...byOrder.values()].map((r) => r.length);
    expect(Math.min(...sizes)).toBe(1);
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(4);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(5);
    const spoiled = new Set(first.badRows.map((b) => b.orderId));
    for (const [id, orderRows] of byOrder) {
      if (spoiled.has(id)) continue;
      const fields = ['order_placed_at', 'currency', 'customer_id', 'customer_email', 'customer_name'];
      for (const field of fields) expect(new Set(orderRows.map((r) => r[field])).size).toBe(1);
    }
    const { EUR, USD, GBP } = first.ordersByCurrency;
    expect(EUR).toBeGreaterThan(USD);
    expect(USD).toBeGreaterThan(GBP);
    expect(GBP).toBeGreaterThan(0);
    // Realistic people: names and addresses that go together, some customers coming back.
    const good = rows.filter((r) => !spoiled.has(r['external_order_id'] ?? ''));
    expect(good.every((r) => /^[A-Z][\p{L}' ]+ [\p{L}' ]+$/u.test(r['customer_name'] ?? ''))).toBe(true);
    expect(good.every((r) => /^[a-z._0-9]+@[a-z0-9.-]+\.[a-z]+$/.test(r['customer_email'] ?? ''))).toBe(true);
    const ordersPerCustomer = new Map<string, Set<string>>();
    for (const r of good) {
      const customer = r['customer_id'] ?? '';
      ordersPerCustomer.set(
        customer,
        (ordersPerCustomer.get(customer) ?? new Set()).add(r['external_order_id'] ?? ''),
      );
    }
    expect(Math.max(...[...ordersPerCustomer.values()].map((s) => s.size))).toBeGreaterThanOrEqual(5);
  });

  test('orders are placed on the --days up to --until, none after --not-after', async () => {
    // Row i of the file is line i + 2 (the header is line 1); bad rows may hold a broken date.
    const placed = (result: GenerateResult, file: Record<string, string>[]): number[] => {
      const bad = new Set(result.badRows.map((b) => b.line));
      return file.filter((_, i) => !bad.has(i + 2)).map((r) => Date.parse(r['order_placed_at'] ?? ''));
    };
    const times = placed(first, rows);
    const days = [...new Set(times.map((t) => new Date(t).toISOString().slice(0, 10)))].sort();
    expect(days[0]).toBe('2026-11-07');
    expect(days[days.length - 1]).toBe('2026-11-20');
    expect(days).toHaveLength(14);

    const notAfter = Date.parse('2026-11-20T09:00:00Z');
    const capped = await generate(options({ notAfter }));
    const cappedTimes = placed(capped, readCsv(capped.ordersFile));
    expect(cappedTimes.every((t) => Number.isFinite(t))).toBe(true);
    expect(Math.max(...cappedTimes)).toBeLessThan(notAfter);
    expect(cappedTimes.some((t) => t >= Date.parse('2026-11-20T00:00:00Z'))).toBe(true);
    expect(Math.min(...cappedTimes)).toBeGreaterThanOrEqual(Date.parse('2026-11-07T00:00:00Z'));
  });
});

describe('generate options', () => {
  test('--bad-rows takes a count, a share or a percentage', () => {
    expect(parseBadRows('25')).toEqual({ kind: 'count', count: 25 });
    expect(parseBadRows('0.02')).toEqual({ kind: 'share', share: 0.02 });
    expect(parseBadRows('2%')).toEqual({ kind: 'share', share: 0.02 });
    expect(() => parseBadRows('lots')).toThrow(/--bad-rows/);
    expect(() => parseBadRows('2.5')).toThrow(/whole number/);
    expect(() => parseBadRows('150%')).toThrow(/0\.\.1/);
  });

  test('without --until the orders end at the current hour; an explicit --until has no clock in it', () => {
    const now = Date.parse('2026-11-23T15:42:10Z');
    const implicit = parseGenerateArgs([], { outDir: '/tmp/x', cwd: '/tmp', now });
    expect(implicit.until).toBe('2026-11-23');
    expect(implicit.notAfter).toBe(Date.parse('2026-11-23T15:00:00Z'));
    const explicit = parseGenerateArgs(['--until', '2026-11-23', '--orders', '5'], {
      outDir: '/tmp/x',
      cwd: '/tmp',
      now,
    });
    expect(explicit.notAfter).toBeUndefined();
    expect(explicit.orders).toBe(5);
    expect(() => parseGenerateArgs(['--orders', 'many'], { outDir: '/tmp/x', cwd: '/tmp' })).toThrow(
      UsageError,
    );
    expect(() => parseGenerateArgs(['--bogus'], { outDir: '/tmp/x', cwd: '/tmp' })).toThrow(UsageError);
  });

  test('bad arguments are refused naming the flag', async () => {
    await expect(generate(options({ until: '2026-02-30' }))).rejects.toThrow(/--until/);
    await expect(generate(options({ orders: 0 }))).rejects.toThrow(/--orders/);
    await expect(generate(options({ prefix: 'no spaces' }))).rejects.toThrow(/--prefix/);
    await expect(generate(options({ orders: 5, badRows: { kind: 'count', count: 6 } }))).rejects.toThrow(
      /--bad-rows/,
    );
  });
});
