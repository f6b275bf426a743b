import type { Parameters } from './queries.js';

/**
 * `col = $n, ...` for the fields of a patch that are set (undefined is "leave as is", as
 * drizzle's set() treats it), limited to the table's own columns: a column name is written
 * into the SQL, so it must never come from anywhere else. Empty when nothing is set.
 */
export function setClause(columns: readonly string[], patch: Record<string, unknown>, parameters: Parameters): string {
  return columns
    .filter((column) => column !== 'id' && patch[column] !== undefined)
    .map((column) => `${column} = ${parameters.add(patch[column])}`)
    .join(', ');
}

/** `(a, b) VALUES ($1, $2)` for a whole row, every column in the table's order. */
export function insertValues<T extends object>(columns: readonly (keyof T & string)[], row: T, parameters: Parameters): string {
  return `(${columns.join(', ')}) VALUES (${columns.map((column) => parameters.add(row[column])).join(', ')})`;
}
