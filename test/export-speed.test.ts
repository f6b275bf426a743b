/**
 * The export's fast path on SQLite (src/csv/separated.ts, TransferRepository.losslessCsvPages):
 * SQLite joins each page's values into one buffer and only the quoting is done in JavaScript.
 * Its output must be csv-stringify's, byte for byte, on every awkward value, and any page the
 * separated form cannot carry exactly must still come out as before. Nothing here is timed:
 * the speed is measured by `npm run bench` (section `export`).
 */
import { stringify } from 'csv-stringify/sync';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csvStringifyOptions } from '../src/csv/codec.js';
import { TABLE_COLUMNS, fileNameFor } from '../src/csv/columns.js';
import { FIELD_SEPARATOR, MAX_SEPARATED_COLUMNS, RECORD_SEPARATOR, separatedToCsv } from '../src/csv/separated.js';
import { TransferRepository } from '../src/repositories/sqlite/transfer.js';
import type { TableName } from '../src/domain/vocabulary.js';
import { TestCli, tempDir } from './helpers.js';

type Value = string | number | null;

const FIELD = String.fromCharCode(FIELD_SEPARATOR);
const RECORD = String.fromCharCode(RECORD_SEPARATOR);

const viaCsvStringify = (rows: unknown[][]) => stringify(rows, csvStringifyOptions());

/** Rows in the separated form, keys from 1, as SQLite's group_concat writes them. */
function separated(rows: Value[][], keys: number[] = rows.map((_, index) => index + 1)): Buffer {
  const records = rows.map((row, index) => {
    const mask = row.reduce<number>((bits, value, column) => (value === null ? bits | (1 << column) : bits), 0);
    return [String(keys[index]), String(mask), ...row.map((value) => (value === null ? '' : String(value)))].join(FIELD);
  });
  return Buffer.from(records.join(RECORD));
}

const HUGE_NOTE = `${'He said "yes", then no.\r\n'.repeat(40_000)}Ünïcödé 🚀 end `;

const AWKWARD: Value[] = [
  null, '', ' ', '  padded  ', 'plain', '"', '""', 'a,b', ',', 'say "hi"', 'line\nbreak', 'cr\ronly', 'crlf\r\n', '\n', '\r',
  '\uFEFFbom', '=SUM(A1)', '+1', '-5', '@x', '\ttab', "'quote", 'Ünïcödé 🚀', '日本語, "引用"', '\u0000nul', '\u001cfs', 0, 1, -3,
  9_007_199_254_740_991, HUGE_NOTE,
];

describe('separatedToCsv', () => {
  it('writes what csv-stringify writes, on every awkward value alone, all in one row, and in rows of three', () => {
    for (const value of AWKWARD) expect(separatedToCsv(separated([[value]]), 1, 1)?.toString()).toBe(viaCsvStringify([[value]]));
    const widest = AWKWARD.slice(0, MAX_SEPARATED_COLUMNS);
    expect(separatedToCsv(separated([widest]), widest.length, 1)?.toString()).toBe(viaCsvStringify([widest]));
    // A wider row's NULLs do not fit the mask: the caller formats it from its values.
    expect(separatedToCsv(separated([[...widest, 'x']]), widest.length + 1, 1)).toBeUndefined();
    const rows: Value[][] = [];
    for (let index = 0; index + 3 <= AWKWARD.length; index++) rows.push(AWKWARD.slice(index, index + 3));
    expect(separatedToCsv(separated(rows), 3, rows.length)?.toString()).toBe(viaCsvStringify(rows));
  });

  it('writes what csv-stringify writes on random rows over the characters that matter', () => {
    const alphabet = ['"', ',', '\r', '\n', 'a', ' ', 'é', '🚀', '='];
    let seed = 7;
    const random = (below: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % below);
    for (let round = 0; round < 300; round++) {
      const columns = 1 + random(6);
      const rows = Array.from({ length: 1 + random(8) }, () =>
        Array.from({ length: columns }, () => (random(5) === 0 ? null : Array.from({ length: random(5) }, () => alphabet[random(alphabet.length)]!).join(''))),
      );
      expect(separatedToCsv(separated(rows), columns, rows.length)?.toString()).toBe(viaCsvStringify(rows));
    }
  });

  it('refuses a page whose shape is in doubt, rather than guess', () => {
    const rows: Value[][] = [['a', 'b'], ['c', null]];
    expect(separatedToCsv(separated(rows), 2, 2)?.toString()).toBe('a,b\nc,\n');
    const refused = (page: Buffer, columns = 2, records = 2) => expect(separatedToCsv(page, columns, records)).toBeUndefined();
    refused(separated([[`a${FIELD}x`, 'b'], ['c', null]]));
    refused(separated([['a', `b${RECORD}3`], ['c', null]]));
    refused(separated([[`a${RECORD}`, 'b'], ['c', null]]));
    refused(separated(rows), 2, 1);
    refused(separated(rows), 2, 3);
    refused(separated(rows), 3, 2);
    refused(separated(rows, [2, 2]));
    refused(separated(rows, [3, 1]));
    const withStart = (start: string) => Buffer.from(start + separated(rows).toString().slice(`1${FIELD}0${FIELD}`.length));
    expect(separatedToCsv(withStart(`1${FIELD}0${FIELD}`), 2, 2)).toBeDefined();
    // A NULL mask on a value that has bytes, the mask of a row SQL marked unusual, no key.
    refused(withStart(`1${FIELD}1${FIELD}`));
    refused(withStart(`1${FIELD}-1${FIELD}`));
    refused(withStart(`${FIELD}0${FIELD}`));
    refused(separated(rows).subarray(0, 5));
  });
});

