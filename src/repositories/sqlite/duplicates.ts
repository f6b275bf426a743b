import type Database from 'better-sqlite3';
import { foldCase } from '../../db/connection.js';
import { MAX_NAME_GROUP } from '../../domain/duplicates.js';
import { MIN_PHONE_KEY_DIGITS, PHONE_SEPARATORS } from '../../domain/phones.js';
import type { Customer } from '../../domain/types.js';
import type { DuplicateKeyGroup, DuplicateRepository } from '../ports.js';

/** Customers are read this many ids at a time. */
const BATCH = 500;

/**
 * A phone without its separators: the very expression of customers_phone_digits_idx
 * (drizzle/0013_change_sets.sql), which SQLite uses only for an identical expression.
 */
export const PHONE_DIGITS = PHONE_SEPARATORS.reduce((expression, separator) => `replace(${expression}, '${separator}', '')`, 'phone');

/** The key of domain/phones.ts (phoneKey) over PHONE_DIGITS, for the country code @cc. */
const PHONE_KEY = `(CASE
  WHEN substr(${PHONE_DIGITS}, 1, 1) = '+' THEN substr(${PHONE_DIGITS}, 2)
  WHEN substr(${PHONE_DIGITS}, 1, 2) = '00' THEN substr(${PHONE_DIGITS}, 3)
  WHEN substr(${PHONE_DIGITS}, 1, 1) = '0' THEN @cc || substr(${PHONE_DIGITS}, 2)
  WHEN @cc <> '' AND substr(${PHONE_DIGITS}, 1, length(@cc)) = @cc AND length(${PHONE_DIGITS}) >= 11 THEN ${PHONE_DIGITS}
  ELSE @cc || ${PHONE_DIGITS} END)`;

/**
 * Each grouping reads an index alone, in index order, never the table: e-mails
 * customers_email_lower_idx, names customer_name_folds_fold_idx, phones
 * customers_phone_digits_idx (their key depends on the country code given at run time, so no
 * index can hold it: the keys computed from the indexed digits are grouped by one sort). A
 * group names its rows by rowid, which every index entry holds: the key is then read from
 * the group's first row and the ids from all of its rows, a seek each, for the duplicates
 * only. (Selecting the key beside the aggregate made SQLite read every row of the table: 10 s
 * instead of 1.4 s for a million e-mails.)
 */
export const EMAIL_GROUPS = `SELECT json_group_array(rowid) AS rows FROM customers
  WHERE lower(email) > '' GROUP BY lower(email) HAVING count(*) > 1`;
const EMAIL_KEY = `SELECT lower(email) FROM customers WHERE rowid = ?`;
export const PHONE_GROUPS = `SELECT json_group_array(rowid) AS rows FROM customers
  WHERE ${PHONE_DIGITS} > '' AND ${PHONE_KEY} NOT GLOB '*[^0-9]*' AND length(${PHONE_KEY}) >= ${MIN_PHONE_KEY_DIGITS}
  GROUP BY ${PHONE_KEY} HAVING count(*) > 1`;
const PHONE_KEY_OF = `SELECT ${PHONE_KEY} FROM customers WHERE rowid = @row`;
export const NAME_GROUPS = `SELECT name_fold AS key, json_group_array(rowid) AS rows FROM customer_name_folds
  WHERE name_fold IS NOT NULL GROUP BY name_fold HAVING count(*) BETWEEN 2 AND ${MAX_NAME_GROUP}`;
/** A name group's members and whether their e-mails agree (ignoring ASCII case, as SQLite's lower()). */
const NAME_MEMBERS = `SELECT json_group_array(f.customer_id) AS ids, count(DISTINCT lower(nullif(trim(c.email), ''))) AS emails
  FROM customer_name_folds AS f JOIN customers AS c ON c.id = f.customer_id WHERE f.rowid IN (SELECT value FROM json_each(?))`;
const CUSTOMER_IDS = `SELECT id FROM customers WHERE rowid IN (SELECT value FROM json_each(?)) ORDER BY id`;
/** Names written since crm last wrote (the sqlite3 shell) have no fold yet: folded here. */
const UNFOLDED = `SELECT f.rowid AS row, c.name AS name FROM customer_name_folds AS f JOIN customers AS c ON c.id = f.customer_id
  WHERE f.name_fold IS NULL`;
const FOLD_ROWS = `SELECT rowid FROM customer_name_folds WHERE name_fold = ? LIMIT ${MAX_NAME_GROUP + 1}`;
const CUSTOMERS = `SELECT * FROM customers WHERE id IN (SELECT value FROM json_each(?))`;

export class SqliteDuplicateRepository implements DuplicateRepository {
  constructor(private readonly sqlite: Database.Database) {}

  async sameEmail(): Promise<DuplicateKeyGroup[]> {
    const key = this.sqlite.prepare(EMAIL_KEY).pluck();
    return this.grouped(EMAIL_GROUPS, {}, (row) => key.get(row) as string);
  }

  async samePhone(countryCode: string): Promise<DuplicateKeyGroup[]> {
    const key = this.sqlite.prepare(PHONE_KEY_OF).pluck();
    return this.grouped(PHONE_GROUPS, { cc: countryCode }, (row) => key.get({ row, cc: countryCode }) as string);
  }

  async sameName(): Promise<DuplicateKeyGroup[]> {
    const rows = new Map(
      (this.sqlite.prepare(NAME_GROUPS).all() as Array<{ key: string; rows: string }>).map(({ key, rows }) => [key, JSON.parse(rows) as number[]]),
    );
    const unfolded = this.sqlite.prepare(UNFOLDED).all() as Array<{ row: number; name: string }>;
    if (unfolded.length > 0) {
      const folded = this.sqlite.prepare(FOLD_ROWS).pluck();
      for (const { row, name } of unfolded) {
        const fold = foldCase(name);
        let members = rows.get(fold);
        if (!members) rows.set(fold, (members = folded.all(fold) as number[]));
        members.push(row);
      }
    }
    const members = this.sqlite.prepare(NAME_MEMBERS);
    const groups: DuplicateKeyGroup[] = [];
    for (const [key, rowids] of [...rows].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (rowids.length < 2 || rowids.length > MAX_NAME_GROUP) continue;
      const { ids, emails } = members.get(JSON.stringify(rowids)) as { ids: string; emails: number };
      if (emails <= 1) groups.push({ key, ids: (JSON.parse(ids) as string[]).sort() });
    }
    return groups;
  }

  async customers(ids: readonly string[]): Promise<Customer[]> {
    const statement = this.sqlite.prepare(CUSTOMERS);
    const found: Customer[] = [];
    for (let start = 0; start < ids.length; start += BATCH) {
      const rows = statement.all(JSON.stringify(ids.slice(start, start + BATCH))) as Array<Customer & { is_archived: number | boolean }>;
      for (const row of rows) found.push({ ...row, is_archived: Boolean(row.is_archived) });
    }
    return found;
  }

  /** Groups as rowids; each group's key from its first row, its ids from all; sorted by key. */
  private grouped(groupsSql: string, parameters: Record<string, string>, keyOf: (row: number) => string): DuplicateKeyGroup[] {
    const ids = this.sqlite.prepare(CUSTOMER_IDS).pluck();
    return (this.sqlite.prepare(groupsSql).all(parameters) as Array<{ rows: string }>)
      .map(({ rows }) => {
        const rowids = JSON.parse(rows) as number[];
        return { key: keyOf(rowids[0]!), ids: ids.all(rows) as string[] };
      })
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}
