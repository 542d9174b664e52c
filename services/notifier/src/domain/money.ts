const formatters = new Map<string, Intl.NumberFormat>();

function formatter(currency: string, locale: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: 'currency', currency });
    formatters.set(key, format);
  }
  return format;
}

/** Three capital letters that Intl knows as a currency. */
export function isCurrencyCode(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code)) return false;
  try {
    formatter(code, 'en-US');
    return true;
  } catch {
    return false;
  }
}

/** Decimal places of the currency's minor unit (EUR 2, JPY 0, BHD 3), as Intl (CLDR) knows them. */
export function minorDigits(currency: string): number {
  return formatter(currency, 'en-US').resolvedOptions().maximumFractionDigits ?? 2;
}

/**
 * `1234` EUR -> `€12.34` (en-US) or `12,34 €` (de-DE). The amount reaches Intl as an exact decimal string,
 * never as a float, so no amount is ever off by a cent.
 */
export function formatMoney(cents: number, currency: string, locale = 'en-US'): string {
  const digits = minorDigits(currency);
  const negative = cents < 0;
  const units = Math.abs(cents)
    .toString()
    .padStart(digits + 1, '0');
  const whole = units.slice(0, units.length - digits);
  const fraction = units.slice(units.length - digits);
  const decimal = `${negative ? '-' : ''}${whole}${digits > 0 ? `.${fraction}` : ''}`;
  return formatter(currency, locale).format(decimal as Intl.StringNumericLiteral);
}
