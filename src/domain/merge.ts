import { UsageError } from './errors.js';

/** How `crm customer merge --prefer` settles a field the customers fill differently. */
export const MERGE_PREFERENCES = ['keep', 'newest'] as const;
export type MergePreference = (typeof MERGE_PREFERENCES)[number];

/** The conflict as a usage error: without a terminal and without --prefer, nothing may guess. */
export function unsettledError(fields: readonly string[]): UsageError {
  return new UsageError(
    `the customers disagree on ${fields.join(', ')}: choose with --prefer keep|newest (or run on a terminal to pick each value)`,
  );
}
