// zod's mini build: the same checks and messages as the classic chained API, at a quarter of the
// code to load, which every command that touches the database pays (npm run bench:startup).
import * as z from 'zod/mini';
import { ValidationError } from './errors.js';
import { CUSTOMER_STATUSES, INTERACTION_CHANNELS, invalidChannelMessage, invalidStatusMessage } from './vocabulary.js';

const requiredText = (field: string) =>
  z.string({ error: `${field} is required` }).check(z.trim(), z.minLength(1, { error: `${field} is required` }));

/**
 * Names and types are shown in table cells, one-line messages and TSV: a tab, newline or
 * other control character would break every one of them.
 */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * The rules on single fields, as plain functions so the CSV import (millions of cells, no
 * zod per cell) applies exactly these: undefined when the value is fine, else the message.
 */
export function singleLineTextProblem(field: string, value: string): string | undefined {
  return CONTROL_CHARACTER.test(value) ? `${field} cannot contain tabs, line breaks or other control characters` : undefined;
}

/**
 * Practical rather than RFC 5322 in full: a dot-atom local part (no quoted strings, no
 * comments, no `<...>`), and a domain of two or more non-empty labels. Letters and digits
 * of any script are allowed, so internationalised addresses (jürgen@bücher.de) pass.
 */
const ATOM = "[\\p{L}\\p{N}\\p{M}!#$%&'*+/=?^_`{|}~-]+";
const LABEL = '[\\p{L}\\p{N}\\p{M}](?:[\\p{L}\\p{N}\\p{M}-]*[\\p{L}\\p{N}\\p{M}])?';
const EMAIL_PATTERN = new RegExp(`^${ATOM}(?:\\.${ATOM})*@${LABEL}(?:\\.${LABEL})+$`, 'u');
/** RFC 5321's limit on a forward path, so a pasted paragraph is not taken for an address. */
const EMAIL_MAX_LENGTH = 254;

export function emailProblem(value: string): string | undefined {
  return value.length <= EMAIL_MAX_LENGTH && EMAIL_PATTERN.test(value)
    ? undefined
    : `invalid email "${value}": expected an address like name@example.com`;
}

const singleLineText = (field: string) =>
  requiredText(field).check(
    z.superRefine((value, context) => {
      const problem = singleLineTextProblem(field, value);
      if (problem) context.issues.push({ code: 'custom', message: problem, input: value });
    }),
  );

/** Optional free text: blank means "no value", stored as NULL rather than "". */
const optionalText = z.pipe(
  z.nullish(z.string().check(z.trim())),
  z.transform((value) => (value ? value : null)),
);

/** A string as given, or null for none (undefined too), without trimming. */
const stringOrNull = z.pipe(
  z.nullish(z.string()),
  z.transform((value) => value ?? null),
);

/**
 * A customer's note: free text over several lines (as typed, or from $EDITOR or stdin), with
 * Windows line ends made plain and the whole trimmed; blank means no note.
 */
export const optionalNote = z.pipe(
  z.nullish(z.string()),
  z.transform((value) => {
    const note = value?.replace(/\r\n?/g, '\n').trim();
    return note ? note : null;
  }),
);

const optionalEmail = optionalText.check(
  z.superRefine((value, context) => {
    const problem = value === null ? undefined : emailProblem(value);
    if (problem) context.issues.push({ code: 'custom', message: problem, input: value });
  }),
);

export const statusSchema = z.enum(CUSTOMER_STATUSES, { error: (issue) => invalidStatusMessage(issue.input) });

export const channelSchema = z.enum(INTERACTION_CHANNELS, { error: (issue) => invalidChannelMessage(issue.input) });

export const productInputSchema = z.object({
  name: singleLineText('product name'),
  description: optionalText,
  is_active: z._default(z.boolean(), true),
});
export type ProductInput = z.input<typeof productInputSchema>;

export const productPatchSchema = z.object({
  name: z.optional(singleLineText('product name')),
  description: z.optional(optionalText),
});
export type ProductPatch = z.input<typeof productPatchSchema>;

export const customerInputSchema = z.object({
  name: singleLineText('customer name'),
  email: optionalEmail,
  phone: optionalText,
  product_id: stringOrNull,
  status: z._default(statusSchema, 'lead'),
  acquisition_source: optionalText,
  owner: optionalText,
  note: optionalNote,
});
export type CustomerInput = z.input<typeof customerInputSchema>;

export const customerPatchSchema = z.object({
  name: z.optional(singleLineText('customer name')),
  email: z.optional(optionalEmail),
  phone: z.optional(optionalText),
  product_id: z.optional(z.nullable(z.string())),
  status: z.optional(statusSchema),
  acquisition_source: z.optional(optionalText),
  owner: z.optional(optionalText),
  note: z.optional(optionalNote),
});
export type CustomerPatch = z.input<typeof customerPatchSchema>;

export const companyInputSchema = z.object({
  name: singleLineText('company name'),
});
export type CompanyInput = z.input<typeof companyInputSchema>;

export const interactionInputSchema = z.object({
  customer_id: z.string(),
  type: singleLineText('interaction type'),
  channel: channelSchema,
  note: requiredText('note'),
  follow_up_date: stringOrNull,
});
export type InteractionInput = z.input<typeof interactionInputSchema>;

/** Parses with a schema and turns the first problem into a one-line ValidationError. */
export function validate<S extends z.ZodMiniType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(result.error.issues[0]?.message ?? 'invalid input');
}
