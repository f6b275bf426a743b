import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import copyStreams from 'pg-copy-streams';
import { losslessCsvRecord } from '../../csv/codec.js';
import { TABLE_COLUMNS } from '../../csv/columns.js';
import { RowError, stagedWidth, type RowProblem } from '../../csv/rows.js';
import { foldCase } from '../../domain/fold.js';
import { shortId } from '../../domain/ids.js';
import type { TableName } from '../../domain/vocabulary.js';
import type {
  BulkImport,
  BulkRejects,
  BulkStage,
  BulkStagedFile,
  BulkTransfer,
  BulkValue,
  BulkWriteOptions,
  PushedAuditEntry,
  Store,
} from '../ports.js';
import { copyOut } from './copy-out.js';
import { translatePgError } from './errors.js';
import { INSTANTS, iso } from './json-rows.js';
import type { PgSession } from './store.js';

type Row = Record<string, BulkValue>;
type Outcome = 'inserted' | 'updated' | 'unchanged' | 'duplicates';

const FLAGS: ReadonlySet<string> = new Set(['is_active', 'is_archived']);
const NOT_NULL_COLUMNS: ReadonlySet<string> = new Set(['name', 'status', 'is_active', 'is_archived', 'created_at', 'updated_at', 'value']);

/** A column as the export writes it: SQLite's stored form (flags 1/0, instants as canonical ISO text). */
function exported(column: string, from = ''): string {
  const name = `${from}"${column}"`;
  if (INSTANTS.has(column)) return iso(name);
  if (FLAGS.has(column)) return `${name}::int`;
  return name;
}

/** A staged (text) value as the column's type. */
function typed(column: string, expression: string): string {
  if (INSTANTS.has(column)) return `(${expression})::timestamptz`;
  if (FLAGS.has(column)) return `(${expression})::boolean`;
  if (column === 'deal_value_minor') return `(${expression})::bigint`;
  return `(${expression})::text`;
}

/** The columns a row is found by, as on SQLite (the team is the server's business). */
function keyColumns(table: TableName): readonly string[] {
  if (table === 'customer_external_ids') return ['source', 'external_id'];
  if (table === 'customer_tags') return ['customer_id', 'tag'];
  if (table === 'settings') return ['key'];
  return ['id'];
}

/** What ON CONFLICT names: the primary key, team included where it is part of it. */
function conflictTarget(table: TableName): string {
  if (table === 'customer_external_ids') return '(team_id, source, external_id)';
  if (table === 'settings') return '(team_id, key)';
  // Tags: any of its unique indexes (the folded tag too) means the customer has it already.
  if (table === 'customer_tags') return '';
  return '(id)';
}

/** A column's value for a new row: the defaults SQLite's TableWriter gives. */
function insertValue(column: string, value: string, now: string): string {
  const cast = typed(column, value);
  switch (column) {
    case 'is_active':
      return `coalesce(${cast}, true)`;
    case 'is_archived':
      return `coalesce(${cast}, false)`;
    case 'status':
      return `coalesce(${cast}, 'lead')`;
    case 'created_at':
    case 'updated_at':
      return `coalesce(${cast}, ${now})`;
    default:
      return cast;
  }
}

/** SQL with `@name` parameters, compiled once to `$n` and the names to bind in that order. */
class Statement {
  readonly text: string;
  private readonly names: string[] = [];
  constructor(sql: string) {
    const positions = new Map<string, number>();
    this.text = sql.replace(/@([a-z_]+)/g, (_, name: string) => {
      let position = positions.get(name);
      if (position === undefined) {
        this.names.push(name);
        position = this.names.length;
        positions.set(name, position);
      }
      return `$${position}`;
    });
  }
  values(row: Row): BulkValue[] {
    return this.names.map((name) => row[name] ?? null);
  }
}

/** Until FLUSH_SEARCH_INDEX or the commit (drizzle/pg/0016_deferred_search_index.sql). */
export const DEFER_SEARCH_INDEX = `SET LOCAL crm.search_deferred = 'on'`;
/** Builds the noted documents now, and ends the deferral: one round trip. */
export const FLUSH_SEARCH_INDEX = `SET CONSTRAINTS crm.customer_search_flush IMMEDIATE;
  SET CONSTRAINTS crm.customer_search_flush DEFERRED;
  SET LOCAL crm.search_deferred = 'off'`;

