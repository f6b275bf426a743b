import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isUtf8 } from 'node:buffer';
import { TABLE_COLUMNS } from '../../csv/columns.js';
import { FIELD_SEPARATOR, MAX_SEPARATED_COLUMNS, RECORD_SEPARATOR, separatedToCsv } from '../../csv/separated.js';
import { stagedWidth, type SqlValue, type StagedValues } from '../../csv/rows.js';
import { foldCase } from '../../db/connection.js';
import { createScratchFolder } from '../../db/scratch.js';
import type { TableName } from '../../domain/vocabulary.js';

/**
 * Bulk paths for export and import. Plain better-sqlite3 prepared statements rather than
 * drizzle: millions of rows go through here, one statement execution each.
 */
export class TransferRepository {
  constructor(private readonly sqlite: Database.Database) {}

  count(table: TableName): number {
    return (this.sqlite.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n;
  }

  /**
   * Rows in insertion order, which an import preserves: that is what makes round trips exact.
   * Read a page at a time by rowid (one native call per page rather than per row), so the
   * caller can await between pages; the caller holds the read snapshot (readSnapshot).
   */
  *pages(table: TableName, pageSize: number): Generator<SqlValue[][]> {
    const columns = TABLE_COLUMNS[table].map((column) => `"${column}"`).join(', ');
    const page = this.sqlite.prepare(`SELECT ${columns}, rowid FROM "${table}" WHERE rowid > ? ORDER BY rowid LIMIT ?`).raw();
    let after = -Infinity;
    for (;;) {
      const rows = page.all(after, pageSize) as SqlValue[][];
      if (rows.length === 0) return;
      after = rows[rows.length - 1]!.at(-1) as number;
      for (const row of rows) row.pop();
      yield rows;
      if (rows.length < pageSize) return;
    }
  }

  /**
   * The table in the lossless CSV form, a page of records at a time in rowid order (as
   * `pages`): SQLite joins each page's values into one buffer in the separated form of
   * src/csv/separated.ts and only the quoting is done here, byte by byte. Reading the values
   * one by one as JavaScript strings, formatting them and encoding the text again took about
   * twice the CPU (test/bench section `export`). A page that form cannot carry exactly (a
   * BLOB, a REAL, an integer beyond 2^53, text that is not UTF-8, a separator inside a value)
   * comes back as its values, for the caller to format as before.
   */
  *losslessCsvPages(table: TableName, pageSize: number): Generator<{ csv: Buffer; rows: number } | { values: SqlValue[][] }> {
    const separated = this.separatedPageSql(table);
    if (separated === undefined) {
      for (const rows of this.pages(table, pageSize)) yield { values: rows };
      return;
    }
    const columns = TABLE_COLUMNS[table];
    const page = this.sqlite.prepare(separated).raw();
    const values = this.sqlite.prepare(`SELECT ${columns.map((column) => `"${column}"`).join(', ')} FROM "${table}" WHERE rowid > ? ORDER BY rowid LIMIT ?`).raw();
    let after = -Infinity;
    for (;;) {
      const [bytes, last, count] = page.get(after, pageSize) as [Buffer | null, number | null, number];
      if (count === 0) return;
      const csv = bytes !== null && isUtf8(bytes) ? separatedToCsv(bytes, columns.length, count) : undefined;
      yield csv === undefined ? { values: values.all(after, count) as SqlValue[][] } : { csv, rows: count };
      after = last!;
      if (count < pageSize) return;
    }
  }

  /** The query of losslessCsvPages, or undefined when the file cannot use the separated form. */
  private separatedPageSql(table: TableName): string | undefined {
    const columns = TABLE_COLUMNS[table];
    if (columns.length > MAX_SEPARATED_COLUMNS) return undefined;
    // CAST(… AS BLOB) gives the text in the file's encoding, and the form is UTF-8.
    if (this.sqlite.pragma('encoding', { simple: true }) !== 'UTF-8') return undefined;
    const declared = new Map(
      (this.sqlite.prepare('SELECT name, type, "notnull" FROM pragma_table_info(?)').all(table) as Array<{ name: string; type: string; notnull: number }>).map(
        (c) => [c.name, c],
      ),
    );
    const quoted = (column: string) => `"${column}"`;
    // A column of TEXT affinity holds text, NULL or a BLOB (which sorts after any text); any
    // other column may hold a REAL or text too, and only NULL and integers JavaScript holds
    // exactly go through the separated form. Such a row's mask is -1: its page is refused.
    const unusual = columns
      .map((column) =>
        hasTextAffinity(declared.get(column)?.type ?? '')
          ? `${quoted(column)} >= X''`
          : `NOT (${quoted(column)} IS NULL OR (typeof(${quoted(column)}) = 'integer' AND ${quoted(column)} BETWEEN ${-Number.MAX_SAFE_INTEGER} AND ${Number.MAX_SAFE_INTEGER}))`,
      )
      .join(' OR ');
    // Only the columns that may be NULL: the bits cost a fifth of the query on the interactions.
    // Each shift in its own parentheses: SQLite gives << and | the same precedence, left to right.
    const mask =
      columns
        .map((column, index) => (declared.get(column)?.notnull ? undefined : `((${quoted(column)} IS NULL) << ${index})`))
        .filter((bit) => bit !== undefined)
        .join(' | ') || '0';
    // concat_ws copies each value once; a chain of || copies the growing record at every step
    // (measured 10% of the query). It skips NULLs, so each value is coalesced to ''.
    const record = `concat_ws(char(${FIELD_SEPARATOR}), rowid, CASE WHEN ${unusual} THEN -1 ELSE ${mask} END, ${columns.map((column) => `coalesce(${quoted(column)}, '')`).join(', ')})`;
    return (
      `SELECT CAST(group_concat(record, char(${RECORD_SEPARATOR})) AS BLOB), max(key), count(*) ` +
      `FROM (SELECT ${record} AS record, rowid AS key FROM "${table}" WHERE rowid > ? ORDER BY rowid LIMIT ?)`
    );
  }

  /**
   * Runs an import's `work` with a bigger page cache and a private scratch database attached
   * as STAGING_SCHEMA. A bulk write touches every index of the table, and with SQLite's
   * default 2 MB most of those pages go back and forth to the OS: 32 MB for the database and
   * 16 MB for the scratch file (at 64 + 32 MB a 1M-customer restore peaked at 318 MB, over
   * the 300 MB budget, while it was already 1.6x as fast as the sqlite3 shell).
   * The staged rows go to a file of their own rather than TEMP because connections keep TEMP
   * in memory (temp_store = MEMORY, for the audit triggers' statement journals): staged in
   * TEMP, a 1M-customer restore peaked at 1.45 GB. The file is deleted afterwards; a process
   * killed meanwhile leaves it in the OS temp folder (never in the database), and the next
   * import removes it, knowing from the pid in the folder's name that its owner is gone.
   */
  async withStaging<T>(work: () => Promise<T>): Promise<T> {
    const main = this.sqlite.pragma('main.cache_size', { simple: true }) as number;
    const folder = createScratchFolder('import');
    this.sqlite.prepare(`ATTACH DATABASE ? AS ${STAGING_SCHEMA}`).run(path.join(folder, 'staging.db'));
    try {
      this.sqlite.pragma('main.cache_size = -32768');
      this.sqlite.pragma(`${STAGING_SCHEMA}.cache_size = -16384`);
      // Scratch data: no fsync, and a rollback journal in memory (OFF would break the
      // rollback of a refused import or a dry run, which also undoes the reject log).
      this.sqlite.pragma(`${STAGING_SCHEMA}.journal_mode = MEMORY`);
      this.sqlite.pragma(`${STAGING_SCHEMA}.synchronous = OFF`);
      return await work();
    } finally {
      this.sqlite.pragma(`main.cache_size = ${main}`);
      this.sqlite.exec(`DETACH DATABASE ${STAGING_SCHEMA}`);
      fs.rmSync(folder, { recursive: true, force: true });
    }
  }

  /**
   * Holds one read transaction around `work` so several tables are exported from the same
   * snapshot even while other processes write (WAL readers never block writers).
   * Read-only, so awaiting inside it is safe, unlike in `db.write`.
   */
  async readSnapshot<T>(work: () => Promise<T>): Promise<T> {
    const started = !this.sqlite.inTransaction;
    if (started) this.sqlite.exec('BEGIN DEFERRED');
    try {
      return await work();
    } finally {
      if (started && this.sqlite.inTransaction) this.sqlite.exec('COMMIT');
    }
  }
}

/** The scratch database an import stages its rows in (TransferRepository.withStaging). */
const STAGING_SCHEMA = 'crm_staging';
const REJECTS = `${STAGING_SCHEMA}.crm_import_rejects`;

/** Staged rows per INSERT statement; 64 rows of 14 values stay far below SQLite's 32766 parameters. */
const ROWS_PER_STATEMENT = 64;

/**
 * A table of the scratch database holding one file's validated rows until they are written.
 * The scratch file is a database of its own, so filling it takes no lock on the main one and
 * a crash leaves the main one untouched; the final write then runs as one short transaction.
 */
export class StagingTable {
  readonly name: string;
  private readonly width: number;
  private readonly insert: Database.Statement;
  private readonly insertMany: Database.Statement;
  private readonly chunk: Database.Statement;

