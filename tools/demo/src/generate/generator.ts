import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { BAD_ROW_KINDS, spoilRow, type BadRowKind, type BadRowPlan } from './bad-rows';
import { catalogue, CURRENCIES, CURRENCY_SHARES, type Currency, type Product } from './catalogue';
import { emailPart, REGIONS, type Region } from './people';
import { Random, WeightedIndex, zipfWeights } from './random';

export const ORDERS_HEADER =
  'external_order_id,order_placed_at,currency,customer_id,customer_email,customer_name,product_sku,product_name,unit_price_cents,qty';
export const STOCK_HEADER = 'sku,product_name,on_hand,unit_price_cents';
/** The stock file's prices are in this currency (import it with `--currency EUR`). */
export const STOCK_CURRENCY: Currency = 'EUR';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Lines per order, 1..5: most orders are small. */
const LINE_COUNT_WEIGHTS = [0.45, 0.27, 0.15, 0.08, 0.05];
/** Orders per hour of the day (UTC): quiet at night, busy at lunch and in the evening. */
const HOUR_WEIGHTS = [
  1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3, 4, 4.5, 5, 5.5, 5, 4.5, 4.5, 5, 5.5, 6, 6.5, 6, 5, 3.5, 2,
];
const QTY_WEIGHTS_CHEAP = [0.55, 0.25, 0.1, 0.06, 0.04];
const QTY_WEIGHTS = [0.86, 0.11, 0.03];
const UNKNOWN_SKU_SHARE = 0.02;
const SCARCE_PRODUCTS = 3;
/** A scarce product has stock for this share of what is asked for it. */
const SCARCE_STOCK_SHARE = 0.5;
/** Customers in the pool per order: with Zipf-like picks, some come back many times, most once. */
const CUSTOMERS_PER_ORDER = 0.3;
/** The pool is held in memory; past this, big files just have more returning customers. */
const MAX_CUSTOMERS = 50_000;
const CHUNK_BYTES = 256 * 1024;
/** More than one order's rows can take: 5 rows of at most ~1.3 KB (256-character fields, UTF-8). */
const ORDER_BYTES_MAX = 16 * 1024;

export interface GenerateOptions {
  orders: number;
  seed: string;
  badRows: BadRowPlan;
  outDir: string;
  /** Last day orders are placed on, YYYY-MM-DD (UTC). */
  until: string;
  days: number;
  /** Starts every SKU, order id and customer id. */
  prefix: string;
  /** No order is placed after this instant (epoch ms); only changes the last day's times. */
  notAfter?: number | undefined;
}

export interface BadRow {
  /** Line in orders.csv, the header being line 1 (the importer's numbering). */
  line: number;
  orderId: string;
  kind: BadRowKind;
  /** The column the importer names in its reject report. */
  column: string;
}

export interface GenerateResult {
  ordersFile: string;
  stockFile: string;
  /** Short hash of the arguments; part of every order id, so different arguments never reuse an id. */
  runTag: string;
  orders: number;
  firstOrderId: string;
  lastOrderId: string;
  rows: number;
  bytes: number;
  /** Orders with a bad row: the importer rejects them whole. */
  spoiledOrders: number;
  badRows: BadRow[];
  badRowsByKind: Record<BadRowKind, number>;
  ordersByCurrency: Record<Currency, number>;
  multiLineOrders: number;
  customers: number;
  products: number;
  scarceSkus: string[];
  unknownSkuOrders: number;
  firstDay: string;
  lastDay: string;
  elapsedMs: number;
}

