import type Database from 'better-sqlite3';
import { CUSTOMER_LINK_TABLES } from '../customer-links.js';
import type { MergeRepository, MovedRecords } from '../ports.js';

/**
 * Interactions may change customer only under the permit in audit_context
 * (drizzle/0013_change_sets.sql), set here for the one statement that moves them, inside
 * crm's write transaction; the row is emptied before commit, so no other writer ever holds it.
 */
export function withInteractionMoves<T>(sqlite: Database.Database, work: () => T): T {
  const permit = sqlite.prepare(`UPDATE audit_context SET may_move_interactions = ?`);
  if (permit.run(1).changes !== 1) throw new Error('interactions are moved only inside a crm write transaction');
  try {
    return work();
  } finally {
    permit.run(0);
  }
}

function existingTables(sqlite: Database.Database): Set<string> {
  const rows = sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[];
  return new Set(rows);
}

export class SqliteMergeRepository implements MergeRepository {
  constructor(private readonly sqlite: Database.Database) {}

  async moveRecords(fromIds: readonly string[], toId: string): Promise<MovedRecords> {
    const from = JSON.stringify(fromIds);
    const moved: MovedRecords = {};
    moved.customer_interactions = withInteractionMoves(this.sqlite, () =>
      this.sqlite
        .prepare(`UPDATE customer_interactions SET customer_id = ? WHERE customer_id IN (SELECT value FROM json_each(?))`)
        .run(toId, from).changes,
    );
    const tables = existingTables(this.sqlite);
    for (const { table, column, uniqueWith } of CUSTOMER_LINK_TABLES) {
      if (!tables.has(table)) continue;
      const kept = uniqueWith.length === 0
        ? ''
        : `AND NOT EXISTS (SELECT 1 FROM "${table}" AS k WHERE k."${column}" = @to AND ${uniqueWith
            .map((other) => `k."${other}" IS "${table}"."${other}"`)
            .join(' AND ')})`;
      const { changes } = this.sqlite
        .prepare(`UPDATE "${table}" SET "${column}" = @to WHERE "${column}" IN (SELECT value FROM json_each(@from)) ${kept}`)
        .run({ to: toId, from });
      if (changes > 0) moved[table] = changes;
    }
    return moved;
  }
}