  constructor(
    private readonly sqlite: Database.Database,
    table: TableName,
    serial: number,
  ) {
    this.name = `${STAGING_SCHEMA}."crm_stage_${serial}_${table}"`;
    this.width = stagedWidth(table);
    const columns = Array.from({ length: this.width }, (_, index) => `c${index}`);
    sqlite.exec(`DROP TABLE IF EXISTS ${this.name}`);
    sqlite.exec(`CREATE TABLE ${this.name} (line INTEGER NOT NULL, ${columns.join(', ')}, raw TEXT)`);
    const tuple = `(${Array(this.width + 2).fill('?').join(', ')})`;
    const insertInto = `INSERT INTO ${this.name} (line, ${columns.join(', ')}, raw) VALUES `;
    this.insert = sqlite.prepare(insertInto + tuple);
    this.insertMany = sqlite.prepare(insertInto + Array(ROWS_PER_STATEMENT).fill(tuple).join(', '));
    this.chunk = sqlite.prepare(`SELECT rowid, * FROM ${this.name} WHERE rowid > ? ORDER BY rowid LIMIT ?`).raw();
  }

  /** One small scratch-only transaction per batch: fast, and no lock on the main database. */
  append(rows: ReadonlyArray<{ line: number; values: StagedValues; raw: string | null }>): void {
    this.sqlite.transaction(() => {
      let next = 0;
      // Several rows per statement: the per-execution overhead was most of the staging cost.
      for (; next + ROWS_PER_STATEMENT <= rows.length; next += ROWS_PER_STATEMENT) {
        const flat: SqlValue[] = [];
        for (let index = next; index < next + ROWS_PER_STATEMENT; index++) {
          const row = rows[index]!;
          flat.push(row.line, ...row.values, row.raw);
        }
        this.insertMany.run(flat);
      }
      for (; next < rows.length; next++) {
        const row = rows[next]!;
        this.insert.run(row.line, ...row.values, row.raw);
      }
    })();
  }