interface Customer {
  id: string;
  email: string;
  name: string;
  /** `id,email,name,` as written in the file, UTF-8. */
  bytes: Buffer;
}

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function runTagOf(options: GenerateOptions): string {
  const canonical = JSON.stringify([
    options.seed,
    options.orders,
    options.badRows,
    options.until,
    options.days,
    options.prefix,
    options.notAfter ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 6);
}

export function validateOptions(options: GenerateOptions): void {
  const problems: string[] = [];
  if (!Number.isInteger(options.orders) || options.orders < 1 || options.orders > 10_000_000)
    problems.push(`--orders must be a whole number from 1 to 10000000, got ${options.orders}`);
  if (!Number.isInteger(options.days) || options.days < 1 || options.days > 366)
    problems.push(`--days must be a whole number from 1 to 366, got ${options.days}`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(options.until) || Number.isNaN(Date.parse(`${options.until}T00:00:00Z`)))
    problems.push(`--until must be a date YYYY-MM-DD, got "${options.until}"`);
  else if (new Date(`${options.until}T00:00:00Z`).toISOString().slice(0, 10) !== options.until)
    problems.push(`--until is not a calendar date: "${options.until}"`);
  if (!/^[A-Za-z0-9][A-Za-z0-9_]{0,15}$/.test(options.prefix))
    problems.push(`--prefix must be 1-16 letters, digits or underscores, got "${options.prefix}"`);
  if (options.seed.length === 0) problems.push('--seed must not be empty');
  if (options.badRows.kind === 'count' && options.badRows.count > options.orders)
    problems.push(
      `--bad-rows ${options.badRows.count} is more than --orders ${options.orders} (one bad row per order at most)`,
    );
  if (problems.length > 0) throw new Error(problems.join('; '));
}

function buildCustomers(prefix: string, count: number): { customers: Customer[]; currency: Currency[] } {
  // Drawn from the prefix alone and in index order, so customer N is the same person in every file
  // with that prefix whatever the seed or size: a second data set adds to the same leaderboard.
  const random = new Random(`${prefix}|customers`);
  const regionIndex = new WeightedIndex(REGIONS.map((r) => CURRENCY_SHARES[r.currency] * r.share));
  const emails = new Map<string, number>();
  const issued = new Set<string>();
  const customers: Customer[] = [];
  const currency: Currency[] = [];
  for (let i = 0; i < count; i += 1) {
    const region = REGIONS[regionIndex.draw(random)] as Region;
    const first = random.pick(region.firstNames);
    const last = random.pick(region.lastNames);
    const local = localPart(random, emailPart(first), emailPart(last));
    const domain = random.pick(region.domains);
    // The same name at the same provider again: the next free number, as providers hand them out.
    const base = `${local}@${domain}`;
    let taken = emails.get(base) ?? 0;
    let email = taken === 0 ? base : `${local}${taken + 1}@${domain}`;
    while (issued.has(email)) {
      taken += 1;
      email = `${local}${taken + 1}@${domain}`;
    }
    emails.set(base, taken + 1);
    issued.add(email);
    const id = `${prefix}-C${String(i + 1).padStart(6, '0')}`;
    const name = `${first} ${last}`;
    customers.push({ id, email, name, bytes: Buffer.from(`${id},${email},${csvField(name)},`, 'utf8') });
    currency.push(region.currency);
  }
  return { customers, currency };
}

function orderIdOf(prefix: string, runTag: string, n: number): string {
  return `${prefix}-${runTag}-${String(n + 1).padStart(6, '0')}`;
}

function localPart(random: Random, first: string, last: string): string {
  switch (random.int(5)) {
    case 0:
      return `${first}.${last}`;
    case 1:
      return `${first}${last}`;
    case 2:
      return `${first.slice(0, 1)}.${last}`;
    case 3:
      return `${first}_${last}`;
    default:
      return `${first}.${last}${random.between(1, 99)}`;
  }
}

function dayStart(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

/**
 * `2026-11-23T14:03:27Z`. Built from a cached date part and two-digit strings: Date#toISOString for
 * every order was the generator's largest cost.
 */
class Timestamps {
  private readonly dates = new Map<number, string>();

  format(ms: number): string {
    const day = Math.floor(ms / DAY_MS);
    let date = this.dates.get(day);
    if (date === undefined) {
      date = new Date(day * DAY_MS).toISOString().slice(0, 11);
      this.dates.set(day, date);
    }
    const seconds = Math.floor((ms - day * DAY_MS) / 1000);
    const h = TWO_DIGITS[Math.floor(seconds / 3600)] as string;
    const m = TWO_DIGITS[Math.floor(seconds / 60) % 60] as string;
    return `${date}${h}:${m}:${TWO_DIGITS[seconds % 60] as string}Z`;
  }
}

/**
 * Encodes text straight into a large buffer and hands full buffers to the file, waiting when the disk
 * is behind. (Concatenating a chunk's rows into one string and encoding that was the slowest part.)
 */
class ChunkWriter {
  private buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private offset = 0;
  bytes = 0;
  private readonly out: fs.WriteStream;
  private failure: Error | undefined;

  constructor(file: string) {
    this.out = fs.createWriteStream(file);
    this.out.on('error', (error) => (this.failure = error));
  }

  /** Text known to be ASCII (ids, times, numbers): the cheapest encoding. */
  addAscii(text: string): void {
    this.reserve(text.length);
    this.offset += this.buffer.write(text, this.offset, 'latin1');
  }

  add(text: string): void {
    // 3 bytes per UTF-16 unit covers any text; rows are far smaller than a chunk.
    this.reserve(text.length * 3);
    this.offset += this.buffer.write(text, this.offset, 'utf8');
  }

  /** Room for `bytes` more without a new buffer: copies between offsets stay in one buffer. */
  reserve(bytes: number): void {
    if (this.offset + bytes > this.buffer.length) this.rotate(bytes);
  }

  get position(): number {
    return this.offset;
  }

  addBytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.offset);
    this.offset += bytes.length;
  }

  /** Repeats bytes written earlier into the current buffer (after `reserve`). */
  repeat(start: number, end: number): void {
    this.buffer.copyWithin(this.offset, start, end);
    this.offset += end - start;
  }

  /** Call between records: writes the buffer once it is nearly full. */
  async maybeFlush(): Promise<void> {
    if (this.offset >= CHUNK_BYTES - ORDER_BYTES_MAX) await this.flush();
  }

  private rotate(atLeast: number): void {
    if (this.failure) throw this.failure;
    if (this.offset > 0) {
      this.out.write(this.buffer.subarray(0, this.offset));
      this.bytes += this.offset;
    }
    this.buffer = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, atLeast));
    this.offset = 0;
  }

  private async flush(): Promise<void> {
    this.rotate(0);
    if (this.out.writableNeedDrain) await once(this.out, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.out.end();
    if (!this.out.writableFinished) await once(this.out, 'finish');
    if (this.failure) throw this.failure;
  }
}