/**
 * Import and export on a team's server. Export: COPY (SELECT …) TO STDOUT in CSV, formatted
 * by the server as SQLite's lossless export is (NULL an empty field, "" an empty text).
 * Import: each file's validated rows go by COPY into a temporary staging table, then one
 * write transaction merges them into the tables: a few set-based statements per file when
 * it allows (a crm export), row by row otherwise or when the server refuses a row, so the
 * report names its line. Row-level security applies throughout: the team is the member's.
 */
export class PgBulkTransfer implements BulkTransfer {
  readonly backend = 'postgres';
  /** The server's triggers audit every row; a member cannot turn them off. */
  readonly auditModes = ['rows'] as const;
  private serial = 0;

  constructor(
    private readonly session: PgSession,
    private readonly store: Store,
  ) {}

  private async query<R = Row>(text: string, values?: readonly unknown[]): Promise<{ rows: R[]; rowCount: number }> {
    const result = await this.session.client.query(text, values as unknown[] | undefined);
    return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
  }

  async count(table: TableName): Promise<number> {
    return (await this.session.query<{ n: number }>(`SELECT count(*)::integer AS n FROM crm.${table}`))[0]!.n;
  }

  readSnapshot<T>(work: () => Promise<T>): Promise<T> {
    return this.store.read(work);
  }

  /**
   * The team test repeats the row-level security policy's on purpose: the policy calls
   * crm.crm_team() (SECURITY DEFINER, so never inlined) once per row, a lookup that was half
   * the server's time in an export; against `(SELECT crm.crm_team())`, run once, the planner
   * turns the policy's test into a one-time filter. The rows are the same: the policy still
   * applies.
   */
  private selectExport(table: TableName): string {
    const columns = TABLE_COLUMNS[table].map((column) => exported(column)).join(', ');
    return `SELECT ${columns} FROM crm.${table} WHERE team_id = (SELECT crm.crm_team()) ORDER BY position`;
  }

  async *pages(table: TableName, pageSize: number): AsyncIterable<BulkValue[][]> {
    const columns = TABLE_COLUMNS[table].map((column) => exported(column)).join(', ');
    let after = 0;
    for (;;) {
      const result = await this.session.client.query({
        text: `SELECT ${columns}, position FROM crm.${table} WHERE position > $1 ORDER BY position LIMIT $2`,
        values: [after, pageSize],
        rowMode: 'array',
      });
      const rows = result.rows as BulkValue[][];
      if (rows.length === 0) return;
      after = Number(rows[rows.length - 1]!.at(-1));
      for (const row of rows) row.pop();
      yield rows;
      if (rows.length < pageSize) return;
    }
  }

  async copyLosslessCsv(table: TableName, write: (chunk: string | Buffer) => Promise<void>): Promise<number> {
    const stream = this.session.client.query(copyOut(`COPY (${this.selectExport(table)}) TO STDOUT WITH (FORMAT csv)`));
    try {
      for await (const chunk of stream) await write(chunk as Buffer);
    } catch (error) {
      stream.destroy();
      throw translatePgError(error);
    }
    return stream.rowCount;
  }

  async withImport<T>(work: (session: BulkImport) => Promise<T>): Promise<T> {
    const rejects = new MemoryRejects();
    return work({
      stage: async (table) => {
        const stage = new PgStage(this.session, table, ++this.serial);
        await stage.create();
        return stage;
      },
      rejects,
      write: (files, options) => this.write(files, options),
    });
  }

  /**
   * The search index's triggers only note the customers each statement touched, and every
   * noted document is built once, when the files are written (drizzle/pg/0016): built per
   * statement, an import's customers and then their interactions wrote each document twice.
   */
  private async write(files: readonly BulkStagedFile[], options: BulkWriteOptions): Promise<void> {
    await this.store.write(async () => {
      await this.query(DEFER_SEARCH_INDEX);
      for (const file of files) await this.writeStaged(file, options);
      await this.query(FLUSH_SEARCH_INDEX);
      options.finish();
    });
  }

  private async writeStaged(file: BulkStagedFile, options: BulkWriteOptions): Promise<void> {
    const stage = file.stage as PgStage;
    const writer = new PgTableWriter(this, file.table, file.columns, !file.native, options.now);
    if (await this.bulkWrite(file, stage, writer, options)) return;
    await this.writeRows(file, stage, writer, options);
  }

