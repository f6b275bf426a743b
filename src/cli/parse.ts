import type { z } from 'zod';
import { DateRangeError, UsageError } from '../domain/errors.js';
import { channelSchema, statusSchema } from '../domain/schemas.js';
import type { CustomerStatus, InteractionChannel } from '../domain/vocabulary.js';

/**
 * Values typed on the command line are checked here, before any work, so that a malformed
 * one is a usage error (exit 2) with the same wording the services use for stored data.
 */
function parseWith<S extends z.ZodType>(schema: S, text: string): z.output<S> {
  // "Closed Won" and "closed-won" mean closed_won: nobody should have to remember the underscore.
  const result = schema.safeParse(text.trim().toLowerCase().replace(/[\s-]+/g, '_'));
  if (result.success) return result.data;
  // Reparsed as typed so that the message quotes what the user wrote, not the normalised form.
  const asTyped = schema.safeParse(text);
  throw new UsageError((asTyped.success ? undefined : asTyped.error.issues[0]?.message) ?? `invalid value "${text}"`);
}

export function parseStatus(text: string): CustomerStatus {
  return parseWith(statusSchema, text);
}

export function parseChannel(text: string): InteractionChannel {
  return parseWith(channelSchema, text);
}

export function parsePositiveInteger(text: string, option: string): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`invalid ${option} "${text}": use a whole number of 1 or more`);
  }
  return value;
}

/** For prompt `validate` hooks: `true`, or the schema's message so the prompt asks again. */
export function promptCheck(schema: z.ZodType): (value: string) => true | string {
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