describe('SQLite export through the separated form', () => {
  let cli: TestCli;
  let dir: string;
  beforeEach(() => {
    cli = new TestCli();
    dir = tempDir('crm-export-speed-');
  });
  afterEach(() => {
    cli.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** What the export wrote before the separated form: every row read as values, through csv-stringify. */
  function reference(table: TableName): string {
    const columns = TABLE_COLUMNS[table];
    const rows = cli.db.sqlite.prepare(`SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM "${table}" ORDER BY rowid`).raw().all() as unknown[][];
    return viaCsvStringify([[...columns], ...rows]);
  }

  function pageKinds(table: TableName): string[] {
    return [...new TransferRepository(cli.db.sqlite).losslessCsvPages(table, 5_000)].map((page) => ('csv' in page ? 'csv' : 'values'));
  }

  const exported = async (table: TableName) => {
    const out = path.join(dir, 'out');
    fs.rmSync(out, { recursive: true, force: true });
    expect((await cli.run(['export', '--dir', out])).code).toBe(0);
    return fs.readFileSync(path.join(out, fileNameFor(table)), 'utf8');
  };

  /**
   * 12,001 interactions (three pages) holding every awkward value, spread over 400 customers
   * (each interaction rebuilds its customer's search document), and awkward customers.
   */
  function seed(notes: ReadonlyMap<number, string> = new Map()): void {
    const sql = cli.db.sqlite;
    sql.prepare('INSERT INTO products VALUES (?, ?, ?, ?, ?, ?)').run('p-1', 'Audit, "deep"', 'one\r\ntwo', 1, '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z');
    const customer = sql.prepare(
      `INSERT INTO customers (id, name, email, phone, product_id, status, acquisition_source, owner, is_archived, created_at, updated_at,
         company_id, deal_value_minor, deal_currency, closed_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const at = '2026-02-01T10:00:00.000Z';
    const interaction = sql.prepare('INSERT INTO customer_interactions VALUES (?, ?, ?, ?, ?, ?, ?)');
    sql.transaction(() => {
      customer.run('c-a', ' Ada  Lovelace ', 'ada@example.com', '', 'p-1', 'qualified', null, 'ada', 0, at, at, null, 1200050, 'EUR', null, 'Likes "engines",\r\nand poetry');
      customer.run('c-b', 'Bob "The Builder"', null, null, null, 'closed_won', '', null, 1, at, at, null, 0, 'JPY', at, '');
      customer.run('c-c', '日本語, "引用"', '', null, null, 'lead', '-5', '\t tab', 0, at, at, null, 9_007_199_254_740_991, 'USD', null, HUGE_NOTE);
      for (let index = 0; index < 400; index++) customer.run(`c-${index}`, `Name ${index}`, null, null, null, 'lead', null, null, 0, at, at, null, null, null, null, null);
      for (let index = 0; index <= 12_000; index++) {
        const awkward = AWKWARD[index % AWKWARD.length]!;
        const note = notes.get(index) ?? (awkward === HUGE_NOTE ? 'short' : awkward === null || typeof awkward === 'number' ? `n${awkward}` : awkward);
        interaction.run(`i-${index}`, `c-${index % 400}`, 'Call', 'phone', note, index % 3 ? null : '2026-03-01', at);
      }
    })();
  }

  it('exports every table exactly as csv-stringify writes its rows, page boundaries included', async () => {
    seed();
    expect(pageKinds('customer_interactions')).toEqual(['csv', 'csv', 'csv']);
    expect(pageKinds('customers')).toEqual(['csv']);
    const out = path.join(dir, 'out');
    expect((await cli.run(['export', '--dir', out])).code).toBe(0);
    for (const table of Object.keys(TABLE_COLUMNS) as TableName[]) {
      expect(fs.readFileSync(path.join(out, fileNameFor(table)), 'utf8'), table).toBe(reference(table));
    }
    expect((await cli.run(['export', 'customer_interactions'])).stdout).toBe(reference('customer_interactions'));
  });

  it('formats a page from its values when the separated form cannot carry it, and only that page', async () => {
    const sql = cli.db.sqlite;
    // What only the sqlite3 shell writes: a separator inside a note and, past the audit
    // triggers (which refuse them), text that is not UTF-8, a BLOB and an integer beyond 2^53.
    for (const { name } of sql.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%audit%'").all() as Array<{ name: string }>) {
      sql.exec(`DROP TRIGGER "${name}"`);
    }
    seed(new Map([[7_000, `a${RECORD}b`]]));
    expect(pageKinds('customer_interactions')).toEqual(['csv', 'values', 'csv']);
    expect(await exported('customer_interactions')).toBe(reference('customer_interactions'));
    sql.prepare("INSERT INTO customer_interactions VALUES ('i-last', 'c-1', 'Call', 'phone', CAST(X'61ff62' AS TEXT), NULL, '2026-02-01T10:00:00.000Z')").run();
    expect(pageKinds('customer_interactions')).toEqual(['csv', 'values', 'values']);
    expect(await exported('customer_interactions')).toBe(reference('customer_interactions'));
    const note = sql.prepare("UPDATE customers SET note = ? WHERE id = 'c-b'");
    note.run(Buffer.from('hi'));
    expect(pageKinds('customers')).toEqual(['values']);
    const customers = await exported('customers');
    expect(customers).toBe(reference('customers'));
    expect(customers).toContain(',"{""type"":""Buffer"",""data"":[104,105]}"\n');
    note.run('');
    expect(pageKinds('customers')).toEqual(['csv']);
    sql.prepare("UPDATE customers SET deal_value_minor = 9007199254740993 WHERE id = 'c-c'").run();
    expect(pageKinds('customers')).toEqual(['values']);
    expect(await exported('customers')).toBe(reference('customers'));
  });
});
