import type { AuditEntry } from '../../domain/audit.js';
import { childTables, UNDOABLE_TABLES } from '../../domain/change-sets.js';
import type {
  ChangeSet,
  ChangeSetRepository,
  ChangeSetTally,
  DependentRow,
  RevertRepository,
  RowImage,
  RowKey,
} from '../ports.js';
import { toAuditEntry, type AuditRow } from './audit.js';
import { policyRefusal } from './errors.js';
import { Parameters } from './queries.js';
import type { PgSession } from './store.js';
import { inBatches, quotedIdentifier } from '../sql-text.js';

/** Keys per statement. */
const BATCH = 1_000;

const CHANGE_SET_COLUMNS = 'id, command, actor, created_at, undoes';

/**
 * The team's change sets, read through row-level security; written only by the server's
 * functions (drizzle/pg/0004_change_sets.sql), which take the role that logged in as actor.
 */
export class PgChangeSetRepository implements ChangeSetRepository {
  constructor(private readonly session: PgSession) {}

  async recent(limit: number): Promise<ChangeSet[]> {
    return this.session.query<ChangeSet>(
      `SELECT ${CHANGE_SET_COLUMNS} FROM crm.change_sets WHERE team_id = crm.crm_team() ORDER BY id DESC LIMIT $1`,
      [limit],
    );
  }

  async get(id: number): Promise<ChangeSet | undefined> {
    return (await this.session.query<ChangeSet>(`SELECT ${CHANGE_SET_COLUMNS} FROM crm.change_sets WHERE id = $1`, [id]))[0];
  }

  /** The connected role's newest, the write's own change set (crm.change_set) left out. */
  async latestOwn(): Promise<ChangeSet | undefined> {
    const rows = await this.session.query<ChangeSet>(
      `SELECT ${CHANGE_SET_COLUMNS} FROM crm.change_sets
        WHERE team_id = crm.crm_team() AND actor = session_user
          AND id IS DISTINCT FROM crm.crm_change_set_of(crm.crm_team())
        ORDER BY id DESC LIMIT 1`,
    );
    return rows[0];
  }

  async undoing(ids: readonly number[]): Promise<ChangeSet[]> {
    if (ids.length === 0) return [];
    return this.session.query<ChangeSet>(`SELECT ${CHANGE_SET_COLUMNS} FROM crm.change_sets WHERE undoes = ANY($1::bigint[]) ORDER BY id`, [
      [...ids],
    ]);
  }

  async tallies(ids: readonly number[]): Promise<ChangeSetTally[]> {
    if (ids.length === 0) return [];
    return this.session.query<ChangeSetTally>(
      `SELECT change_set, table_name, action, count(*)::integer AS count FROM crm.audit_log
        WHERE change_set = ANY($1::bigint[])
        GROUP BY change_set, table_name, action ORDER BY change_set, table_name COLLATE "C", action COLLATE "C"`,
      [[...ids]],
    );
  }

  async entries(id: number, after: number, limit: number): Promise<AuditEntry[]> {
    const rows = await this.session.query<AuditRow>(
      `SELECT id, table_name, record_id, action, old_values, new_values, actor, created_at, change_set FROM crm.audit_log
        WHERE change_set = $1 AND id > $2 ORDER BY id LIMIT $3`,
      [id, after, limit],
    );
    return rows.map(toAuditEntry);
  }

  async markUndo(target: number): Promise<void> {
    await this.session.query(`SELECT crm.crm_mark_undo($1)`, [target]);
  }

  async note(customerId: string, action: 'merge', values: Record<string, unknown>): Promise<void> {
    await this.session.query(`SELECT crm.crm_audit_note($1, $2, $3)`, [customerId, action, JSON.stringify(values)]);
  }
}

/**
 * The undo's writes on the server, as the member: row-level security decides what they may
 * put back, as for any write (a member undoes only what they could have written).
 */
export class PgRevertRepository implements RevertRepository {
  private tables: Promise<Set<string>> | undefined;

  constructor(private readonly session: PgSession) {}

  private spec(table: string) {
    const spec = UNDOABLE_TABLES[table];
    if (!spec) throw new Error(`no undo rules for table ${table}`);
    return spec;
  }