  /** Staged rows in file order after rowid `after`, a bounded chunk at a time (an open iterator would lock the connection). */
  *rows(after = 0, chunkSize = 2_000): Generator<{ line: number; values: StagedValues; raw: string | null }> {
    for (;;) {
      const chunk = this.chunk.all(after, chunkSize) as SqlValue[][];
      for (const cells of chunk) {
        yield { line: cells[1] as number, values: cells.slice(2, 2 + this.width), raw: cells[2 + this.width] as string | null };
      }
      if (chunk.length < chunkSize) return;
      after = chunk[chunk.length - 1]![0] as number;
    }
  }

  /** The highest rowid staged (rows are numbered from 1 in file order), 0 when none. */
  lastRowid(): number {
    return this.sqlite.prepare(`SELECT coalesce(max(rowid), 0) FROM ${this.name}`).pluck().get() as number;
  }

  /** Whether every staged row names its id (a crm export), which allows the bulk path. */
  everyRowHasId(): boolean {
    return this.sqlite.prepare(`SELECT 1 FROM ${this.name} WHERE c0 IS NULL LIMIT 1`).get() === undefined;
  }

  drop(): void {
    this.sqlite.exec(`DROP TABLE IF EXISTS ${this.name}`);
  }
}

export interface StoredReject {
  source: number;
  line: number;
  column: string;
  reason: string;
  raw: string | null;
}

/** Rejected rows of an import, kept on disk (the scratch database) so a file full of bad rows does not fill memory. */
export class RejectLog {
  private readonly insert: Database.Statement;

