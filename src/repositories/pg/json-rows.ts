/**
 * Rows built by the server as JSON, in the form the driver gives a row read the usual way
 * (src/db/pg/connection.ts: isoInstant): a statement that brings several tables' rows at once
 * costs one round trip instead of one per table.
 */

/** The columns that hold instants (timestamptz), in every table. */
export const INSTANTS: ReadonlySet<string> = new Set(['created_at', 'updated_at', 'closed_at']);

/**
 * crm.crm_iso's format, written inline: a function with its own search_path is never inlined,
 * and a statement would call it once per instant.
 */
export const ISO_FORMAT = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** An instant as ISO text in UTC to the millisecond. */
export const iso = (value: string) => `to_char(${value} AT TIME ZONE 'UTC', ${ISO_FORMAT})`;

/** `json_build_object('id', c.id, ...)`: a row of `columns` as the driver would give it. */
export const jsonRow = (alias: string, columns: readonly string[]) =>
  `json_build_object(${columns.map((column) => `'${column}', ${INSTANTS.has(column) ? iso(`${alias}.${column}`) : `${alias}.${column}`}`).join(', ')})`;

/** A JSON array of the rows (`[]` for none), as text: the driver leaves it unparsed. */
export const jsonArray = (alias: string, columns: readonly string[], from: string, order: string) =>
  `(SELECT coalesce(json_agg(${jsonRow(alias, columns)} ORDER BY ${order}), '[]') FROM ${from})::text`;
