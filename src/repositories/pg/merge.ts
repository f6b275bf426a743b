import { CUSTOMER_LINK_TABLES } from '../customer-links.js';
import type { MergeRepository, MovedRecords } from '../ports.js';
import type { PgSession } from './store.js';

/**
 * A merge's moves on the server: interactions through crm.crm_move_interactions (their one
 * permitted change of customer, drizzle/pg/0004_change_sets.sql), link tables as the member
 * under row-level security. Tables of CUSTOMER_LINK_TABLES the server lacks are skipped.
 */
export class PgMergeRepository implements MergeRepository {
  private tables: Promise<Set<string>> | undefined;

  constructor(private readonly session: PgSession) {}

  private existing(): Promise<Set<string>> {
    this.tables ??= this.session
      .query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'crm'`)
      .then((rows) => new Set(rows.map((row) => row.name)));
    return this.tables;
  }

  async moveRecords(fromIds: readonly string[], toId: string): Promise<MovedRecords> {
    const from = [...fromIds];
    const interactions = await this.session.query<{ id: string }>(
      `SELECT id FROM crm.customer_interactions WHERE customer_id = ANY($1::text[])`,
      [from],
    );
    const moved: MovedRecords = { customer_interactions: 0 };
    if (interactions.length > 0) {
      const [row] = await this.session.query<{ moved: number }>(`SELECT crm.crm_move_interactions($1::text[], $2) AS moved`, [
        interactions.map((interaction) => interaction.id),
        toId,
      ]);
      moved.customer_interactions = row?.moved ?? 0;
    }
    const existing = await this.existing();
    for (const { table, column, uniqueWith } of CUSTOMER_LINK_TABLES) {
      if (!existing.has(table)) continue;
      const kept =
        uniqueWith.length === 0
          ? ''
          : `AND NOT EXISTS (SELECT 1 FROM crm."${table}" AS k WHERE k."${column}" = $1 AND ${uniqueWith
              .map((other) => `k."${other}" IS NOT DISTINCT FROM t."${other}"`)
              .join(' AND ')})`;
      const rows = await this.session.query(`UPDATE crm."${table}" AS t SET "${column}" = $1 WHERE t."${column}" = ANY($2::text[]) ${kept} RETURNING 1`, [
        toId,
        from,
      ]);
      if (rows.length > 0) moved[table] = rows.length;
    }
    return moved;
  }
}
