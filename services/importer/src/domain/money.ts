export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

// At most 13 integer digits keeps every amount (x1000 for 3-digit minor units) a safe integer.
const DECIMAL = /^(\d{1,13})(?:\.(\d+))?$/;

/**
 * Parses a plain decimal amount ("19.99", "0.07", "12") into integer minor units by string manipulation,
 * never through a float, so "1.1" is exactly 110. `digits` is the currency's minor unit (2 for cents);
 * more decimal places than that, signs, exponents, thousands separators and empty strings are refused.
 */
export function parseDecimalToMinorUnits(text: string, digits = 2): Parsed<number> {
  const match = DECIMAL.exec(text);
  if (!match) {
    return { ok: false, reason: 'is not a plain decimal amount such as 19.99' };
  }
  const whole = match[1]!;
  const fraction = match[2] ?? '';
  if (fraction.length > digits) {
    return {
      ok: false,
      reason:
        digits === 0 ? 'must be a whole amount in this currency' : `has more than ${digits} decimal places`,
    };
  }
  const value = Number(whole + fraction.padEnd(digits, '0'));
  return { ok: true, value };
}

/** A non-negative whole number written with digits only (no sign, no exponent, no decimal point). */
export function parseWholeNumber(text: string): number | undefined {
  if (!/^\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}
