import { createHash, randomUUID } from 'node:crypto';
import { TABLE_COLUMNS } from '../../csv/columns.js';
import { losslessCsvText } from '../../csv/lossless.js';
import { RowError, type RowProblem, type SqlValue } from '../../csv/rows.js';
import { writeWithAuditSummary } from '../../db/audit.js';
import type { CrmDatabase } from '../../db/connection.js';
import { deferSearchIndex } from '../../db/search-index.js';
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
} from '../ports.js';
import { isForeignKeyViolation, withSqliteErrors, writeTx } from './errors.js';
import {
  CompanyNames,
  CustomerEmailLookup,
  CustomerExternalIds,
  RejectLog,
  StagingTable,
  TableWriter,
  TransferRepository,
} from './transfer.js';

const PROGRESS_EVERY = 10_000;
const EXPORT_PAGE = 5_000;

type Outcome = 'inserted' | 'updated' | 'unchanged' | 'duplicates';

/** A file's staged rows in the import's scratch database. */
class SqliteStage implements BulkStage {
  constructor(readonly table: StagingTable) {}
  async append(rows: ReadonlyArray<{ line: number; values: BulkValue[]; raw: string | null }>): Promise<void> {
    this.table.append(rows);
  }
  async drop(): Promise<void> {
    this.table.drop();
  }
}

class SqliteRejects implements BulkRejects {
  constructor(readonly log: RejectLog) {}
  add(reject: { source: number; line: number; column: string; reason: string; raw: string | null }): void {
    this.log.add(reject);
  }
  async *bySource(source: number) {
    yield* this.log.bySource(source);
  }
}

let stagingSerial = 0;

/**
 * Import and export on the SQLite file: prepared statements over better-sqlite3, the staged
 * rows in a scratch database, and the write as one synchronous transaction (nothing awaits
 * inside it, so it is one BEGIN IMMEDIATE … COMMIT at full speed).
 */
export class SqliteBulkTransfer implements BulkTransfer {
  readonly backend = 'sqlite';
  readonly auditModes = ['rows', 'summary'] as const;
  private readonly repository: TransferRepository;

  constructor(private readonly db: CrmDatabase) {
    this.repository = new TransferRepository(db.sqlite);
  }

  async count(table: TableName): Promise<number> {
    return this.repository.count(table);
  }

  readSnapshot<T>(work: () => Promise<T>): Promise<T> {
    return this.repository.readSnapshot(work);
  }

  async *pages(table: TableName, pageSize: number): AsyncIterable<BulkValue[][]> {
    yield* this.repository.pages(table, pageSize);
  }

  /** Pages of 5,000 records, as the export read them before (memory stays bounded by a page). */
  async copyLosslessCsv(table: TableName, write: (chunk: string | Buffer) => Promise<void>, progress?: (rows: number) => void): Promise<number> {
    let rows = 0;
    for (const page of this.repository.losslessCsvPages(table, EXPORT_PAGE)) {
      if ('csv' in page) {
        await write(page.csv);
        rows += page.rows;
      } else {
        await write(losslessCsvText(page.values));
        rows += page.values.length;
      }
      progress?.(rows);
    }
    return rows;
  }

  async *auditHistory(pageSize: number): AsyncIterable<PushedAuditEntry[]> {
    const page = this.db.sqlite.prepare(
      `SELECT id, table_name, record_id, action, old_values, new_values, actor, created_at FROM audit_log WHERE id > ? ORDER BY id LIMIT ?`,
    );
    let after = 0;
    for (;;) {
      const rows = page.all(after, pageSize) as Array<Omit<PushedAuditEntry, 'origin'> & { id: number }>;
      if (rows.length === 0) return;
      after = rows[rows.length - 1]!.id;
      yield rows.map(({ id, ...entry }) => ({ ...entry, origin: auditOrigin(id, entry) }));
      if (rows.length < pageSize) return;
    }
  }

  withImport<T>(work: (session: BulkImport) => Promise<T>): Promise<T> {
    return this.repository.withStaging(async () => {
      const rejectLog = new RejectLog(this.db.sqlite);
      try {
        return await work({
          stage: async (table) => new SqliteStage(new StagingTable(this.db.sqlite, table, ++stagingSerial)),
          rejects: new SqliteRejects(rejectLog),
          write: async (files, options) => this.write(files, options),
        });
      } finally {
        rejectLog.drop();
      }
    });
  }

  private write(files: readonly BulkStagedFile[], options: BulkWriteOptions): void {
    const writeAll = () => {
      // Each customer's search document is rebuilt once, before the commit, not per row.
      deferSearchIndex(this.db.sqlite);
      for (const file of files) this.writeStaged(file, options);
      options.finish();
    };
    if (options.audit === 'rows') writeTx(this.db, writeAll);
    // The summary is written in the same transaction as the rows: it commits or rolls back with them.
    else withSqliteErrors(() => writeWithAuditSummary(this.db, writeAll, options.summarize));
  }