  /**
   * A crm export's rows, every one with its key, no key twice: an UPDATE of the rows that
   * exist and differ, then an INSERT of the others, under a savepoint. Any refusal undoes
   * both, and the rows go one by one instead, which names the line of each refused one.
   */
  private async bulkWrite(file: BulkStagedFile, stage: PgStage, writer: PgTableWriter, options: BulkWriteOptions): Promise<boolean> {
    const { table } = file;
    if (table === 'products' || file.namesCompanies) return false;
    const key = keyColumns(table);
    const keyIndexes = key.map((column) => TABLE_COLUMNS[table].indexOf(column as never));
    const stageKey = keyIndexes.map((index) => `c${index}`);
    const [{ blocked }] = (
      await this.query<{ blocked: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM ${stage.name} WHERE ${stageKey.map((c) => `${c} IS NULL`).join(' OR ')})
          OR EXISTS (SELECT 1 FROM ${stage.name} GROUP BY ${stageKey.join(', ')} HAVING count(*) > 1) AS blocked`,
      )
    ).rows as [{ blocked: boolean }];
    if (blocked) return false;
    if (table === 'companies' && (await this.query(writer.nameClashes(stage.name))).rowCount > 0) return false;
    if (table === 'customer_interactions' && (await this.query(writer.changedInteractions(stage.name, file.columns))).rowCount > 0) {
      return false;
    }
    await this.query('SAVEPOINT crm_bulk');
    try {
      const updated = writer.canUpdate ? (await this.query(writer.bulkUpdate(stage.name))).rowCount : 0;
      const inserted = (await this.query(writer.bulkInsert(stage.name))).rowCount;
      await this.query('RELEASE SAVEPOINT crm_bulk');
      const staged = await stage.count();
      file.counts.inserted += inserted;
      file.counts.updated += updated;
      file.counts.unchanged += staged - inserted - updated;
      options.onProgress?.(file, staged);
      return true;
    } catch (error) {
      await this.query('ROLLBACK TO SAVEPOINT crm_bulk');
      if (!isRowRefusal(error)) throw translatePgError(error);
      return false;
    }
  }

  /** Row by row, each under a savepoint so that a refused row leaves the transaction usable: SQLite's rules, one at a time. */
  private async writeRows(file: BulkStagedFile, stage: PgStage, writer: PgTableWriter, options: BulkWriteOptions): Promise<void> {
    const { table, counts } = file;
    const columns: readonly string[] = TABLE_COLUMNS[table];
    const { now, onDuplicate } = options;
    const companies = file.namesCompanies ? await CompanyNames.load(this) : undefined;
    const external = table === 'customers' && file.externalSource !== undefined ? file.externalSource : undefined;
    const refusedActivations: Array<{ line: number; raw: string | null; row: Row }> = [];
    const writeRow = async (
      line: number,
      raw: string | null,
      row: Row,
      nameGiven: boolean,
      externalId: string | null,
      companyName: string | null,
      finalAttempt: boolean,
    ) => {
      await this.query('SAVEPOINT crm_row');
      try {
        if (companyName !== null && row.company_id === null) row.company_id = await companies!.idFor(companyName, now);
        let outcome: Outcome;
        if (table === 'customers') outcome = await this.writeCustomer(writer, row, nameGiven, onDuplicate, external, externalId);
        else if (table === 'products' || table === 'companies') outcome = await this.writeNamed(writer, row, onDuplicate);
        else if (table === 'customer_interactions') outcome = await this.writeInteraction(writer, row, file.columns);
        else if (table === 'customer_tags') outcome = (await writer.insert(row)) ? 'inserted' : 'unchanged';
        else outcome = await this.upsert(writer, row);
        await this.query('RELEASE SAVEPOINT crm_row');
        counts[outcome]++;
      } catch (error) {
        await this.query('ROLLBACK TO SAVEPOINT crm_row');
        if (!finalAttempt && isActiveProductLimit(error)) {
          refusedActivations.push({ line, raw, row });
          return;
        }
        counts.rejected++;
        options.reject(file.source, line, rowProblemFromServer(error, table, row), raw);
      }
    };
    let done = 0;
    for await (const { line, values, raw } of stage.rows()) {
      const row: Row = {};
      columns.forEach((column, index) => (row[column] = values[index] ?? null));
      const extra = (offset: number) => values[columns.length + offset] ?? null;
      await writeRow(line, raw, row, extra(0) === '1', extra(1), extra(2), table !== 'products');
      if (options.onProgress && ++done % 10_000 === 0) options.onProgress(file, done);
    }
    for (const { line, raw, row } of refusedActivations) await writeRow(line, raw, row, true, null, null, true);
    counts.companiesCreated = companies?.created ?? 0;
  }

  /** Products and companies: a row without id whose name exists (ignoring case) is that row. */
  private async writeNamed(writer: PgTableWriter, row: Row, onDuplicate: 'skip' | 'update'): Promise<Outcome> {
    const clash = await writer.sameName(row);
    const noun = writer.table === 'products' ? 'product' : 'company';
    if (clash && row.id !== null) {
      throw new RowError({ column: 'name', reason: `a ${noun} named "${String(row.name)}" already exists (${shortId(clash)})` });
    }
    if (clash) {
      if (onDuplicate === 'skip') return 'duplicates';
      return (await writer.update({ ...row, id: clash })) ? 'updated' : 'unchanged';
    }
    // The limit trigger fires BEFORE INSERT even for an id that exists and would be left alone.
    if (row.id !== null && (await writer.get(row))) return (await writer.update(row)) ? 'updated' : 'unchanged';
    return this.upsert(writer, { ...row, id: row.id ?? randomUUID() });
  }

  private async writeCustomer(
    writer: PgTableWriter,
    row: Row,
    nameGiven: boolean,
    onDuplicate: 'skip' | 'update',
    source: string | undefined,
    externalId: string | null,
  ): Promise<Outcome> {
    if (row.id !== null) return this.upsert(writer, row);
    const key = source !== undefined && externalId ? { source, id: externalId } : undefined;
    let existing: string | undefined;
    if (key) {
      existing = (
        await this.query<{ customer_id: string }>(
          'SELECT customer_id FROM crm.customer_external_ids WHERE source = $1 AND external_id = $2',
          [key.source, key.id],
        )
      ).rows[0]?.customer_id;
    }
    if (existing === undefined && typeof row.email === 'string' && row.email !== '') {
      existing = (
        await this.query<{ id: string }>('SELECT id FROM crm.customers WHERE lower(email) = lower($1) ORDER BY position LIMIT 1', [row.email])
      ).rows[0]?.id;
    }
    const link = async (customerId: string) =>
      key !== undefined &&
      (
        await this.query(
          `INSERT INTO crm.customer_external_ids (source, external_id, customer_id, created_at) VALUES ($1, $2, $3, $4::timestamptz)
             ON CONFLICT DO NOTHING`,
          [key.source, key.id, customerId, writer.now],
        )
      ).rowCount === 1;
    if (existing === undefined) {
      const id = randomUUID();
      const outcome = await this.upsert(writer, { ...row, id });
      await link(id);
      return outcome;
    }
    if (onDuplicate === 'skip') return 'duplicates';
    const changed = await writer.update({ ...row, id: existing, name: nameGiven ? row.name! : null });
    return (await link(existing)) || changed ? 'updated' : 'unchanged';
  }

  private async upsert(writer: PgTableWriter, row: Row): Promise<'inserted' | 'updated' | 'unchanged'> {
    if (await writer.insert(row)) return 'inserted';
    if (await writer.update(row)) return 'updated';
    // ON CONFLICT found a row this team cannot see: the id is another team's.
    if (!(await writer.get(row))) throw new RowError({ column: keyColumns(writer.table)[0]!, reason: 'the id is already used by a record of another team' });
    return 'unchanged';
  }

  private async writeInteraction(writer: PgTableWriter, row: Row, present: ReadonlySet<string>): Promise<'inserted' | 'unchanged'> {
    const id = row.id ?? randomUUID();
    if (await writer.insert({ ...row, id })) return 'inserted';
    const existing = await writer.get({ id });
    if (!existing) throw new RowError({ column: 'id', reason: 'the id is already used by a record of another team' });
    const differing = TABLE_COLUMNS.customer_interactions.find(
      (column) => column !== 'id' && present.has(column) && row[column] !== null && String(existing[column]) !== String(row[column]),
    );
    if (differing) {
      throw new RowError({
        column: differing,
        reason: `interaction ${String(id)} already exists with another ${differing}; interactions cannot be changed`,
      });
    }
    return 'unchanged';
  }

  async pushAuditHistory(entries: readonly PushedAuditEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const [row] = await this.session.query<{ added: number }>('SELECT crm.crm_push_audit($1::jsonb) AS added', [JSON.stringify(entries)]);
    return row!.added;
  }

  /** For the writers and lookups of one import: the raw client, errors untranslated (a refused row is a report line, not a failure). */
  run<R = Row>(text: string, values?: readonly unknown[]): Promise<{ rows: R[]; rowCount: number }> {
    return this.query<R>(text, values);
  }
}

/**
 * The statements that write one file's rows into its table, as SQLite's TableWriter: columns
 * the file does not have are left alone on update and get their defaults on insert; a row
 * that would not change is not touched (no trigger, no audit entry).
 */
class PgTableWriter {
  private readonly insertStatement: Statement;
  private readonly updateStatement: Statement | undefined;
  private readonly getStatement: Statement;
  private readonly columns: readonly string[];
  private readonly key: readonly string[];
  private readonly updatable: readonly string[];
  private readonly nowSql: string;

  constructor(
    private readonly bulk: PgBulkTransfer,
    readonly table: TableName,
    private readonly present: ReadonlySet<string>,
    private readonly emptyKeepsValue: boolean,
    readonly now: string,
  ) {
    this.columns = TABLE_COLUMNS[table];
    this.key = keyColumns(table);
    this.nowSql = `'${now}'::timestamptz`;
    const list = this.columns.map((c) => `"${c}"`).join(', ');
    const values = this.columns.map((c) => insertValue(c, `@${c}`, this.nowSql)).join(', ');
    this.insertStatement = new Statement(`INSERT INTO crm.${table} (${list}) VALUES (${values}) ON CONFLICT ${conflictTarget(table)} DO NOTHING`);
    const byKey = this.key.map((c) => `t."${c}" = @${c}`).join(' AND ');
    this.getStatement = new Statement(`SELECT ${this.columns.map((c) => `${exported(c, 't.')} AS "${c}"`).join(', ')} FROM crm.${table} AS t WHERE ${byKey}`);
    this.updatable = this.columns.filter((c) => !this.key.includes(c) && c !== 'updated_at' && present.has(c));
    if (this.canUpdate) {
      const { assignments, differs } = this.updateParts((c) => typed(c, `@${c}`), `@updated_at`);
      this.updateStatement = new Statement(`UPDATE crm.${table} AS t SET ${assignments} WHERE ${byKey} AND (${differs})`);
    }
  }

  get canUpdate(): boolean {
    return this.table !== 'customer_interactions' && this.table !== 'customer_tags';
  }

  /** SET and the test that the row changes, from the new values `value(c)` (typed). */
  private updateParts(value: (column: string) => string, updatedAt: string): { assignments: string; differs: string } {
    const { table } = this;
    if (table === 'customer_external_ids') {
      const next = (c: string) => `coalesce(${value(c)}, t."${c}")`;
      return {
        assignments: this.updatable.map((c) => `"${c}" = ${next(c)}`).join(', '),
        differs: this.updatable.map((c) => `t."${c}" IS DISTINCT FROM ${next(c)}`).join(' OR ') || 'false',
      };
    }
    const next = (c: string) => (this.emptyKeepsValue || NOT_NULL_COLUMNS.has(c) ? `coalesce(${value(c)}, t."${c}")` : value(c));
    const updatedAtValue = typed('updated_at', updatedAt);
    const differs = [
      ...this.updatable.map((c) => `t."${c}" IS DISTINCT FROM ${next(c)}`),
      `(${updatedAtValue} IS NOT NULL AND t.updated_at IS DISTINCT FROM ${updatedAtValue})`,
    ].join(' OR ');
    const assignments = [...this.updatable.map((c) => `"${c}" = ${next(c)}`), `updated_at = coalesce(${updatedAtValue}, ${this.nowSql})`];
    if (table === 'customers' && this.present.has('status') && !this.present.has('closed_at')) {
      assignments.push(`closed_at = CASE WHEN ${next('status')} IS NOT DISTINCT FROM t.status THEN t.closed_at END`);
    }
    return { assignments: assignments.join(', '), differs };
  }

  private stageValue(stage: string, column: string): string {
    return `${stage}.c${this.columns.indexOf(column)}`;
  }

  bulkUpdate(stage: string): string {
    const { assignments, differs } = this.updateParts((c) => typed(c, this.stageValue('s', c)), this.stageValue('s', 'updated_at'));
    const byKey = this.key.map((c) => `t."${c}" = s.c${this.columns.indexOf(c)}`).join(' AND ');
    return `UPDATE crm.${this.table} AS t SET ${assignments} FROM ${stage} AS s WHERE ${byKey} AND (${differs})`;
  }

  bulkInsert(stage: string): string {
    const list = this.columns.map((c) => `"${c}"`).join(', ');
    const values = this.columns.map((c) => insertValue(c, this.stageValue('s', c), this.nowSql)).join(', ');
    const byKey = this.key.map((c) => `t."${c}" = s.c${this.columns.indexOf(c)}`).join(' AND ');
    // Tags: a spelling the customer has in another case is already there (the row path's DO NOTHING).
    const conflict = this.table === 'customer_tags' ? ' ON CONFLICT DO NOTHING' : '';
    return `INSERT INTO crm.${this.table} (${list}) SELECT ${values} FROM ${stage} AS s
      WHERE NOT EXISTS (SELECT 1 FROM crm.${this.table} AS t WHERE ${byKey}) ORDER BY s.rowno${conflict}`;
  }

  /** Staged companies with an id whose name another company has: the row path reports them. */
  nameClashes(stage: string): string {
    return `SELECT 1 FROM ${stage} AS s JOIN crm.companies AS t ON crm.crm_fold(t.name) = crm.crm_fold(s.c1) AND t.id <> s.c0 LIMIT 1`;
  }

  /** Staged interactions that exist with another value in a column the file has. */
  changedInteractions(stage: string, present: ReadonlySet<string>): string {
    const differs = this.columns
      .filter((c) => c !== 'id' && present.has(c))
      .map((c) => `(s.c${this.columns.indexOf(c)} IS NOT NULL AND ${exported(c, 't.')}::text IS DISTINCT FROM s.c${this.columns.indexOf(c)})`);
    return `SELECT 1 FROM ${stage} AS s JOIN crm.customer_interactions AS t ON t.id = s.c0 WHERE ${differs.join(' OR ') || 'false'} LIMIT 1`;
  }

  async insert(row: Row): Promise<boolean> {
    return (await this.bulk.run(this.insertStatement.text, this.insertStatement.values(row))).rowCount === 1;
  }

  async update(row: Row): Promise<boolean> {
    if (!this.updateStatement) throw new Error(`${this.table} rows cannot be updated`);
    return (await this.bulk.run(this.updateStatement.text, this.updateStatement.values(row))).rowCount === 1;
  }

  /** The stored row with the row's key, its values in the export's form. */
  async get(row: Row): Promise<Row | undefined> {
    return (await this.bulk.run<Row>(this.getStatement.text, this.getStatement.values(row))).rows[0];
  }

  async sameName(row: Row): Promise<string | undefined> {
    const { rows } = await this.bulk.run<{ id: string }>(
      `SELECT id FROM crm.${this.table} WHERE crm.crm_fold(name) = crm.crm_fold($1) AND id IS DISTINCT FROM $2 ORDER BY position LIMIT 1`,
      [row.name, row.id],
    );
    return rows[0]?.id;
  }
}

/** Companies by folded name, read once, each new one created the first time a file names it. */
class CompanyNames {
  created = 0;
  private constructor(
    private readonly bulk: PgBulkTransfer,
    private readonly byFold: Map<string, string>,
  ) {}

  static async load(bulk: PgBulkTransfer): Promise<CompanyNames> {
    const byFold = new Map<string, string>();
    for (const row of (await bulk.run<{ id: string; name: string }>('SELECT id, name FROM crm.companies ORDER BY position')).rows) {
      const fold = foldCase(row.name);
      if (!byFold.has(fold)) byFold.set(fold, row.id);
    }
    return new CompanyNames(bulk, byFold);
  }

  async idFor(name: string, now: string): Promise<string> {
    const fold = foldCase(name);
    let id = this.byFold.get(fold);
    if (id === undefined) {
      id = randomUUID();
      await this.bulk.run('INSERT INTO crm.companies (id, name, created_at, updated_at) VALUES ($1, $2, $3::timestamptz, $3::timestamptz)', [
        id,
        name,
        now,
      ]);
      this.byFold.set(fold, id);
      this.created++;
    }
    return id;
  }
}

/**
 * One file's validated rows in a temporary table (the session's own, gone with the
 * connection), filled by COPY: text columns c0…cN as RowReader staged them, the file's line
 * and, for --rejects, the raw record.
 */
class PgStage implements BulkStage {
  readonly name: string;
  private readonly width: number;

  constructor(
    private readonly session: PgSession,
    table: TableName,
    serial: number,
  ) {
    this.name = `pg_temp.crm_stage_${serial}_${table}`;
    this.width = stagedWidth(table);
  }

  private get columns(): string[] {
    return Array.from({ length: this.width }, (_, index) => `c${index}`);
  }

  async create(): Promise<void> {
    await this.session.query(`DROP TABLE IF EXISTS ${this.name}`);
    await this.session.query(
      `CREATE TEMP TABLE ${this.name.slice('pg_temp.'.length)} (rowno bigint GENERATED ALWAYS AS IDENTITY, line integer NOT NULL, ${this.columns.map((c) => `${c} text`).join(', ')}, raw text)`,
    );
  }

  async append(rows: ReadonlyArray<{ line: number; values: BulkValue[]; raw: string | null }>): Promise<void> {
    if (rows.length === 0) return;
    let text = '';
    for (const row of rows) text += `${losslessCsvRecord([row.line, ...row.values, row.raw])}\n`;
    const copy = this.session.client.query(
      copyStreams.from(`COPY ${this.name} (line, ${this.columns.join(', ')}, raw) FROM STDIN WITH (FORMAT csv)`),
    );
    try {
      await pipeline(Readable.from([text]), copy);
    } catch (error) {
      throw translatePgError(error);
    }
  }

  async count(): Promise<number> {
    return (await this.session.query<{ n: number }>(`SELECT count(*)::integer AS n FROM ${this.name}`))[0]!.n;
  }

  async *rows(chunkSize = 2_000): AsyncIterable<{ line: number; values: Array<string | null>; raw: string | null }> {
    let after = 0;
    for (;;) {
      const result = await this.session.client.query({
        text: `SELECT rowno, line, ${this.columns.join(', ')}, raw FROM ${this.name} WHERE rowno > $1 ORDER BY rowno LIMIT $2`,
        values: [after, chunkSize],
        rowMode: 'array',
      });
      const chunk = result.rows as Array<Array<string | number | null>>;
      for (const cells of chunk) {
        yield {
          line: Number(cells[1]),
          values: cells.slice(2, 2 + this.width) as Array<string | null>,
          raw: cells[2 + this.width] as string | null,
        };
      }
      if (chunk.length < chunkSize) return;
      after = Number(chunk[chunk.length - 1]![0]);
    }
  }

  async drop(): Promise<void> {
    await this.session.query(`DROP TABLE IF EXISTS ${this.name}`);
  }
}

/** Rejects kept in memory: a server import has no scratch file of its own. */
class MemoryRejects implements BulkRejects {
  private readonly rows: Array<{ source: number; line: number; column: string; reason: string; raw: string | null }> = [];
  add(reject: { source: number; line: number; column: string; reason: string; raw: string | null }): void {
    this.rows.push(reject);
  }
  async *bySource(source: number) {
    yield* this.rows.filter((reject) => reject.source === source).sort((a, b) => a.line - b.line);
  }
}

function isActiveProductLimit(error: unknown): boolean {
  return error instanceof Error && error.message.includes('active product limit');
}

/** A refusal that is about one row's data (a constraint, a missing reference): reported, not fatal. */
function isRowRefusal(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code ?? '';
  return error instanceof RowError || code.startsWith('23') || code === 'P0001' || code === '22P02' || code === '22007' || code === '22008';
}

function rowProblemFromServer(error: unknown, table: TableName, row: Row): RowProblem {
  if (error instanceof RowError) return error.problem;
  if (!(error instanceof Error)) throw error;
  if (isActiveProductLimit(error)) {
    return { column: 'is_active', reason: 'a fourth active product is refused: at most 3 products can be active' };
  }
  const code = (error as { code?: string }).code ?? '';
  if (code === '23503' || error.message.includes('names no')) {
    if (table === 'customers' && error.message.includes('company')) {
      return { column: 'company_id', reason: `no company with id "${String(row.company_id)}"` };
    }
    return table === 'customers'
      ? { column: 'product_id', reason: `no product with id "${String(row.product_id)}"` }
      : { column: 'customer_id', reason: `no customer with id "${String(row.customer_id)}"` };
  }
  if (isRowRefusal(error)) return { column: '(row)', reason: `refused by the database: ${error.message}` };
  throw translatePgError(error);
}
