import { ValidationError } from './errors.js';

/**
 * Deal values are exact: an integer count of the currency's minor units (cents; yen have none,
 * dinars have thousandths) with the ISO 4217 code, never a float. Amounts are added per
 * currency only: crm has no exchange rates and never adds two currencies together.
 */
export interface Money {
  minor: number;
  currency: string;
}

/** An amount as typed, not yet in minor units: those depend on the currency, which may come later (config). */
export interface AmountText {
  /** Canonical decimal: digits, optionally a dot and more digits ("12000", "12000.5"). */
  amount: string;
  /** Upper case, when the text named one. */
  currency?: string;
}

let knownCurrencies: ReadonlySet<string> | undefined;

/** ISO 4217 codes in use, as the runtime's ICU data lists them. */
function currencies(): ReadonlySet<string> {
  knownCurrencies ??= new Set(Intl.supportedValuesOf('currency'));
  return knownCurrencies;
}

/** The code in upper case, or a ValidationError naming what was typed. */
export function currencyCode(text: string): string {
  const code = text.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(code) || !currencies().has(code)) {
    throw new ValidationError(`unknown currency "${text.trim()}": use an ISO 4217 code like EUR, USD, GBP or JPY`);
  }
  return code;
}

const digitsCache = new Map<string, number>();

/** Digits after the decimal point in the currency's minor unit (EUR 2, JPY 0, KWD 3), per CLDR. */
export function minorDigits(currency: string): number {
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    digitsCache.set(currency, digits);
  }
  return digits;
}

/** Spaces of any kind (the thin and no-break spaces of "12 000"), apostrophes and underscores group digits. */
const GROUPING = /[\s\u00a0\u202f'’_]/g;

/**
 * Reads "12 000 EUR", "EUR 12000", "12,000.50 usd", "1.234,56 €"-style amounts without the
 * symbol, and "12000". Separators: when both `,` and `.` appear, the last one is the decimal
 * point; a lone one is the decimal point unless it is followed by exactly three digits (and
 * follows more than a 0) or repeats ("12,000" and "1.234.567" group thousands; "12,5" is
 * twelve and a half; "0.125" is an eighth).
 */
export function parseAmount(text: string): AmountText {
  const trimmed = text.trim();
  const match = /^(?:([A-Za-z]{3})\s*)?([0-9][0-9\s\u00a0\u202f'’_.,]*?)(?:\s*([A-Za-z]{3}))?$/.exec(trimmed);
  if (!match || (match[1] && match[3])) {
    throw new ValidationError(`invalid value "${trimmed}": use an amount and an ISO 4217 currency, like "12 000 EUR" or "12000.50 USD"`);
  }
  const currencyText = match[1] ?? match[3];
  const currency = currencyText === undefined ? undefined : currencyCode(currencyText);
  const digits = match[2]!.replace(GROUPING, '');
  const amount = normaliseSeparators(digits, trimmed);
  return currency === undefined ? { amount } : { amount, currency };
}

function normaliseSeparators(digits: string, typed: string): string {
  const invalid = () =>
    new ValidationError(`invalid value "${typed}": use an amount like 12000, "12 000" or 12000.50, then the currency`);
  if (!/^[0-9]+([.,][0-9]+)*$/.test(digits)) throw invalid();
  const commas = digits.split(',').length - 1;
  const dots = digits.split('.').length - 1;
  let decimal: ',' | '.' | undefined;
  if (commas > 0 && dots > 0) {
    decimal = digits.lastIndexOf(',') > digits.lastIndexOf('.') ? ',' : '.';
    if ((decimal === ',' ? commas : dots) > 1) throw invalid();
  } else if (commas + dots === 1) {
    const at = Math.max(digits.indexOf(','), digits.indexOf('.'));
    const groupsThousands = digits.length - 1 - at === 3 && digits.slice(0, at) !== '0';
    decimal = groupsThousands ? undefined : commas ? ',' : '.';
  }
  const [whole, fraction] = decimal === undefined ? [digits, ''] : splitAt(digits, digits.lastIndexOf(decimal));
  const grouped = whole.split(/[.,]/);
  // Groups after the first have three digits: "1,23,456" is a typo, not a number.
  if (grouped.slice(1).some((group) => group.length !== 3)) throw invalid();
  const integer = grouped.join('').replace(/^0+(?=\d)/, '');
  const cleanFraction = fraction.replace(/0+$/, '');
  return cleanFraction ? `${integer}.${cleanFraction}` : integer;
}

function splitAt(text: string, index: number): [string, string] {
  return [text.slice(0, index), text.slice(index + 1)];
}

/** The largest value stored: minor units stay exact integers in JavaScript and in both databases. */
export const MAX_MINOR = Number.MAX_SAFE_INTEGER;

/** The amount in the currency's minor units; more decimals than the currency has is an error, not a rounding. */
export function toMinorUnits(amount: string, currency: string): number {
  const digits = minorDigits(currency);
  const [whole, fraction = ''] = amount.split('.');
  if (fraction.length > digits) {
    throw new ValidationError(
      digits === 0
        ? `${currency} has no minor unit: give a whole amount (${amount} has decimals)`
        : `${currency} has ${digits} decimal place${digits === 1 ? '' : 's'}: ${amount} has ${fraction.length}`,
    );
  }
  const minor = Number(`${whole}${fraction.padEnd(digits, '0')}`);
  if (!Number.isSafeInteger(minor) || minor > MAX_MINOR) {
    throw new ValidationError(`value ${amount} ${currency} is too large`);
  }
  return minor;
}

/** "12000.50": the plain decimal of an amount in minor units, as JSON and CSV give it. */
export function decimalAmount(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  const sign = minor < 0 ? '-' : '';
  return digits === 0 ? `${sign}${text}` : `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** "12,000.50 EUR": for people. The same in every locale, and `--value` reads it back. */
export function formatMoney(minor: number, currency: string): string {
  const [whole, fraction] = decimalAmount(minor, currency).split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${fraction === undefined ? grouped : `${grouped}.${fraction}`} ${currency}`;
}

/** Money of several currencies, each summed on its own, in currency order: "1,000.00 EUR, 50.00 USD". */
export function formatAmounts(amounts: ReadonlyArray<{ currency: string; minor: number }>): string {
  return [...amounts]
    .sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0))
    .map((amount) => formatMoney(amount.minor, amount.currency))
    .join(', ');
}