  constructor(private readonly sqlite: Database.Database) {
    sqlite.exec(`DROP TABLE IF EXISTS ${REJECTS}`);
    sqlite.exec(`CREATE TABLE ${REJECTS} (source INTEGER NOT NULL, line INTEGER NOT NULL, "column" TEXT, reason TEXT, raw TEXT)`);
    this.insert = sqlite.prepare(`INSERT INTO ${REJECTS} VALUES (?, ?, ?, ?, ?)`);
  }

  add(reject: StoredReject): void {
    this.insert.run(reject.source, reject.line, reject.column, reject.reason, reject.raw);
  }

  count(source?: number): number {
    const row = (source === undefined
      ? this.sqlite.prepare(`SELECT count(*) AS n FROM ${REJECTS}`).get()
      : this.sqlite.prepare(`SELECT count(*) AS n FROM ${REJECTS} WHERE source = ?`).get(source)) as { n: number };
    return row.n;
  }

  first(limit: number): StoredReject[] {
    return this.sqlite
      .prepare(`SELECT source, line, "column", reason, raw FROM ${REJECTS} ORDER BY source, line LIMIT ?`)
      .all(limit) as StoredReject[];
  }

  /** All rejects of one source, by line, a chunk at a time. */
  *bySource(source: number, chunkSize = 2_000): Generator<StoredReject> {
    const page = this.sqlite.prepare(
      `SELECT rowid AS id, source, line, "column", reason, raw FROM ${REJECTS} WHERE source = ? AND (line, rowid) > (?, ?) ORDER BY line, rowid LIMIT ?`,
    );
    let afterLine = -1;
    let afterId = -1;
    for (;;) {
      const chunk = page.all(source, afterLine, afterId, chunkSize) as Array<StoredReject & { id: number }>;
      yield* chunk;
      if (chunk.length < chunkSize) return;
      afterLine = chunk[chunk.length - 1]!.line;
      afterId = chunk[chunk.length - 1]!.id;
    }
  }

  drop(): void {
    this.sqlite.exec(`DROP TABLE IF EXISTS ${REJECTS}`);
  }
}

/**
 * Staged rows per bulk INSERT … SELECT. Each statement keeps in memory a copy of the staged
 * slice (a table with triggers) and the original of every index page it changes (its
 * statement journal, temp_store = MEMORY): with random ids up to one page per row and
 * random index, so about 2,000 × 3 × 4 KB = 24 MB at most, whatever the size of the file.
 * Smaller slices cost no more journal work: once an index has more pages than a slice has
 * rows, each row changes about one page per index either way.
 */
const BULK_INSERT_SLICE = 2_000;

const NOT_NULL_COLUMNS: ReadonlySet<string> = new Set(['name', 'status', 'is_active', 'is_archived', 'created_at', 'value']);

/** The columns a row is found by: its id, except for external ids (the tool and its id), tags (the customer and the tag) and settings (the key). */
function keyColumns(table: TableName): readonly string[] {
  if (table === 'customer_external_ids') return ['source', 'external_id'];
  if (table === 'customer_tags') return ['customer_id', 'tag'];
  if (table === 'settings') return ['key'];
  return ['id'];
}

/**
 * The statements that write one file's rows into its table. Columns the file does not have
 * are left alone on update (a file of `id,name` renames without wiping e-mails) and get their
 * defaults on insert.
 */
export class TableWriter {
  private readonly insertStatement: Database.Statement;
  private readonly updateStatement: Database.Statement | undefined;
  private readonly existing: Database.Statement;
  private readonly bulkInsertSql: (stage: string) => string;

