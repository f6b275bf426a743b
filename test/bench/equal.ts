/**
 * Proof that a reference did the same work as crm: the same rows in the same tables, value
 * for value and type for type, in the same order, and export files with the same records.
 * A bench compares speeds only after these checks pass.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createCsvParser, type CsvCell } from '../../src/csv/codec.js';
import { TABLE_COLUMNS } from '../../src/csv/columns.js';
import type { TableName } from '../../src/domain/vocabulary.js';
import { UnequalWorkError } from './section.js';

export interface TableDigest {
  rows: number;
  /** sha256 over every row in rowid order, each value with its SQLite type. */
  checksum: string;
}

export function tableDigest(file: string, table: TableName): TableDigest {
  const db = new Database(file, { readonly: true });
  try {
    const columns = TABLE_COLUMNS[table].flatMap((column) => [`typeof("${column}")`, `"${column}"`]).join(', ');
    const hash = createHash('sha256');
    let rows = 0;
    for (const row of db.prepare(`SELECT ${columns} FROM "${table}" ORDER BY rowid`).raw().iterate()) {
      hash.update(JSON.stringify(row));
      hash.update('\n');
      rows++;
    }
    return { rows, checksum: hash.digest('hex') };
  } finally {
    db.close();
  }
}

/** Throws UnequalWorkError naming the first table whose rows differ between the two files. */
export function assertSameData(what: string, referenceFile: string, crmFile: string, tables: readonly TableName[]): void {
  for (const table of tables) {
    const reference = tableDigest(referenceFile, table);
    const crm = tableDigest(crmFile, table);
    if (reference.rows !== crm.rows) {
      throw new UnequalWorkError(`${what}: ${table} holds ${reference.rows} rows in the reference and ${crm.rows} in crm's file`);
    }
    if (reference.checksum !== crm.checksum) {
      throw new UnequalWorkError(`${what}: ${table} has ${crm.rows} rows on both sides but different values (checksums differ)`);
    }
  }
}

async function* records(file: string): AsyncGenerator<CsvCell[]> {
  const parser = createCsvParser();
  fs.createReadStream(file).pipe(parser);
  for await (const { record } of parser as AsyncIterable<{ record: CsvCell[] }>) yield record;
}

/**
 * Two CSV files hold the same records: each cell the same text, and NULL (an empty unquoted
 * field) apart from an empty string (`""`). Quoting and line breaks may differ (the sqlite3
 * shell quotes any non-ASCII value, crm only what needs it).
 */
export async function assertSameCsv(what: string, referenceFile: string, crmFile: string): Promise<number> {
  const reference = records(referenceFile);
  const crm = records(crmFile);
  for (let line = 1; ; line++) {
    const [a, b] = await Promise.all([reference.next(), crm.next()]);
    if (a.done && b.done) return line - 1;
    if (a.done || b.done) throw new UnequalWorkError(`${what}: ${a.done ? 'the reference' : "crm's file"} ends at record ${line}, the other goes on`);
    if (JSON.stringify(a.value) !== JSON.stringify(b.value)) {
      throw new UnequalWorkError(`${what}: record ${line} differs: ${JSON.stringify(a.value)} vs ${JSON.stringify(b.value)}`);
    }
  }
}
