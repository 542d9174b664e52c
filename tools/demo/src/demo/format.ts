/** Column alignment: numbers read better right-aligned. */
export type Align = 'left' | 'right';

/** A plain aligned text table (the stack's style), with right-aligned columns where asked. */
export function table(headers: string[], rows: string[][], align: Align[] = []): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (align[i] === 'right' ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

const minorDigitsCache = new Map<string, number>();

/** Digits after the decimal point of a currency (2 for EUR, 0 for JPY), from the runtime's ICU. */
export function minorDigits(currency: string): number {
  let digits = minorDigitsCache.get(currency);
  if (digits === undefined) {
    try {
      digits =
        new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions()
          .maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    minorDigitsCache.set(currency, digits);
  }
  return digits;
}

/** 1234567 cents -> "12,345.67" (no symbol: the table says the currency). */
export function money(cents: number, currency: string): string {
  const digits = minorDigits(currency);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const unit = 10 ** digits;
  const whole = Math.floor(abs / unit).toLocaleString('en-US');
  return digits === 0 ? `${sign}${whole}` : `${sign}${whole}.${String(abs % unit).padStart(digits, '0')}`;
}

/** "12,345.67" -> 1234567 for a currency with 2 digits; the inverse of `money` (tests read tables back). */
export function parseMoney(text: string, currency: string): number {
  const digits = minorDigits(currency);
  const [whole = '0', fraction = ''] = text.replace(/,/g, '').split('.');
  const sign = whole.startsWith('-') ? -1 : 1;
  return sign * (Math.abs(Number(whole)) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0'));
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** Half up to whole cents, as analytics derives its average order value. */
export function averageCents(total: number, orders: number): number {
  return orders === 0 ? 0 : Math.floor((2 * total + orders) / (2 * orders));
}
