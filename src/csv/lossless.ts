import { stringify as stringifySync } from 'csv-stringify/sync';
import { csvStringifyOptions, losslessCsvRecord } from './codec.js';

/**
 * Rows in the lossless CSV form, each ended by `\n`: losslessCsvRecord for text, numbers and
 * NULL, csv-stringify for a row holding anything else (a BLOB written by the sqlite3 shell).
 */
export function losslessCsvText(rows: ReadonlyArray<readonly unknown[]>): string {
  let text = '';
  for (const row of rows) {
    const record = losslessCsvRecord(row);
    text += record === undefined ? stringifySync([row], csvStringifyOptions()) : `${record}\n`;
  }
  return text;
}
