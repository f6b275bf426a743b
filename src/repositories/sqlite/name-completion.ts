import type Database from 'better-sqlite3';
import { foldCase } from '../../domain/fold.js';
import { CUSTOMER_NAMES_STARTING_WITH } from './queries.js';

/**
 * Names for shell completion, on a plain better-sqlite3 handle: the repositories call it on
 * crm's connection, and `crm __complete` (src/cli/complete-fast.ts) on a read-only handle of
 * its own, opened without migrations, drizzle or the service layer, so a Tab answers in about
 * the time Node takes to start. Both give the same names in the same order.
 */
export type CompletedRecord = 'customer' | 'product' | 'company';

/** Products and companies are few: their names are folded here, in every script (SQLite's lower() folds ASCII only). */
const ALL_NAMES: Record<Exclude<CompletedRecord, 'customer'>, string> = {
  product: 'SELECT name FROM products ORDER BY lower(name), id',
  company: 'SELECT name FROM companies ORDER BY lower(name), id',
};

export function sqliteNamesStartingWith(sqlite: Database.Database, of: CompletedRecord, prefix: string, limit: number): string[] {
  if (of === 'customer') {
    // A seek on customer_name_folds_fold_idx: a million customers cost what a hundred do.
    const rows = sqlite.prepare(CUSTOMER_NAMES_STARTING_WITH).all({ fold: foldCase(prefix), limit }) as Array<{ name: string }>;
    return rows.map((row) => row.name);
  }
  const wanted = foldCase(prefix);
  const names: string[] = [];
  for (const row of sqlite.prepare(ALL_NAMES[of]).iterate() as IterableIterator<{ name: string }>) {
    if (!foldCase(row.name).startsWith(wanted)) continue;
    names.push(row.name);
    if (names.length === limit) break;
  }
  return names;
}