  /** Inside the one write transaction: each staged row inserted, updated or left alone. */
  private writeStaged(file: BulkStagedFile, options: BulkWriteOptions): void {
    const { table, columns: present, namesCompanies, counts } = file;
    const stage = (file.stage as SqliteStage).table;
    const columns: readonly string[] = TABLE_COLUMNS[table];
    const sqlite = this.db.sqlite;
    const writer = new TableWriter(sqlite, table, present, !file.native);
    const emails = table === 'customers' ? new CustomerEmailLookup(sqlite) : undefined;
    const companyNames = namesCompanies ? new CompanyNames(sqlite) : undefined;
    const externalIds =
      table === 'customers' && file.externalSource !== undefined
        ? { source: file.externalSource, customers: new CustomerExternalIds(sqlite) }
        : undefined;
    const sameNames =
      table === 'products' || table === 'companies'
        ? sqlite.prepare(`SELECT id FROM ${table} WHERE crm_fold(name) = crm_fold(?) AND id IS NOT ? LIMIT 1`).pluck()
        : undefined;
    const { now, onDuplicate } = options;
    // Restoring an export into a database without those ids: a few statements do it all.
    let resumeAfter = 0;
    let done = 0;
    // Not for companies named by name: each needs its lookup (and maybe its insert) first.
    if (table !== 'products' && !namesCompanies && stage.everyRowHasId()) {
      const { inserted, stoppedAfter } = writer.bulkInsert(stage, now);
      counts.inserted += inserted;
      done = inserted;
      options.onProgress?.(file, done);
      if (stoppedAfter === undefined) return;
      resumeAfter = stoppedAfter;
    }
    // The active-product limit is about the end state: a row activating a product before a
    // later row deactivates another is retried once every other row is written.
    const refusedActivations: Array<{ line: number; raw: string | null; row: Record<string, SqlValue> }> = [];
    const writeRow = (
      line: number,
      raw: string | null,
      row: Record<string, SqlValue>,
      nameGiven: boolean,
      externalId: string | null,
      companyName: string | null,
      finalAttempt: boolean,
    ) => {
      try {
        if (companyName !== null && row.company_id === null) row.company_id = companyNames!.idFor(companyName, now);
        const outcome =
          table === 'customers'
            ? writeCustomer(writer, emails!, row, nameGiven, onDuplicate, externalIds && { ...externalIds, id: externalId })
            : table === 'products'
              ? writeProduct(writer, sameNames!, row, onDuplicate)
              : table === 'companies'
                ? writeCompany(writer, sameNames!, row, onDuplicate)
                : table === 'customer_external_ids' || table === 'settings'
                  ? upsert(writer, row)
                  : table === 'customer_tags'
                    ? writer.insert(row) ? 'inserted' : 'unchanged'
                    : writeInteraction(writer, row, present);
        counts[outcome]++;
      } catch (error) {
        if (!finalAttempt && isActiveProductLimit(error)) {
          refusedActivations.push({ line, raw, row });
          return;
        }
        counts.rejected++;
        options.reject(file.source, line, rowProblemFromDatabase(error, table, row), raw);
      }
    };
    for (const { line, values, raw } of stage.rows(resumeAfter)) {
      const row: Record<string, SqlValue> = { now };
      columns.forEach((column, index) => (row[column] = values[index] ?? null));
      const extra = (offset: number) => (values[columns.length + offset] as string | null | undefined) ?? null;
      writeRow(line, raw, row, values[columns.length] === 1, extra(1), extra(2), table !== 'products');
      if (options.onProgress && ++done % PROGRESS_EVERY === 0) options.onProgress(file, done);
    }
    for (const { line, raw, row } of refusedActivations) writeRow(line, raw, row, true, null, null, true);
    counts.companiesCreated = companyNames?.created ?? 0;
  }
}

/**
 * A product or company row whose name another record already has: with an id of its own it is
 * refused; without one it is that record (skipped or updated). Undefined when no name clashes.
 */
function writeNameClash(
  writer: TableWriter,
  sameName: { get(name: unknown, id: unknown): unknown },
  row: Record<string, SqlValue>,
  onDuplicate: 'skip' | 'update',
  noun: 'product' | 'company',
): Outcome | undefined {
  const clash = sameName.get(row.name, row.id) as string | undefined;
  if (!clash) return undefined;
  if (row.id !== null) {
    throw new RowError({ column: 'name', reason: `a ${noun} named "${String(row.name)}" already exists (${shortId(clash)})` });
  }
  if (onDuplicate === 'skip') return 'duplicates';
  return writer.update({ ...row, id: clash }) ? 'updated' : 'unchanged';
}

