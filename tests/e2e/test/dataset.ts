// A seeded order data set whose every outcome is known in advance: which orders the importer rejects,
// which fail for stock or unknown SKUs, and (with the payment seed) which are paid.

export interface StockItem {
  sku: string;
  name: string;
  onHand: number;
  priceCents: number;
}

export type Expected =
  { kind: 'rejected-row' } | { kind: 'unknown-sku' } | { kind: 'out-of-stock' } | { kind: 'payable' };

export interface PlannedOrder {
  orderId: string;
  currency: string;
  lines: { sku: string; qty: number; priceCents: number }[];
  expected: Expected;
}

export interface Dataset {
  stock: StockItem[];
  orders: PlannedOrder[];
  stockCsv: string;
  ordersCsv: string;
  badRows: number;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CURRENCIES = ['EUR', 'USD', 'GBP'];
const NAMES = [
  'Ada Lovelace',
  'Grace Hopper',
  'Alan Turing',
  'Katherine Johnson',
  'Edsger Dijkstra',
  'Barbara Liskov',
];

/**
 * `plentiful` SKUs never run out; `scarce` SKUs hold one unit and every order asks for at least two, so
 * those orders fail for stock whatever the processing order; `ghost` is in no stock file.
 */
export function buildDataset(runId: string, orderCount: number, seed = 42): Dataset {
  const random = mulberry32(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
  const plentiful: StockItem[] = Array.from({ length: 12 }, (_, i) => ({
    sku: `${runId}-P${i}`,
    name: `Plentiful item ${i}`,
    onHand: 100_000,
    priceCents: 199 + i * 250,
  }));
  const scarce: StockItem[] = Array.from({ length: 3 }, (_, i) => ({
    sku: `${runId}-S${i}`,
    name: `Scarce item ${i}`,
    onHand: 1,
    priceCents: 4999,
  }));
  const ghost = `${runId}-GHOST`;

  const orders: PlannedOrder[] = [];
  const rows: string[] = [
    'external_order_id,order_placed_at,currency,customer_id,customer_email,customer_name,product_sku,product_name,unit_price_cents,qty',
  ];
  let badRows = 0;
  for (let n = 0; n < orderCount; n++) {
    const orderId = `${runId}-O${String(n).padStart(4, '0')}`;
    const roll = random();
    const kind: Expected['kind'] =
      roll < 0.08 ? 'rejected-row' : roll < 0.16 ? 'unknown-sku' : roll < 0.26 ? 'out-of-stock' : 'payable';
    const currency = pick(CURRENCIES);
    const customer = Math.floor(random() * 40);
    const name = pick(NAMES);
    const placedAt = new Date(Date.UTC(2026, 10, 1 + (n % 20), 8 + (n % 10), n % 60)).toISOString();
    const lineCount = 1 + Math.floor(random() * 3);
    const lines = Array.from({ length: lineCount }, () => {
      const item = pick(plentiful);
      return {
        sku: item.sku,
        name: item.name,
        qty: 1 + Math.floor(random() * 3),
        priceCents: item.priceCents,
      };
    });
    if (kind === 'unknown-sku') lines.push({ sku: ghost, name: 'Ghost', qty: 1, priceCents: 100 });
    if (kind === 'out-of-stock') {
      const item = pick(scarce);
      lines.push({
        sku: item.sku,
        name: item.name,
        qty: 2 + Math.floor(random() * 2),
        priceCents: item.priceCents,
      });
    }
    const badLine = kind === 'rejected-row' ? Math.floor(random() * lines.length) : -1;
    lines.forEach((line, i) => {
      // A bad row: quantity zero, which the importer must refuse, taking the whole order with it.
      const qty = i === badLine ? 0 : line.qty;
      if (i === badLine) badRows++;
      rows.push(
        [
          orderId,
          placedAt,
          currency,
          `cust-${runId}-${customer}`,
          `customer${customer}@example.test`,
          `"${name}"`,
          line.sku,
          `"${line.name}"`,
          line.priceCents,
          qty,
        ].join(','),
      );
    });
    orders.push({
      orderId,
      currency,
      lines: lines.map(({ sku, qty, priceCents }) => ({ sku, qty, priceCents })),
      expected: { kind },
    });
  }
  const stock = [...plentiful, ...scarce];
  const stockCsv = [
    'sku,product_name,on_hand,unit_price_cents',
    ...stock.map((s) => `${s.sku},"${s.name}",${s.onHand},${s.priceCents}`),
  ].join('\n');
  return { stock, orders, stockCsv: `${stockCsv}\n`, ordersCsv: `${rows.join('\r\n')}\r\n`, badRows };
}