  constructor(
    private readonly sqlite: Database.Database,
    readonly table: TableName,
    presentColumns: ReadonlySet<string>,
    /** False for a crm export, where an empty cell is a real NULL that must replace the old value. */
    emptyKeepsValue: boolean,
  ) {
    const columns: readonly string[] = TABLE_COLUMNS[table];
    const param = (column: string) => `@${column}`;
    const insertValue = (column: string) => {
      switch (column) {
        case 'is_active':
          return 'coalesce(@is_active, 1)';
        case 'is_archived':
          return 'coalesce(@is_archived, 0)';
        case 'status':
          return "coalesce(@status, 'lead')";
        case 'created_at':
        case 'updated_at':
          return `coalesce(@${column}, @now)`;
        default:
          return param(column);
      }
    };
    const columnList = columns.map((c) => `"${c}"`).join(', ');
    const key = keyColumns(table);
    const byKey = key.map((c) => `"${c}" = @${c}`).join(' AND ');
    this.insertStatement = sqlite.prepare(
      `INSERT INTO "${table}" (${columnList}) VALUES (${columns.map(insertValue).join(', ')}) ON CONFLICT(${key.join(', ')}) DO NOTHING`,
    );
    const fromStage = columns.map((column, index) => insertValue(column).replace(`@${column}`, `c${index}`)).join(', ');
    this.bulkInsertSql = (stage: string) =>
      `INSERT INTO "${table}" (${columnList}) SELECT ${fromStage} FROM ${stage} WHERE rowid > @after AND rowid <= @upTo ORDER BY rowid`;
    this.existing = sqlite.prepare(`SELECT * FROM "${table}" WHERE ${byKey}`);
    const updatable = columns.filter((c) => !key.includes(c) && c !== 'updated_at' && presentColumns.has(c));
    if (table === 'customer_external_ids') {
      // The file says which customer the tool's id names (a restore, or a contact merged in
      // the tool): follow it, but leave a row that already says so untouched.
      const next = (c: string) => `coalesce(@${c}, "${c}")`;
      const differs = updatable.map((c) => `"${c}" IS NOT ${next(c)}`).join(' OR ');
      const assignments = updatable.map((c) => `"${c}" = ${next(c)}`).join(', ');
      this.updateStatement = sqlite.prepare(`UPDATE "${table}" SET ${assignments} WHERE ${byKey} AND (${differs})`);
    } else if (table !== 'customer_interactions' && table !== 'customer_tags') {
      // An unchanged row is not touched at all, so re-running an import fires no trigger
      // and leaves updated_at (and any audit trail) as it was.
      const next = (c: string) => (emptyKeepsValue || NOT_NULL_COLUMNS.has(c) ? `coalesce(@${c}, "${c}")` : `@${c}`);
      const differs = [
        ...updatable.map((c) => `"${c}" IS NOT ${next(c)}`),
        `(@updated_at IS NOT NULL AND updated_at IS NOT @updated_at)`,
      ].join(' OR ');
      const assignments = [...updatable.map((c) => `"${c}" = ${next(c)}`), `updated_at = coalesce(@updated_at, @now)`];
      // closed_at says when crm closed the deal: a file that moves a customer to another
      // status without saying when leaves it unknown (the updated_at it writes stands in).
      if (table === 'customers' && presentColumns.has('status') && !presentColumns.has('closed_at')) {
        assignments.push(`closed_at = CASE WHEN ${next('status')} IS status THEN closed_at END`);
      }
      this.updateStatement = sqlite.prepare(`UPDATE "${table}" SET ${assignments.join(', ')} WHERE ${byKey} AND (${differs})`);
    }
  }

