/**
 * The tables `crm undo` can put back from their audit entries, and how their rows relate.
 * A table whose rows the audit log records (insert, update, delete with the whole row) is
 * undoable once it has an entry here: one line for a new table.
 */
export interface UndoableTable {
  /** The columns that name one row. */
  key: readonly string[];
  /**
   * Order of the writes: rows coming back are written parents first (lowest rank first),
   * rows going away children first.
   */
  rank: number;
  /** The column that points at a row of another table, when there is one. */
  parent?: { table: string; column: string };
  /** Columns the audit log shows as true/false (SQLite stores them as 1/0). */
  booleans?: readonly string[];
}

export const UNDOABLE_TABLES: Readonly<Record<string, UndoableTable>> = {
  products: { key: ['id'], rank: 0, booleans: ['is_active'] },
  customers: { key: ['id'], rank: 1, parent: { table: 'products', column: 'product_id' }, booleans: ['is_archived'] },
  customer_interactions: { key: ['id'], rank: 2, parent: { table: 'customers', column: 'customer_id' } },
  customer_external_ids: { key: ['source', 'external_id'], rank: 2, parent: { table: 'customers', column: 'customer_id' } },
  customer_tags: { key: ['customer_id', 'tag'], rank: 2, parent: { table: 'customers', column: 'customer_id' } },
};

/** The tables whose rows point at rows of `table`, with the pointing column. */
export function childTables(table: string): Array<{ table: string; column: string }> {
  return Object.entries(UNDOABLE_TABLES).flatMap(([name, spec]) =>
    spec.parent?.table === table ? [{ table: name, column: spec.parent.column }] : [],
  );
}

/** The key of a row as the audit log shows it. */
export function rowKey(table: string, image: Record<string, unknown>): Record<string, unknown> {
  const spec = UNDOABLE_TABLES[table];
  if (!spec) throw new Error(`no undo rules for table ${table}`);
  return Object.fromEntries(spec.key.map((column) => [column, image[column]]));
}
