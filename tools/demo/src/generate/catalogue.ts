// The shop's product list. Fixed (not drawn from the seed), so a SKU names the same product in every
// generated file; the seed decides popularity, stock and which products run short.

/** [category code, product name, price in EUR cents] */
type Entry = readonly [string, string, number];

const PRODUCTS: readonly Entry[] = [
  ['COF', 'Espresso Beans Dark Roast 1 kg', 2490],
  ['COF', 'Single Origin Ethiopia Yirgacheffe 250 g', 1290],
  ['COF', 'Decaf House Blend 500 g', 1150],
  ['COF', 'Gooseneck Pour-Over Kettle', 5900],
  ['COF', 'Burr Coffee Grinder', 8900],
  ['COF', 'Glass Cold Brew Maker 1 l', 3450],
  ['COF', 'Paper Filters, Size 02 (100 pcs)', 590],
  ['COF', 'Matcha Powder Ceremonial Grade 30 g', 1990],
  ['COF', 'Earl Grey Loose Leaf 200 g', 890],
  ['KIT', 'Cast Iron Skillet 26 cm', 3990],
  ['KIT', "Chef's Knife 20 cm", 7450],
  ['KIT', 'Bamboo Cutting Board', 2290],
  ['KIT', 'Stainless Steel Mixing Bowls, Set of 3', 2990],
  ['KIT', 'Silicone Baking Mat', 1190],
  ['KIT', 'Digital Kitchen Scale', 1990],
  ['KIT', 'Enamel Dutch Oven 5 l', 11900],
  ['KIT', 'Ceramic Mug 350 ml', 1290],
  ['KIT', 'Espresso Cups, Set of 4', 2490],
  ['HOM', 'Linen Duvet Cover 200x200', 8900],
  ['HOM', 'Merino Wool Throw', 9900],
  ['HOM', 'Scented Candle Cedar & Fig', 2450],
  ['HOM', 'Desk Lamp with Dimmer', 4990],
  ['HOM', 'Cotton Bath Towel', 1890],
  ['HOM', 'Indoor Plant Pot 18 cm', 1590],
  ['HOM', 'Wall Clock Oak', 3990],
  ['AUD', 'Wireless Noise-Cancelling Headphones', 24900],
  ['AUD', 'True Wireless Earbuds', 12900],
  ['AUD', 'Portable Bluetooth Speaker', 7990],
  ['AUD', 'USB-C Charging Cable 2 m', 1490],
  ['AUD', 'Turntable with Built-in Preamp', 29900],
  ['AUD', 'Vinyl Record Cleaning Kit', 2990],
  ['OUT', 'Trail Running Shoes', 12990],
  ['OUT', 'Insulated Water Bottle 750 ml', 2990],
  ['OUT', 'Ultralight Rain Jacket', 14900],
  ['OUT', 'Two-Person Tent', 19900],
  ['OUT', 'Headlamp 400 lm', 3490],
  ['OUT', 'Merino Hiking Socks', 1990],
  ['OUT', 'Daypack 22 l', 6990],
  ['BOK', 'The Pragmatic Programmer', 4290],
  ['BOK', 'Designing Data-Intensive Applications', 4990],
  ['BOK', 'Salt, Fat, Acid, Heat', 3290],
  ['BOK', 'A Field Guide to Mushrooms', 2490],
  ['BOK', 'Watercolour for Beginners', 1990],
  ['STA', 'Dotted Notebook A5', 1490],
  ['STA', 'Fountain Pen, Fine Nib', 3490],
  ['STA', 'Ink Bottle Blue-Black 50 ml', 990],
  ['STA', 'Weekly Planner 2027', 1990],
  ['STA', 'Mechanical Pencil 0.5 mm', 890],
  ['FIT', 'Yoga Mat 6 mm', 3990],
  ['FIT', 'Adjustable Dumbbells 2x10 kg', 11900],
  ['FIT', 'Resistance Bands, Set of 5', 1990],
  ['FIT', 'Foam Roller', 2490],
  ['FIT', 'Jump Rope with Counter', 1490],
  ['TOY', 'Wooden Building Blocks (100 pcs)', 3490],
  ['TOY', '1000-Piece Jigsaw Puzzle', 1990],
  ['TOY', 'Board Game: Settlers', 4490],
  ['TOY', 'Plush Otter', 2290],
];

/** Products that were sold once but are in no stock file: orders asking for them fail UNKNOWN_SKU. */
const DISCONTINUED: readonly Entry[] = [
  ['DIS', 'Moka Pot 3 Cups (discontinued)', 2990],
  ['DIS', 'Wired Earphones (discontinued)', 1990],
  ['DIS', 'Paper Calendar 2024 (discontinued)', 990],
];

export type Currency = 'EUR' | 'USD' | 'GBP';
export const CURRENCIES: readonly Currency[] = ['EUR', 'USD', 'GBP'];

/** Shares of orders per currency, the shop being based in the euro area. */
export const CURRENCY_SHARES: Readonly<Record<Currency, number>> = { EUR: 0.55, USD: 0.3, GBP: 0.15 };

const RATES: Readonly<Record<Currency, number>> = { EUR: 1, USD: 1.09, GBP: 0.86 };

export interface Product {
  sku: string;
  name: string;
  /** Price list per currency, in cents; EUR is the stock file's currency. */
  prices: Readonly<Record<Currency, number>>;
}

/** Converted prices end in 9 as shop prices do: 24.90 EUR * 1.09 = 27.14 -> 26.99 USD. */
export function shopPrice(cents: number): number {
  if (cents < 1000) return Math.max(49, Math.round(cents / 10) * 10 - 1);
  return Math.round(cents / 100) * 100 - 1;
}

function product(prefix: string, [category, name, eur]: Entry, number: number): Product {
  return {
    sku: `${prefix}-${category}-${String(number).padStart(3, '0')}`,
    name,
    prices: { EUR: eur, USD: shopPrice(eur * RATES.USD), GBP: shopPrice(eur * RATES.GBP) },
  };
}

export function catalogue(prefix: string): { products: Product[]; discontinued: Product[] } {
  return {
    products: PRODUCTS.map((entry, i) => product(prefix, entry, 101 + i)),
    discontinued: DISCONTINUED.map((entry, i) => product(prefix, entry, 901 + i)),
  };
}
