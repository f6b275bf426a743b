import type Database from 'better-sqlite3';
import type { AuditLogRow } from '../../db/schema.js';
import { childTables, UNDOABLE_TABLES } from '../../domain/change-sets.js';
import type { AuditEntry } from '../../domain/audit.js';
import type {
  ChangeSet,
  ChangeSetRepository,
  ChangeSetTally,
  DependentRow,
  RevertRepository,
  RowImage,
  RowKey,
} from '../ports.js';
import { toAuditEntry } from './audit.js';
import { withInteractionMoves } from './merge.js';
import { inBatches, quotedIdentifier } from '../sql-text.js';

/** Keys per statement: each batch is one JSON array bound to one parameter. */
const BATCH = 500;

/** The change sets and the audit entries that name them (drizzle/0013_change_sets.sql). */
export class SqliteChangeSetRepository implements ChangeSetRepository {
  constructor(
    private readonly sqlite: Database.Database,
    /** Who writes through the store now (identifyWriter): their change sets are theirs to undo. */
    private readonly actor: () => string,
  ) {}

  async recent(limit: number): Promise<ChangeSet[]> {
    return this.sqlite.prepare(`SELECT * FROM change_sets ORDER BY id DESC LIMIT ?`).all(limit) as ChangeSet[];
  }

  async get(id: number): Promise<ChangeSet | undefined> {
    return this.sqlite.prepare(`SELECT * FROM change_sets WHERE id = ?`).get(id) as ChangeSet | undefined;
  }

  /** Inside a write, the change set that write opened is not a candidate: it is the undo itself. */
  async latestOwn(): Promise<ChangeSet | undefined> {
    return this.sqlite
      .prepare(
        `SELECT * FROM change_sets WHERE actor = ? AND id IS NOT (SELECT change_set FROM audit_context) ORDER BY id DESC LIMIT 1`,
      )
      .get(this.actor()) as ChangeSet | undefined;
  }

  async undoing(ids: readonly number[]): Promise<ChangeSet[]> {
    if (ids.length === 0) return [];
    return this.sqlite
      .prepare(`SELECT * FROM change_sets WHERE undoes IN (SELECT value FROM json_each(?)) ORDER BY id`)
      .all(JSON.stringify(ids)) as ChangeSet[];
  }

  async tallies(ids: readonly number[]): Promise<ChangeSetTally[]> {
    if (ids.length === 0) return [];
    return this.sqlite
      .prepare(
        `SELECT change_set, table_name, action, count(*) AS count FROM audit_log
         WHERE change_set IN (SELECT value FROM json_each(?)) GROUP BY change_set, table_name, action ORDER BY change_set, table_name, action`,
      )
      .all(JSON.stringify(ids)) as ChangeSetTally[];
  }

  async entries(id: number, after: number, limit: number): Promise<AuditEntry[]> {
    const rows = this.sqlite
      .prepare(`SELECT * FROM audit_log WHERE change_set = ? AND id > ? ORDER BY id LIMIT ?`)
      .all(id, after, limit) as AuditLogRow[];
    return rows.map(toAuditEntry);
  }

  async markUndo(target: number): Promise<void> {
    const { changes } = this.sqlite
      .prepare(`UPDATE change_sets SET undoes = ? WHERE id = (SELECT change_set FROM audit_context)`)
      .run(target);
    if (changes !== 1) throw new Error('an undo is recorded only inside a crm write transaction');
  }

  async note(customerId: string, action: 'merge', values: Record<string, unknown>): Promise<void> {
    const { changes } = this.sqlite
      .prepare(
        `INSERT INTO audit_log (table_name, record_id, action, old_values, new_values, actor, created_at)
         SELECT 'customers', ?, ?, NULL, json(?), actor, coalesce(at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) FROM audit_context`,
      )
      .run(customerId, action, JSON.stringify(values));
    if (changes !== 1) throw new Error('a note is written only inside a crm write transaction');
  }
}

type SqlValue = string | number | bigint | Buffer | null;

/**
 * Page cache for an undo, in KiB (SQLite's negative cache_size). An undo rewrites rows spread
 * all over a dozen indexes of customers (random UUIDs, no locality): with the default 2 MB
 * cache every delete of a 100k-row import's undo missed and spilled dirty pages to the WAL
 * mid-transaction, a delete costing 3 times an insert (wall 15 s against 4.6 s for 50k rows
 * with this cache). Pages are allocated as they are touched, so a small undo uses little.
 */
const UNDO_CACHE_KIB = 128 * 1024;

/** The undo's writes, from audit images: booleans back to SQLite's 1/0, every column named. */
export class SqliteRevertRepository implements RevertRepository {
  private readonly statements = new Map<string, Database.Statement>();
  private cacheWidened = false;

  constructor(private readonly sqlite: Database.Database) {}

  /**
   * Widens the connection's page cache the first time an undo reads or writes rows. A crm
   * process runs one command on its connection, so the cache simply stays wide until it exits.
   */
  private widenCache(): void {
    if (this.cacheWidened) return;
    this.cacheWidened = true;
    const current = this.sqlite.pragma('cache_size', { simple: true }) as number;
    const pages = current < 0 ? -current : current * 4;
    if (pages < UNDO_CACHE_KIB) this.sqlite.pragma(`cache_size = -${UNDO_CACHE_KIB}`);
  }

