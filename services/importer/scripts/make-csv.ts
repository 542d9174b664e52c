// Writes a line-items orders CSV of a given number of rows, the same bytes for the same arguments, for
// measuring the importer (rows/s, peak RSS) on big files:
//   npx tsx services/importer/scripts/make-csv.ts --rows 1000000 --out /tmp/orders-1m.csv [--seed 1]
//     [--skus 2000] [--customers 50000] [--bad-every 0]
// Orders have 1-4 lines; currencies EUR, USD, GBP, CHF; SKUs SKU-00001.. with fixed prices per SKU.
// --bad-every N makes every Nth row invalid (qty 0), which rejects its order.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';

const HEADER =
  'external_order_id,order_placed_at,currency,customer_id,customer_email,customer_name,product_sku,product_name,unit_price_cents,qty';
const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF'];
const START = Date.UTC(2025, 0, 1);

/** mulberry32: small, fast, and the same sequence on every machine. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '1000' },
      out: { type: 'string' },
      seed: { type: 'string', default: '1' },
      skus: { type: 'string', default: '2000' },
      customers: { type: 'string', default: '50000' },
      'bad-every': { type: 'string', default: '0' },
    },
  });
  const rows = Number(values.rows);
  const skus = Number(values.skus);
  const customers = Number(values.customers);
  const badEvery = Number(values['bad-every']);
  if (!values.out || !Number.isInteger(rows) || rows < 1) {
    console.error(
      'usage: make-csv.ts --rows N --out file.csv [--seed S] [--skus K] [--customers C] [--bad-every B]',
    );
    process.exit(1);
  }
  const next = random(Number(values.seed));
  const pick = (n: number) => 1 + Math.floor(next() * n);
  const out = createWriteStream(values.out);
  let chunk = `${HEADER}\n`;
  let written = 0;
  let order = 0;
  while (written < rows) {
    order += 1;
    const id = `ORD-${String(order).padStart(8, '0')}`;
    const placedAt = new Date(START + order * 37_000).toISOString();
    const currency = CURRENCIES[order % CURRENCIES.length]!;
    const customer = pick(customers);
    const customerId = `CUST-${String(customer).padStart(6, '0')}`;
    const lines = Math.min(pick(4), rows - written);
    for (let i = 0; i < lines; i += 1) {
      written += 1;
      const sku = pick(skus);
      const skuId = `SKU-${String(sku).padStart(5, '0')}`;
      const price = 100 + ((sku * 7919) % 49_900);
      const qty = badEvery > 0 && written % badEvery === 0 ? 0 : pick(5);
      chunk += `${id},${placedAt},${currency},${customerId},customer${customer}@example.com,Customer ${customer},${skuId},Product ${sku},${price},${qty}\n`;
    }
    if (chunk.length > 64 * 1024) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  console.error(`wrote ${written} rows (${order} orders) to ${values.out}`);
}

void main();