/**
 * Writes `orders.csv` (line-items layout, an order's rows together) and `stock.csv` into `outDir`,
 * streaming: memory holds the customer pool and a write buffer, not the file. The same options always
 * give the same bytes.
 */
export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  validateOptions(options);
  const started = process.hrtime.bigint();
  const random = new Random(`${options.seed}|orders`);
  const runTag = runTagOf(options);
  const { products, discontinued } = catalogue(options.prefix);

  // Popularity: a seed-dependent ranking of the catalogue, Zipf-like picks over it.
  const byPopularity = random.shuffle(products);
  const productIndex = new WeightedIndex(zipfWeights(byPopularity.length, 0.9));
  const scarce = new Set(
    random
      .shuffle(byPopularity.slice(2, 14))
      .slice(0, SCARCE_PRODUCTS)
      .map((p) => p.sku),
  );

  const poolSize = Math.min(MAX_CUSTOMERS, Math.max(30, Math.ceil(options.orders * CUSTOMERS_PER_ORDER)));
  const pool = buildCustomers(options.prefix, poolSize);
  const customersOf = new Map<Currency, { ranked: Customer[]; index: WeightedIndex }>();
  for (const currency of CURRENCIES) {
    const mine = pool.customers.filter((_, i) => pool.currency[i] === currency);
    // Zipf-Mandelbrot, 1 / (rank + 12): regulars who order every few days, a long tail of one-off buyers.
    const weights = mine.map((_, rank) => 1 / (rank + 12));
    customersOf.set(currency, { ranked: random.shuffle(mine), index: new WeightedIndex(weights) });
  }
  const currencyIndex = new WeightedIndex(CURRENCIES.map((c) => CURRENCY_SHARES[c]));
  const lineCountIndex = new WeightedIndex(LINE_COUNT_WEIGHTS);
  const hourIndex = new WeightedIndex(HOUR_WEIGHTS);
  const qtyCheapIndex = new WeightedIndex(QTY_WEIGHTS_CHEAP);
  const qtyIndex = new WeightedIndex(QTY_WEIGHTS);
  // More orders on recent days: the last day weighs twice the first.
  const dayIndex = new WeightedIndex(
    Array.from({ length: options.days }, (_, k) => 1 + (options.days > 1 ? k / (options.days - 1) : 0)),
  );

  const timestamps = new Timestamps();
  const lastDayStart = dayStart(options.until);
  const firstDayStart = lastDayStart - (options.days - 1) * DAY_MS;
  // The last day's times are squeezed into [00:00, notAfter) (at least an hour), keeping their shape.
  const lastDayLength =
    options.notAfter === undefined
      ? DAY_MS
      : Math.min(DAY_MS, Math.max(HOUR_MS, options.notAfter - lastDayStart));

  // Every product's bytes for each currency, encoded once; an order's common part is encoded once and
  // copied for its other rows.
  const sellable = [...products, ...discontinued];
  const productBytes = new Map<Currency, Buffer[]>(
    CURRENCIES.map((c) => [
      c,
      sellable.map((p) => Buffer.from(`${p.sku},${csvField(p.name)},${p.prices[c]},`, 'utf8')),
    ]),
  );
  const productPosition = new Map(sellable.map((p, i) => [p.sku, i]));
  const qtyBytes = Array.from({ length: 10 }, (_, q) => Buffer.from(`${q}\n`, 'ascii'));
  const demand = new Float64Array(products.length);

  fs.mkdirSync(options.outDir, { recursive: true });
  const ordersFile = path.join(options.outDir, 'orders.csv');
  const stockFile = path.join(options.outDir, 'stock.csv');
  const out = new ChunkWriter(ordersFile);
  out.add(`${ORDERS_HEADER}\n`);

  const badRows: BadRow[] = [];
  const badRowsByKind = Object.fromEntries(BAD_ROW_KINDS.map((k) => [k, 0])) as Record<BadRowKind, number>;
  const ordersByCurrency = Object.fromEntries(CURRENCIES.map((c) => [c, 0])) as Record<Currency, number>;
  let line = 1;
  let spoiledOrders = 0;
  let multiLineOrders = 0;
  let unknownSkuOrders = 0;
  let badRowsLeft = options.badRows.kind === 'count' ? options.badRows.count : 0;

  for (let n = 0; n < options.orders; n += 1) {
    const orderId = orderIdOf(options.prefix, runTag, n);
    const currency = CURRENCIES[currencyIndex.draw(random)] as Currency;
    const customers = customersOf.get(currency) as { ranked: Customer[]; index: WeightedIndex };
    const customer = customers.ranked[customers.index.draw(random)] as Customer;
    const day = dayIndex.draw(random);
    const timeOfDay = hourIndex.draw(random) * HOUR_MS + random.int(HOUR_MS / 1000) * 1000;
    const placedAt =
      day === options.days - 1
        ? lastDayStart + Math.floor((timeOfDay * lastDayLength) / DAY_MS / 1000) * 1000
        : firstDayStart + day * DAY_MS + timeOfDay;
    const placedText = timestamps.format(placedAt);

    const lineCount = lineCountIndex.draw(random) + 1;
    if (lineCount > 1) multiLineOrders += 1;
    const picked: Product[] = [];
    for (let i = 0; i < lineCount; i += 1) {
      let candidate = byPopularity[productIndex.draw(random)] as Product;
      for (let retry = 0; retry < 5 && picked.includes(candidate); retry += 1)
        candidate = byPopularity[productIndex.draw(random)] as Product;
      if (!picked.includes(candidate)) picked.push(candidate);
    }
    const unknown = random.chance(UNKNOWN_SKU_SHARE) ? random.pick(discontinued) : undefined;
    if (unknown) unknownSkuOrders += 1;
    const lines = unknown ? [...picked.slice(0, 4), unknown] : picked;
    const quantities = lines.map((p) =>
      p.prices.EUR < 2000 ? qtyCheapIndex.draw(random) + 1 : qtyIndex.draw(random) + 1,
    );

    let badLine = -1;
    if (options.badRows.kind === 'count') {
      // Selection sampling: exactly `count` orders get a bad row, spread over the file.
      if (badRowsLeft > 0 && random.next() * (options.orders - n) < badRowsLeft) {
        badLine = random.int(lines.length);
        badRowsLeft -= 1;
      }
    } else if (
      options.badRows.share > 0 &&
      random.chance(Math.min(1, options.badRows.share * lines.length))
    ) {
      badLine = random.int(lines.length);
    }

    out.reserve(ORDER_BYTES_MAX);
    const currencyBytes = productBytes.get(currency) as Buffer[];
    let prefixStart = -1;
    let prefixEnd = -1;
    for (let i = 0; i < lines.length; i += 1) {
      const productOfLine = lines[i] as Product;
      const qty = quantities[i] as number;
      line += 1;
      if (i === badLine) {
        const fields = [
          orderId,
          placedText,
          currency,
          customer.id,
          customer.email,
          customer.name,
          productOfLine.sku,
          productOfLine.name,
          String(productOfLine.prices[currency]),
          String(qty),
        ];
        const kind = random.pick(BAD_ROW_KINDS);
        const column = spoilRow(fields, kind, random);
        badRows.push({ line, orderId, kind, column });
        badRowsByKind[kind] += 1;
        out.add(`${fields.map(csvField).join(',')}\n`);
        continue;
      }
      if (prefixStart < 0) {
        prefixStart = out.position;
        out.addAscii(`${orderId},${placedText},${currency},`);
        out.addBytes(customer.bytes);
        prefixEnd = out.position;
      } else {
        out.repeat(prefixStart, prefixEnd);
      }
      out.addBytes(currencyBytes[productPosition.get(productOfLine.sku) as number] as Buffer);
      out.addBytes(qtyBytes[qty] as Buffer);
    }
    if (badLine >= 0) {
      spoiledOrders += 1;
    } else {
      ordersByCurrency[currency] += 1;
      for (let i = 0; i < lines.length; i += 1) {
        const position = productPosition.get((lines[i] as Product).sku);
        if (position !== undefined && position < demand.length)
          demand[position] = (demand[position] ?? 0) + (quantities[i] as number);
      }
    }
    await out.maybeFlush();
  }
  await out.close();

  // Stock follows demand: plenty for most products, half of what is asked for the scarce ones.
  const stock = new ChunkWriter(stockFile);
  stock.add(`${STOCK_HEADER}\n`);
  products.forEach((p, i) => {
    const asked = demand[i] ?? 0;
    const onHand = scarce.has(p.sku)
      ? Math.floor(asked * SCARCE_STOCK_SHARE)
      : asked + Math.max(20, Math.ceil(asked * 0.3));
    stock.add(`${p.sku},${csvField(p.name)},${onHand},${p.prices[STOCK_CURRENCY]}\n`);
  });
  await stock.close();

  return {
    ordersFile,
    stockFile,
    runTag,
    orders: options.orders,
    firstOrderId: orderIdOf(options.prefix, runTag, 0),
    lastOrderId: orderIdOf(options.prefix, runTag, options.orders - 1),
    rows: line - 1,
    bytes: out.bytes,
    spoiledOrders,
    badRows,
    badRowsByKind,
    ordersByCurrency,
    multiLineOrders,
    customers: poolSize,
    products: products.length,
    scarceSkus: [...scarce].sort(),
    unknownSkuOrders,
    firstDay: new Date(firstDayStart).toISOString().slice(0, 10),
    lastDay: options.until,
    elapsedMs: Number(process.hrtime.bigint() - started) / 1e6,
  };
}
