import { z } from 'zod';
import { ValidationError } from './errors.js';
import { CUSTOMER_STATUSES, INTERACTION_CHANNELS } from './vocabulary.js';

const requiredText = (field: string) =>
  z
    .string({ error: `${field} is required` })
    .trim()
    .min(1, { error: `${field} is required` });

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
  requiredText(field).superRefine((value, context) => {
    const problem = singleLineTextProblem(field, value);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });

/** Optional free text: blank means "no value", stored as NULL rather than "". */
const optionalText = z
  .string()
  .trim()
  .nullish()
  .transform((value) => (value ? value : null));

const optionalEmail = optionalText.superRefine((value, context) => {
  const problem = value === null ? undefined : emailProblem(value);
  if (problem) context.addIssue({ code: 'custom', message: problem });
});

export const statusSchema = z.enum(CUSTOMER_STATUSES, {
  error: (issue) => `invalid status "${String(issue.input)}": use one of ${CUSTOMER_STATUSES.join(', ')}`,
});

export const channelSchema = z.enum(INTERACTION_CHANNELS, {
  error: (issue) =>
    `invalid channel "${String(issue.input)}": use one of ${INTERACTION_CHANNELS.join(', ')}`,
});

export const productInputSchema = z.object({
  name: singleLineText('product name'),
  description: optionalText,
  is_active: z.boolean().default(true),
});
export type ProductInput = z.input<typeof productInputSchema>;

export const productPatchSchema = z.object({
  name: singleLineText('product name').optional(),
  description: optionalText.optional(),
});
export type ProductPatch = z.input<typeof productPatchSchema>;

export const customerInputSchema = z.object({
  name: singleLineText('customer name'),
  email: optionalEmail,
  phone: optionalText,
  product_id: z.string().nullish().transform((value) => value ?? null),
  status: statusSchema.default('lead'),
  acquisition_source: optionalText,
  owner: optionalText,
});
export type CustomerInput = z.input<typeof customerInputSchema>;

export const customerPatchSchema = z.object({
  name: singleLineText('customer name').optional(),
  email: optionalEmail.optional(),
  phone: optionalText.optional(),
  product_id: z.string().nullable().optional(),
  status: statusSchema.optional(),
  acquisition_source: optionalText.optional(),
  owner: optionalText.optional(),
});
export type CustomerPatch = z.input<typeof customerPatchSchema>;

export const interactionInputSchema = z.object({
  customer_id: z.string(),
  type: singleLineText('interaction type'),
  channel: channelSchema,
  note: requiredText('note'),
  follow_up_date: z.string().nullish().transform((value) => value ?? null),
});
export type InteractionInput = z.input<typeof interactionInputSchema>;

/** Parses with a schema and turns the first problem into a one-line ValidationError. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(result.error.issues[0]?.message ?? 'invalid input');
}