  /**
   * Inserts the staged rows a slice per INSERT … SELECT, in file order, until a slice is
   * refused (an existing id, a missing customer, a trigger): that statement is undone by
   * itself, the slices before it stay. Returns the rows inserted and, when it stopped, the
   * staged rowid after which the caller goes on row by row, which names the offending lines.
   * Rows a slice inserted would have been inserted the same way one by one (same order, same
   * state before each), so stopping early changes nothing but speed.
   *
   * No savepoint around the slices: while a savepoint is open SQLite keeps, in its statement
   * journal, the original of every page each slice changes, and temp_store = MEMORY keeps
   * that journal in RAM. With random UUIDs every slice changes pages all over the indexes, so
   * the journal grew with slices × index size: 517 MB for a 100k-customer restore, 12.8 GB
   * for 1M. Without one, each slice's journal is freed when the slice ends.
   */
  bulkInsert(stage: StagingTable, now: string, slice = BULK_INSERT_SLICE): { inserted: number; stoppedAfter?: number } {
    if (!this.sqlite.inTransaction) throw new Error('bulkInsert runs inside the import\'s write transaction');
    const statement = this.sqlite.prepare(this.bulkInsertSql(stage.name));
    const last = stage.lastRowid();
    let inserted = 0;
    for (let after = 0; after < last; after += slice) {
      try {
        inserted += statement.run({ now, after, upTo: after + slice }).changes;
      } catch (error) {
        if ((error as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) return { inserted, stoppedAfter: after };
        throw error;
      }
    }
    return { inserted };
  }

  /** True when the row was new; false when its id already existed (nothing written). */
  insert(row: Record<string, SqlValue>): boolean {
    return this.insertStatement.run(row).changes === 1;
  }

  /** True when the existing row changed. */
  update(row: Record<string, SqlValue>): boolean {
    if (!this.updateStatement) throw new Error(`${this.table} rows cannot be updated`);
    return this.updateStatement.run(row).changes === 1;
  }

  /** The stored row with the given row's key. */
  get(row: Record<string, SqlValue>): Record<string, SqlValue> | undefined {
    return this.existing.get(row) as Record<string, SqlValue> | undefined;
  }
}

/**
 * Companies by name as the customers file of another tool gives them, folded as refs compare
 * names: each is created once, the first time it is named. Companies are few, so all their
 * names are read once rather than looked up per row.
 */
export class CompanyNames {
  private readonly byFold = new Map<string, string>();
  private readonly insert: Database.Statement;
  created = 0;

  constructor(sqlite: Database.Database) {
    for (const row of sqlite.prepare('SELECT id, name FROM companies ORDER BY rowid').all() as Array<{ id: string; name: string }>) {
      const fold = foldCase(row.name);
      if (!this.byFold.has(fold)) this.byFold.set(fold, row.id);
    }
    this.insert = sqlite.prepare('INSERT INTO companies (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)');
  }

  idFor(name: string, now: string): string {
    const fold = foldCase(name);
    let id = this.byFold.get(fold);
    if (id === undefined) {
      id = randomUUID();
      this.insert.run(id, name, now, now);
      this.byFold.set(fold, id);
      this.created++;
    }
    return id;
  }
}

/** Dedupe of customers without an id, by lowercased e-mail (served by customers_email_lower_idx). */
export class CustomerEmailLookup {
  private readonly statement: Database.Statement;
  constructor(sqlite: Database.Database) {
    this.statement = sqlite.prepare('SELECT id FROM customers WHERE lower(email) = lower(?) ORDER BY rowid LIMIT 1').pluck();
  }
  find(email: string): string | undefined {
    return this.statement.get(email) as string | undefined;
  }
}

/**
 * Customers by the id another tool gave them (customer_external_ids). `link` adds the pair
 * unless that tool's id already names a customer, and says whether it wrote.
 */
export class CustomerExternalIds {
  private readonly lookup: Database.Statement;
  private readonly insert: Database.Statement;
  constructor(sqlite: Database.Database) {
    this.lookup = sqlite.prepare('SELECT customer_id FROM customer_external_ids WHERE source = ? AND external_id = ?').pluck();
    this.insert = sqlite.prepare(
      'INSERT INTO customer_external_ids (source, external_id, customer_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
  }
  find(source: string, externalId: string): string | undefined {
    return this.lookup.get(source, externalId) as string | undefined;
  }
  link(source: string, externalId: string, customerId: string, now: string): boolean {
    return this.insert.run(source, externalId, customerId, now).changes === 1;
  }
}

/** SQLite's affinity rules for a declared type: INT wins, then CHAR, CLOB or TEXT. */
function hasTextAffinity(declaredType: string): boolean {
  const type = declaredType.toUpperCase();
  return !type.includes('INT') && (type.includes('CHAR') || type.includes('CLOB') || type.includes('TEXT'));
}
