import type { ZodMiniType } from 'zod/mini';
import { DateRangeError, UsageError, ValidationError } from '../domain/errors.js';
import { currencyCode, parseAmount, type AmountText } from '../domain/money.js';
import {
  CUSTOMER_STATUSES,
  INTERACTION_CHANNELS,
  invalidChannelMessage,
  invalidStatusMessage,
  type CustomerStatus,
  type InteractionChannel,
} from '../domain/vocabulary.js';

/**
 * Values typed on the command line are checked here, before any work, so that a malformed
 * one is a usage error (exit 2) with the same wording the services use for stored data.
 * A plain lookup rather than the zod schemas, which list commands would otherwise load.
 */
function parseChoice<T extends string>(choices: readonly T[], text: string, invalid: (typed: string) => string): T {
  // "Closed Won" and "closed-won" mean closed_won: nobody should have to remember the underscore.
  const normalised = text.trim().toLowerCase().replace(/[\s-]+/g, '_');
  const choice = choices.find((value) => value === normalised);
  // The message quotes what the user wrote, not the normalised form.
  if (choice === undefined) throw new UsageError(invalid(text));
  return choice;
}

export function parseStatus(text: string): CustomerStatus {
  return parseChoice(CUSTOMER_STATUSES, text, invalidStatusMessage);
}

export function parseChannel(text: string): InteractionChannel {
  return parseChoice(INTERACTION_CHANNELS, text, invalidChannelMessage);
}

export function parsePositiveInteger(text: string, option: string): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`invalid ${option} "${text}": use a whole number of 1 or more`);
  }
  return value;
}

/** For prompt `validate` hooks: `true`, or the schema's message so the prompt asks again. */
export function promptCheck(schema: ZodMiniType): (value: string) => true | string {
  return (value) => {
    const result = schema.safeParse(value);
    return result.success || (result.error.issues[0]?.message ?? 'invalid value');
  };
}

/**
 * Runs the parse of a date or duration option so that a value out of range says which
 * option it was (the parsers in domain/time.ts do not know option names).
 */
export function checkDateOption(option: string, text: string | undefined, parse: (text: string) => unknown): void {
  if (text === undefined) return;
  try {
    parse(text);
  } catch (error) {
    if (error instanceof DateRangeError) throw new UsageError(`${option} ${error.message}`);
    throw error;
  }
}

/**
 * `--value "12 000 EUR"` or `--value 12000`: the amount, and the currency it names, else
 * `defaultCurrency` (CRM_CURRENCY); with neither, the service takes `crm config` currency.
 */
export function parseDealValue(text: string, defaultCurrency: string | undefined): AmountText {
  try {
    const parsed = parseAmount(text);
    const currency = parsed.currency ?? defaultCurrency;
    return currency === undefined ? parsed : { ...parsed, currency };
  } catch (error) {
    if (error instanceof ValidationError) throw new UsageError(`--value: ${error.message}`);
    throw error;
  }
}

/** CRM_CURRENCY, checked: a typo there would otherwise price every deal in it. */
export function parseCurrencyVariable(text: string | undefined): string | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  try {
    return currencyCode(text);
  } catch (error) {
    if (error instanceof ValidationError) throw new UsageError(`CRM_CURRENCY: ${error.message}`);
    throw error;
  }
}