  /** The undoable tables this server has (customer_external_ids is SQLite's alone, so far). */
  private existing(): Promise<Set<string>> {
    this.tables ??= this.session
      .query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'crm'`)
      .then((rows) => new Set(rows.map((row) => row.name)));
    return this.tables;
  }

  /** `(key columns) IN` the arrays of the keys' values, one array per column. */
  private keyMatch(table: string, keys: readonly RowKey[], parameters: Parameters, alias = 't'): string {
    const { key } = this.spec(table);
    const arrays = key.map((column) => `${parameters.add(keys.map((row) => row[column]))}::text[]`);
    const columns = key.map((column) => `${alias}.${quotedIdentifier(column)}`).join(', ');
    return `(${columns}) IN (SELECT * FROM unnest(${arrays.join(', ')}))`;
  }

  async current(table: string, keys: readonly RowKey[]): Promise<Array<RowImage | null>> {
    const { key } = this.spec(table);
    const found = new Map<string, RowImage>();
    if ((await this.existing()).has(table)) {
      for (const batch of inBatches(keys, BATCH)) {
        const parameters = new Parameters();
        const rows = await this.session.query<{ image: string }>(
          `SELECT crm.crm_audit_json(${parameters.add(table)}, t) AS image FROM crm.${quotedIdentifier(table)} AS t WHERE ${this.keyMatch(table, batch, parameters)}`,
          parameters.values,
        );
        for (const { image } of rows) {
          const row = JSON.parse(image) as RowImage;
          found.set(JSON.stringify(key.map((column) => row[column])), row);
        }
      }
    }
    return keys.map((row) => found.get(JSON.stringify(key.map((column) => row[column]))) ?? null);
  }

  async dependents(table: string, ids: readonly string[]): Promise<DependentRow[]> {
    const existing = await this.existing();
    const found: DependentRow[] = [];
    for (const child of childTables(table)) {
      if (!existing.has(child.table)) continue;
      const { key } = this.spec(child.table);
      for (const batch of inBatches(ids, BATCH)) {
        const rows = await this.session.query<Record<string, unknown>>(
          `SELECT ${[...key, child.column].map(quotedIdentifier).join(', ')} FROM crm.${quotedIdentifier(child.table)} WHERE ${quotedIdentifier(child.column)} = ANY($1::text[])`,
          [batch],
        );
        for (const row of rows) {
          found.push({ table: child.table, key: Object.fromEntries(key.map((column) => [column, row[column]])), parent: row[child.column] as string });
        }
      }
    }
    return found;
  }

  async insert(table: string, rows: readonly RowImage[]): Promise<void> {
    for (const row of rows) {
      const parameters = new Parameters();
      const columns = Object.keys(row);
      await this.session.query(
        `INSERT INTO crm.${quotedIdentifier(table)} (${columns.map(quotedIdentifier).join(', ')}) VALUES (${columns.map((column) => parameters.add(row[column])).join(', ')})`,
        parameters.values,
      );
    }
  }

  async overwrite(table: string, rows: readonly RowImage[]): Promise<void> {
    const { key } = this.spec(table);
    for (const row of rows) {
      const parameters = new Parameters();
      const set = Object.keys(row)
        .filter((column) => !key.includes(column))
        .map((column) => `${quotedIdentifier(column)} = ${parameters.add(row[column])}`);
      if (set.length === 0) continue;
      const where = key.map((column) => `${quotedIdentifier(column)} = ${parameters.add(row[column])}`).join(' AND ');
      const updated = await this.session.query(`UPDATE crm.${quotedIdentifier(table)} SET ${set.join(', ')} WHERE ${where} RETURNING 1`, parameters.values);
      // Row-level security hides a row the member may not change: the update finds nothing.
      if (updated.length === 0) throw policyRefusal(table, 'write');
    }
  }

  async delete(table: string, keys: readonly RowKey[]): Promise<void> {
    if (table === 'customer_interactions') return this.deleteInteractions(keys.map((row) => String(row.id)));
    for (const batch of inBatches(keys, BATCH)) {
      const parameters = new Parameters();
      const deleted = await this.session.query(
        `DELETE FROM crm.${quotedIdentifier(table)} AS t WHERE ${this.keyMatch(table, batch, parameters)} RETURNING 1`,
        parameters.values,
      );
      if (deleted.length < batch.length) throw policyRefusal(table, 'delete');
    }
  }

  /**
   * An interaction logged by the change set goes on its own, its customer staying: only through
   * the server's permit (drizzle/pg/0009_interactions_no_delete.sql), which deletes only what
   * the delete policy would.
   */
  private async deleteInteractions(ids: readonly string[]): Promise<void> {
    for (const batch of inBatches(ids, BATCH)) {
      const [row] = await this.session.query<{ deleted: number }>(`SELECT crm.crm_delete_interactions($1::text[]) AS deleted`, [batch]);
      if (Number(row?.deleted) < batch.length) throw policyRefusal('customer_interactions', 'delete');
    }
  }

  async moveInteractions(ids: readonly string[], customerId: string): Promise<void> {
    for (const batch of inBatches(ids, BATCH)) {
      await this.session.query(`SELECT crm.crm_move_interactions($1::text[], $2)`, [batch, customerId]);
    }
  }
}