  private prepared(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.sqlite.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  private spec(table: string) {
    const spec = UNDOABLE_TABLES[table];
    if (!spec) throw new Error(`no undo rules for table ${table}`);
    return spec;
  }

  /** `(key columns) IN` a JSON array of keys, each an array of the key's values. */
  private keyMatch(table: string): string {
    const { key } = this.spec(table);
    if (key.length === 1) return `${quotedIdentifier(key[0]!)} IN (SELECT value ->> 0 FROM json_each(?))`;
    const columns = key.map(quotedIdentifier).join(', ');
    const values = key.map((_, index) => `value ->> ${index}`).join(', ');
    return `(${columns}) IN (SELECT ${values} FROM json_each(?))`;
  }

  private keyValues(table: string, keys: readonly RowKey[]): unknown[][] {
    const { key } = this.spec(table);
    return keys.map((row) => key.map((column) => row[column]));
  }

  async current(table: string, keys: readonly RowKey[]): Promise<Array<RowImage | null>> {
    this.widenCache();
    const { key, booleans = [] } = this.spec(table);
    const found = new Map<string, RowImage>();
    const statement = this.prepared(`SELECT * FROM ${quotedIdentifier(table)} WHERE ${this.keyMatch(table)}`);
    for (const batch of inBatches(this.keyValues(table, keys), BATCH)) {
      for (const row of statement.all(JSON.stringify(batch)) as RowImage[]) {
        for (const column of booleans) if (column in row) row[column] = Boolean(row[column]);
        found.set(JSON.stringify(key.map((column) => row[column])), row);
      }
    }
    return this.keyValues(table, keys).map((values) => found.get(JSON.stringify(values)) ?? null);
  }

  async dependents(table: string, ids: readonly string[]): Promise<DependentRow[]> {
    const existing = new Set(this.sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[]);
    const found: DependentRow[] = [];
    for (const child of childTables(table)) {
      if (!existing.has(child.table)) continue;
      const { key } = this.spec(child.table);
      const statement = this.prepared(
        `SELECT ${[...key, child.column].map(quotedIdentifier).join(', ')} FROM ${quotedIdentifier(child.table)}
         WHERE ${quotedIdentifier(child.column)} IN (SELECT value FROM json_each(?))`,
      );
      for (const batch of inBatches(ids, BATCH)) {
        for (const row of statement.all(JSON.stringify(batch)) as Array<Record<string, unknown>>) {
          found.push({
            table: child.table,
            key: Object.fromEntries(key.map((column) => [column, row[column]])),
            parent: row[child.column] as string,
          });
        }
      }
    }
    return found;
  }

  private bindable(table: string, row: RowImage, columns: readonly string[]): SqlValue[] {
    const booleans = new Set(this.spec(table).booleans ?? []);
    return columns.map((column) => {
      const value = row[column];
      if (booleans.has(column) || typeof value === 'boolean') return value ? 1 : 0;
      if (value === undefined) return null;
      return value as SqlValue;
    });
  }

  async insert(table: string, rows: readonly RowImage[]): Promise<void> {
    this.widenCache();
    for (const row of rows) {
      const columns = Object.keys(row);
      this.prepared(
        `INSERT INTO ${quotedIdentifier(table)} (${columns.map(quotedIdentifier).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      ).run(...this.bindable(table, row, columns));
    }
  }

  async overwrite(table: string, rows: readonly RowImage[]): Promise<void> {
    this.widenCache();
    const { key } = this.spec(table);
    for (const row of rows) {
      const columns = Object.keys(row).filter((column) => !key.includes(column));
      if (columns.length === 0) continue;
      this.prepared(
        `UPDATE ${quotedIdentifier(table)} SET ${columns.map((column) => `${quotedIdentifier(column)} = ?`).join(', ')}
         WHERE ${key.map((column) => `${quotedIdentifier(column)} = ?`).join(' AND ')}`,
      ).run(...this.bindable(table, row, columns), ...this.bindable(table, row, key));
    }
  }

  async delete(table: string, keys: readonly RowKey[]): Promise<void> {
    this.widenCache();
    const statement = this.prepared(`DELETE FROM ${quotedIdentifier(table)} WHERE ${this.keyMatch(table)}`);
    const permit = this.prepared(`UPDATE audit_context SET may_delete_interactions = ?`);
    // An interaction logged by the change set goes on its own, its customer staying: the
    // permit archive uses (drizzle/0007_raw_sql_rules.sql), for these statements only.
    const interactions = table === 'customer_interactions';
    if (interactions && permit.run(1).changes !== 1) throw new Error('interactions are deleted only inside a crm write transaction');
    try {
      for (const batch of inBatches(this.keyValues(table, keys), BATCH)) statement.run(JSON.stringify(batch));
    } finally {
      if (interactions) permit.run(0);
    }
  }

  async moveInteractions(ids: readonly string[], customerId: string): Promise<void> {
    const statement = this.prepared(`UPDATE customer_interactions SET customer_id = ? WHERE id IN (SELECT value FROM json_each(?))`);
    withInteractionMoves(this.sqlite, () => {
      for (const batch of inBatches(ids, BATCH)) statement.run(customerId, JSON.stringify(batch));
    });
  }
}