/** As a product, without the active limit. */
function writeCompany(
  writer: TableWriter,
  sameName: { get(name: unknown, id: unknown): unknown },
  row: Record<string, SqlValue>,
  onDuplicate: 'skip' | 'update',
): Outcome {
  return writeNameClash(writer, sameName, row, onDuplicate, 'company') ?? upsert(writer, { ...row, id: row.id ?? randomUUID() });
}

function writeProduct(
  writer: TableWriter,
  sameName: { get(name: unknown, id: unknown): unknown },
  row: Record<string, SqlValue>,
  onDuplicate: 'skip' | 'update',
): Outcome {
  const clash = writeNameClash(writer, sameName, row, onDuplicate, 'product');
  if (clash) return clash;
  // Checked before inserting: the limit trigger fires BEFORE INSERT, even for an id that
  // exists and would be left alone, so re-importing 3 active products was refused.
  if (row.id !== null && writer.get(row)) return writer.update(row) ? 'updated' : 'unchanged';
  return upsert(writer, { ...row, id: row.id ?? randomUUID() });
}

function writeCustomer(
  writer: TableWriter,
  emails: CustomerEmailLookup,
  row: Record<string, SqlValue>,
  nameGiven: boolean,
  onDuplicate: 'skip' | 'update',
  external?: { source: string; customers: CustomerExternalIds; id: string | null },
): Outcome {
  if (row.id !== null) return upsert(writer, row);
  // The tool's own id first: it finds a contact whose e-mail changed or who never had one.
  const key = external?.id ? { ...external, id: external.id } : undefined;
  const existing =
    (key && key.customers.find(key.source, key.id)) ??
    (typeof row.email === 'string' && row.email !== '' ? emails.find(row.email) : undefined);
  const link = (customerId: string) => key !== undefined && key.customers.link(key.source, key.id, customerId, row.now as string);
  if (existing === undefined) {
    const id = randomUUID();
    const outcome = upsert(writer, { ...row, id });
    link(id);
    return outcome;
  }
  if (onDuplicate === 'skip') return 'duplicates';
  // The e-mail or phone stood in for a missing name on insert; it must not rename anyone.
  const changed = writer.update({ ...row, id: existing, name: nameGiven ? row.name! : null });
  return link(existing) || changed ? 'updated' : 'unchanged';
}

function upsert(writer: TableWriter, row: Record<string, SqlValue>): 'inserted' | 'updated' | 'unchanged' {
  if (writer.insert(row)) return 'inserted';
  return writer.update(row) ? 'updated' : 'unchanged';
}

/** Interactions are an audit trail: an existing id must match exactly, never be changed. */
function writeInteraction(writer: TableWriter, row: Record<string, SqlValue>, present: ReadonlySet<string>): 'inserted' | 'unchanged' {
  const id = row.id ?? randomUUID();
  if (writer.insert({ ...row, id })) return 'inserted';
  const existing = writer.get({ id })!;
  const differing = TABLE_COLUMNS.customer_interactions.find(
    (column) => column !== 'id' && present.has(column) && row[column] !== null && existing[column] !== row[column],
  );
  if (differing) {
    throw new RowError({
      column: differing,
      reason: `interaction ${String(id)} already exists with another ${differing}; interactions cannot be changed`,
    });
  }
  return 'unchanged';
}

/** A row the database refused, as a problem for the report; anything else aborts the import. */
function rowProblemFromDatabase(error: unknown, table: TableName, row: Record<string, SqlValue>): RowProblem {
  if (error instanceof RowError) return error.problem;
  if (!(error instanceof Error)) throw error;
  const code = (error as { code?: string }).code ?? '';
  if (isActiveProductLimit(error)) {
    return { column: 'is_active', reason: 'a fourth active product is refused: at most 3 products can be active' };
  }
  if (isForeignKeyViolation(error)) {
    if (table === 'customers' && error.message.includes('company')) {
      return { column: 'company_id', reason: `no company with id "${String(row.company_id)}"` };
    }
    return table === 'customers'
      ? { column: 'product_id', reason: `no product with id "${String(row.product_id)}"` }
      : { column: 'customer_id', reason: `no customer with id "${String(row.customer_id)}"` };
  }
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    return { column: '(row)', reason: `refused by the database: ${error.message}` };
  }
  throw error;
}

function isActiveProductLimit(error: unknown): boolean {
  return error instanceof Error && error.message.includes('active product limit');
}

/**
 * `solo:<id>:<digest>`: the entry's id in the file and a digest of what it says, so that a
 * second push of the same file is recognised entry by entry, and another file's entry with
 * the same id is not mistaken for it.
 */
function auditOrigin(id: number, entry: Omit<PushedAuditEntry, 'origin'>): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([entry.table_name, entry.record_id, entry.action, entry.old_values, entry.new_values, entry.actor, entry.created_at]))
    .digest('hex')
    .slice(0, 16);
  return `solo:${id}:${digest}`;
}
