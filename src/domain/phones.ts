import { UsageError } from './errors.js';

/**
 * When two phone numbers are the same number, for `crm customer duplicates` and `merge`.
 * The databases compute the same key in SQL (src/repositories/sqlite/duplicates.ts and
 * drizzle/pg/0004_change_sets.sql); this is that rule, step by step:
 *
 * 1. Separators go: spaces, hyphens, dots, parentheses and slashes.
 * 2. An international number keeps its digits: `+44 20 7946 0000` and `0044 20 7946 0000`
 *    give 442079460000.
 * 3. A national number loses its trunk 0 and gains the default country code: with 44,
 *    `020 7946 0000` gives 442079460000 too.
 * 4. Any other number gains the country code unless it already starts with it and has 11
 *    digits or more (written without the +): with 1, `555-123-4567` and `1 555 123 4567`
 *    both give 15551234567.
 * 5. The key counts only if it is digits alone, at least 7 of them: "n/a", "ext. 12" or a
 *    short internal extension never make two customers duplicates.
 *
 * Without a country code, national numbers lose the trunk 0 and get nothing in its place, so
 * `020 7946 0000` and `20 7946 0000` still match each other, but not `+44 20 7946 0000`.
 */
export const MIN_PHONE_KEY_DIGITS = 7;

/** The separators step 1 removes, as the SQL removes them (one replace() each). */
export const PHONE_SEPARATORS = [' ', '-', '.', '(', ')', '/'] as const;

export function phoneKey(phone: string | null | undefined, countryCode: string): string | null {
  if (phone === null || phone === undefined) return null;
  let stripped = phone;
  for (const separator of PHONE_SEPARATORS) stripped = stripped.replaceAll(separator, '');
  let key: string;
  if (stripped.startsWith('+')) key = stripped.slice(1);
  else if (stripped.startsWith('00')) key = stripped.slice(2);
  else if (stripped.startsWith('0')) key = countryCode + stripped.slice(1);
  else if (countryCode !== '' && stripped.startsWith(countryCode) && stripped.length >= 11) key = stripped;
  else key = countryCode + stripped;
  return /^[0-9]+$/.test(key) && key.length >= MIN_PHONE_KEY_DIGITS ? key : null;
}

/**
 * The default country code as configured (CRM_COUNTRY_CODE): 1 to 3 digits, a leading + or
 * 00 allowed. Unset or empty means none.
 */
export function parseCountryCode(text: string | undefined): string {
  if (text === undefined || text.trim() === '') return '';
  const digits = text.trim().replace(/^(\+|00)/, '');
  if (!/^[1-9][0-9]{0,2}$/.test(digits)) {
    throw new UsageError(`CRM_COUNTRY_CODE must be a country calling code like 44 or +1; it is "${text}"`);
  }
  return digits;
}
