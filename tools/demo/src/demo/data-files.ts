import fs from 'node:fs';
import { parse } from 'csv-parse';
import { DemoError } from './http';

async function* records(file: string): AsyncGenerator<Record<string, string>> {
  const parser = fs.createReadStream(file).pipe(
    parse({
      bom: true,
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    }),
  );
  for await (const record of parser) yield record as Record<string, string>;
}

async function header(file: string): Promise<string[]> {
  const parser = fs.createReadStream(file).pipe(parse({ bom: true, to_line: 1 }));
  for await (const row of parser) return (row as string[]).map((h) => h.trim().toLowerCase());
  return [];
}

/**
 * The order ids of an orders file in file order, each once. Line-items files name them in
 * `external_order_id`, compact ones in `order_id`.
 */
export async function orderIdsOf(file: string): Promise<string[]> {
  const columns = await header(file);
  const column = ['external_order_id', 'order_id'].find((c) => columns.includes(c));
  if (!column) {
    throw new DemoError(
      `${file}: the demo reads order ids from line-items (external_order_id) or compact (order_id) files`,
    );
  }
  const ids = new Set<string>();
  for await (const record of records(file)) {
    const id = record[column];
    if (id) ids.add(id);
  }
  return [...ids];
}

export interface StockLine {
  sku: string;
  onHand: number;
}

/** SKU and on-hand count of every well-formed row of a stock file (bad rows are the importer's to report). */
export async function stockLinesOf(file: string): Promise<StockLine[]> {
  const lines = new Map<string, StockLine>();
  for await (const record of records(file)) {
    const sku = record['sku'];
    const onHand = Number(record['on_hand']);
    if (sku && /^\d+$/.test(record['on_hand'] ?? '') && !lines.has(sku)) lines.set(sku, { sku, onHand });
  }
  return [...lines.values()];
}

/** Keys named in an importer `--rejects` file (order ids or SKUs); none when there is no file. */
export async function rejectedKeys(file: string, column: 'order_id' | 'sku'): Promise<Set<string>> {
  const keys = new Set<string>();
  if (!fs.existsSync(file)) return keys;
  for await (const record of records(file)) {
    const key = record[column];
    if (key) keys.add(key);
  }
  return keys;
}
