import type Database from 'better-sqlite3';

/**
 * Folds the names the customer_name_folds triggers left unfolded (NULL): new and renamed
 * customers, whoever wrote them (drizzle/0009_query_indexes.sql). A seek on the fold index
 * to its NULL entries, so it costs next to nothing when there are none.
 */
export const FILL_NAME_FOLDS = `UPDATE customer_name_folds
  SET name_fold = crm_fold((SELECT name FROM customers WHERE id = customer_name_folds.customer_id))
  WHERE name_fold IS NULL`;

const statements = new WeakMap<Database.Database, Database.Statement>();

/** Runs inside a write transaction; a file from before migration 0009 has nothing to fill. */
export function fillNameFolds(sqlite: Database.Database): void {
  let statement = statements.get(sqlite);
  if (!statement) {
    const hasTable = sqlite
      .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'customer_name_folds'`)
      .get();
    if (!hasTable) return;
    statement = sqlite.prepare(FILL_NAME_FOLDS);
    statements.set(sqlite, statement);
  }
  statement.run();
}
