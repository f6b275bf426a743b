import type Database from 'better-sqlite3';
import { foldCase } from '../../db/connection.js';
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
 * Each query groups by an indexed expression and reads the index alone, never the table:
 * e-mails by customers_email_lower_idx and folded names by customer_name_folds_fold_idx, in
 * index order with no sort. Phones: the key depends on the country code given at run time, so
 * no index can hold it; the digits come from customers_phone_digits_idx and are grouped by one
 * sort. A group names its rows by rowid (which every index entry holds); their ids are then
 * read a seek each, for the duplicates only.
 */
export const EMAIL_GROUPS = `SELECT lower(email) AS key, json_group_array(rowid) AS rows FROM customers
  WHERE lower(email) > '' GROUP BY lower(email) HAVING count(*) > 1`;
export const PHONE_GROUPS = `SELECT ${PHONE_KEY} AS key, json_group_array(rowid) AS rows FROM customers
  WHERE ${PHONE_DIGITS} > '' GROUP BY 1
  HAVING count(*) > 1 AND key NOT GLOB '*[^0-9]*' AND length(key) >= ${MIN_PHONE_KEY_DIGITS}`;
export const NAME_GROUPS = `SELECT name_fold AS key, json_group_array(rowid) AS rows FROM customer_name_folds
  WHERE name_fold IS NOT NULL GROUP BY name_fold HAVING count(*) > 1`;
const CUSTOMER_IDS = `SELECT id FROM customers WHERE rowid IN (SELECT value FROM json_each(?)) ORDER BY id`;
const FOLDED_IDS = `SELECT customer_id FROM customer_name_folds WHERE rowid IN (SELECT value FROM json_each(?)) ORDER BY customer_id`;
/** Names written since crm last wrote (the sqlite3 shell) have no fold yet: folded here. */
const UNFOLDED = `SELECT c.id AS id, c.name AS name FROM customer_name_folds AS f JOIN customers AS c ON c.id = f.customer_id
  WHERE f.name_fold IS NULL`;
const FOLD_MEMBERS = `SELECT customer_id AS id FROM customer_name_folds WHERE name_fold = ?`;
const CUSTOMERS = `SELECT * FROM customers WHERE id IN (SELECT value FROM json_each(?))`;

export class SqliteDuplicateRepository implements DuplicateRepository {
  constructor(private readonly sqlite: Database.Database) {}

  async sameEmail(): Promise<DuplicateKeyGroup[]> {
    return this.grouped(EMAIL_GROUPS, CUSTOMER_IDS, {});
  }

  async samePhone(countryCode: string): Promise<DuplicateKeyGroup[]> {
    return this.grouped(PHONE_GROUPS, CUSTOMER_IDS, { cc: countryCode });
  }

  async sameName(): Promise<DuplicateKeyGroup[]> {
    const groups = new Map(this.grouped(NAME_GROUPS, FOLDED_IDS, {}).map((group) => [group.key, group]));
    const unfolded = this.sqlite.prepare(UNFOLDED).all() as Array<{ id: string; name: string }>;
    if (unfolded.length > 0) {
      const byFold = new Map<string, Set<string>>();
      const members = this.sqlite.prepare(FOLD_MEMBERS).pluck();
      for (const { id, name } of unfolded) {
        const fold = foldCase(name);
        let ids = byFold.get(fold);
        if (!ids) {
          ids = new Set(members.all(fold) as string[]);
          byFold.set(fold, ids);
        }
        ids.add(id);
      }
      for (const [key, ids] of byFold) {
        if (ids.size > 1) groups.set(key, { key, ids: [...ids].sort() });
      }
    }
    return [...groups.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
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

  private grouped(groupsSql: string, idsSql: string, parameters: Record<string, string>): DuplicateKeyGroup[] {
    const rows = this.sqlite.prepare(groupsSql).all(parameters) as Array<{ key: string; rows: string }>;
    const ids = this.sqlite.prepare(idsSql).pluck();
    return rows.map(({ key, rows: rowids }) => ({ key, ids: ids.all(rowids) as string[] }));
  }
}
