import { stringify } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createCsvParser, csvStringifyOptions, losslessCsvRecord, type CsvCell, type CsvRecordProblem, type RecordInfo } from '../csv/codec.js';
import { TABLE_COLUMNS } from '../csv/columns.js';
import { createDecoder, InvalidEncodingError, type InputEncoding } from '../csv/decode.js';
import { assertUsableMapping, isKnownHeader, mapColumns, parseMapOptions, type ColumnMapping } from '../csv/headers.js';
import { isBlankRecord, normalizeStatus, RowError, RowReader, type RowDefaults, type RowProblem, type SqlValue } from '../csv/rows.js';
import { writeWithAuditSummary, type AuditSummary } from '../db/audit.js';
import type { CrmDatabase } from '../db/connection.js';
import { deferSearchIndex } from '../db/search-index.js';
import { UsageError, ValidationError } from '../domain/errors.js';
import { shortId } from '../domain/ids.js';
import { nowIso, type Clock } from '../domain/types.js';
import { CUSTOMER_STATUSES, type TableName } from '../domain/vocabulary.js';
import {
  CompanyNames,
  CustomerEmailLookup,
  CustomerExternalIds,
  RejectLog,
  StagingTable,
  TableWriter,
  TransferRepository,
} from '../repositories/sqlite/transfer.js';
import { isForeignKeyViolation, withSqliteErrors, writeTx } from '../repositories/sqlite/errors.js';
import { AUDIT_ROWS_LIMIT } from './transfer-limits.js';

export const DUPLICATE_POLICIES = ['skip', 'update'] as const;
export type DuplicatePolicy = (typeof DUPLICATE_POLICIES)[number];

/** How an import is audited: one entry per row, one summary entry, or by size (auto). */
export const AUDIT_MODES = ['rows', 'summary', 'auto'] as const;
export type AuditMode = (typeof AUDIT_MODES)[number];

export { AUDIT_ROWS_LIMIT };

/** How many bad rows an error report lists before it only counts. */
export const REPORTED_PROBLEMS = 20;
const STAGE_BATCH = 5_000;
const PROGRESS_EVERY = 10_000;
const EXPORT_BATCH = 5_000;

export interface TransferProgress {
  phase: 'read' | 'write' | 'export';
  label: string;
  done: number;
  /** Bytes for `read` (unknown on stdin), rows for `write` and `export`. */
  total?: number;
}

export interface ImportSource {
  table: TableName;
  /** How the file is named in messages: its path, or `stdin`. */
  label: string;
  input: Readable;
  /** Size in bytes when known, for progress. */
  size?: number;
}

export interface ImportFileResult {
  table: TableName;
  label: string;
  headers: string[];
  ignoredColumns: string[];
  /** Data rows read (blank lines and the header excluded). */
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Rows without an id whose e-mail (customers) or name (products) already existed, left as they were. */
  duplicates: number;
  rejected: number;
  /** Second and later values of multi-value e-mail and phone cells (Google's ` ::: `), not imported. */
  extraValuesDropped: number;
  /** Companies a customers file named that did not exist yet, created by this import. */
  companiesCreated: number;
}

export interface ImportProblem extends RowProblem {
  label: string;
  line: number;
}

export interface ImportResult {
  files: ImportFileResult[];
  dryRun: boolean;
  /** The first REPORTED_PROBLEMS rejected rows, by file and line. */
  problems: ImportProblem[];
  problemCount: number;
  /** How the write was audited: `rows` (an entry per row) or `summary` (one entry for the import). */
  audit: 'rows' | 'summary';
}

export interface ImportOptions {
  /** `Their Header=our_column`, customers' header aliases taken further. */
  map?: readonly string[];
  status?: string;
  owner?: string;
  source?: string;
  /** CRM_OWNER: owner of new rows (those without an id) that name none. */
  ownerForNewRows?: string;
  onDuplicate?: DuplicatePolicy;
  /** Default `auto`: per-row audit entries up to the service's row limit, else one summary. */
  audit?: AuditMode;
  skipInvalid?: boolean;
  dryRun?: boolean;
  /** How the files' bytes are text; default UTF-8 (a UTF-16 byte order mark is always honoured). */
  encoding?: InputEncoding;
  /** Receives the rejected rows of a file (its header plus `reason`); only called when there are some. */
  rejects?: (file: ImportFileResult) => Writable;
  onProgress?: (progress: TransferProgress) => void;
}

export interface ExportTarget {
  table: TableName;
  output: Writable;
}

export interface ExportOptions {
  spreadsheetSafe?: boolean;
  onProgress?: (progress: TransferProgress) => void;
}

/** An import with bad rows and no --skip-invalid: nothing was written; the message is the report. */
export class ImportRejectedError extends ValidationError {
  constructor(readonly result: ImportResult) {
    super(describeProblems(result));
  }
}

function describeProblems(result: ImportResult): string {
  const files = new Set(result.problems.map((problem) => problem.label));
  const where = files.size === 1 ? `${[...files][0]}: ` : '';
  const lines = result.problems.map(
    (problem) => `  ${files.size === 1 ? '' : `${problem.label} `}line ${problem.line}, ${problem.column}: ${problem.reason}`,
  );
  const more = result.problemCount - result.problems.length;
  if (more > 0) lines.push(`  … and ${more} more`);
  const rows = result.problemCount === 1 ? 'row' : 'rows';
  return `${where}${result.problemCount} invalid ${rows}; nothing was imported (--skip-invalid imports the valid rows):\n${lines.join('\n')}`;
}

/** The first few problems by file and line, and how many there were: bounded whatever the file holds. */
class ProblemSummary {
  readonly first: Array<ImportProblem & { source: number }> = [];
  count = 0;

  add(problem: ImportProblem & { source: number }): void {
    this.count++;
    const last = this.first.at(-1);
    if (this.first.length >= REPORTED_PROBLEMS && last && compareProblems(problem, last) >= 0) return;
    this.first.push(problem);
    this.first.sort(compareProblems);
    if (this.first.length > REPORTED_PROBLEMS) this.first.pop();
  }
}

const compareProblems = (a: { source: number; line: number }, b: { source: number; line: number }) =>
  a.source - b.source || a.line - b.line;

interface StagedFile {
  source: number;
  file: ImportFileResult;
  mapping: ColumnMapping;
  stage: StagingTable;
}

/** Thrown inside the write transaction to roll a dry run back after it has checked everything. */
class DryRunRollback extends Error {}

let stagingSerial = 0;

/**
 * Export, import and backup. An import reads each file as a stream and stages its validated
 * rows in a scratch database (no lock held, memory flat), then writes everything in ONE
 * transaction, so a crash or kill at any moment leaves the old state or the new one.
 */
export class TransferService {
  private readonly repository: TransferRepository;

  constructor(
    private readonly db: CrmDatabase,
    private readonly clock: Clock,
    /** Largest import that `--audit auto` audits row by row (a parameter so tests stay small). */
    private readonly auditRowsLimit: number = AUDIT_ROWS_LIMIT,
  ) {
    this.repository = new TransferRepository(db.sqlite);
  }

  async export(targets: readonly ExportTarget[], options: ExportOptions = {}): Promise<Array<{ table: TableName; rows: number }>> {
    return this.repository.readSnapshot(async () => {
      const results: Array<{ table: TableName; rows: number }> = [];
      for (const target of targets) {
        results.push({ table: target.table, rows: await this.exportTable(target, options) });
      }
      return results;
    });
  }

  /**
   * A page of rows is formatted into one string and written as one chunk: a stream write per
   * row spent most of the export waiting on the event loop. The lossless form is formatted by
   * losslessCsvRecord, csv-stringify's own output byte for byte but several times faster;
   * --spreadsheet-safe (and any row holding a BLOB) still goes through csv-stringify. Memory
   * stays bounded by the page, and backpressure from the output is honoured between pages.
   */
  private async exportTable({ table, output }: ExportTarget, options: ExportOptions): Promise<number> {
    const total = options.onProgress ? this.repository.count(table) : undefined;
    const csvOptions = csvStringifyOptions({ spreadsheetSafe: options.spreadsheetSafe });
    const stringifyRows = (rows: SqlValue[][]) => stringifySync(rows, { ...csvOptions, bom: false });
    const format = options.spreadsheetSafe
      ? stringifyRows
      : (rows: SqlValue[][]) => {
          let text = '';
          for (const row of rows) text += `${losslessCsvRecord(row) ?? stringifyRows([row]).slice(0, -1)}\n`;
          return text;
        };
    // A closed pipe (`crm export customers | head`) surfaces here as an error, not a crash.
    let failure: Error | undefined;
    const onError = (error: Error) => (failure ??= error);
    output.on('error', onError);
    const write = async (text: string) => {
      if (!output.write(text) && !failure) await once(output, 'drain');
      if (failure) throw failure;
    };
    try {
      await write(stringifySync([[...TABLE_COLUMNS[table]]], csvOptions));
      let rows = 0;
      for (const page of this.repository.pages(table, EXPORT_BATCH)) {
        await write(format(page));
        rows += page.length;
        options.onProgress?.({ phase: 'export', label: table, done: rows, total });
      }
      options.onProgress?.({ phase: 'export', label: table, done: rows, total });
      return rows;
    } finally {
      output.off('error', onError);
    }
  }

  async import(sources: readonly ImportSource[], options: ImportOptions = {}): Promise<ImportResult> {
    const defaults = this.defaultsFrom(options);
    const onDuplicate = options.onDuplicate ?? 'skip';
    if (!DUPLICATE_POLICIES.includes(onDuplicate)) {
      throw new UsageError(`invalid --on-duplicate "${String(onDuplicate)}": use skip or update`);
    }
    const audit = options.audit ?? 'auto';
    if (!AUDIT_MODES.includes(audit)) throw new UsageError(`invalid --audit "${String(audit)}": use ${AUDIT_MODES.join(', ')}`);
    // Parsed before any file is read, so a bad --map fails fast. It is for files from other
    // tools: with --dir only the customers file gets it.
    const maps = sources.map((source) =>
      sources.length === 1 || source.table === 'customers' ? parseMapOptions(source.table, options.map ?? []) : new Map<string, string>(),
    );
    return this.repository.withStaging(() => this.importSources(sources, maps, options, defaults, onDuplicate));
  }

  private async importSources(
    sources: readonly ImportSource[],
    maps: ReadonlyArray<ReadonlyMap<string, string>>,
    options: ImportOptions,
    defaults: RowDefaults,
    onDuplicate: DuplicatePolicy,
  ): Promise<ImportResult> {
    const summary = new ProblemSummary();
    const rejectLog = new RejectLog(this.db.sqlite);
    const staged: StagedFile[] = [];
    try {
      for (const [index, source] of sources.entries()) {
        staged.push(await this.stage(source, index, maps[index]!, defaults, summary, rejectLog, options));
      }
      const dryRun = Boolean(options.dryRun);
      const stagedRows = staged.reduce((sum, { file }) => sum + file.rows - file.rejected, 0);
      const mode = options.audit ?? 'auto';
      const audit = mode !== 'auto' ? mode : stagedRows <= this.auditRowsLimit ? 'rows' : 'summary';
      const result = (): ImportResult => ({
        files: staged.map(({ file }) => file),
        dryRun,
        problems: summary.first.map(({ source: _source, ...problem }) => problem),
        problemCount: summary.count,
        audit,
      });
      const writeAll = () => {
        // Each customer's search document is rebuilt once, before the commit, not per row.
        deferSearchIndex(this.db.sqlite);
        for (const file of staged) this.writeStaged(file, onDuplicate, summary, rejectLog, options);
        if (summary.count > 0 && !options.skipInvalid) throw new ImportRejectedError(result());
        if (dryRun) throw new DryRunRollback();
      };
      try {
        if (audit === 'rows') writeTx(this.db, writeAll);
        // The summary is written in the same transaction as the rows: it commits or rolls back with them.
        else withSqliteErrors(() => writeWithAuditSummary(this.db, writeAll, () => importAuditSummary(staged.map(({ file }) => file))));
      } catch (error) {
        if (!(error instanceof DryRunRollback)) throw error;
      }
      if (!dryRun && options.rejects) await this.writeRejects(staged, rejectLog, options.rejects);
      return result();
    } finally {
      for (const { stage } of staged) stage.drop();
      rejectLog.drop();
    }
  }

  /** Phase 1: parse, map and validate one file into its staging table. No lock on the database. */
  private async stage(
    source: ImportSource,
    index: number,
    userMap: ReadonlyMap<string, string>,
    defaults: RowDefaults,
    summary: ProblemSummary,
    rejectLog: RejectLog,
    options: ImportOptions,
  ): Promise<StagedFile> {
    const { table, label } = source;
    const keepRaw = Boolean(options.rejects) && !options.dryRun;
    const badRecords: CsvRecordProblem[] = [];
    const parser = createCsvParser((problem) => badRecords.push(problem));
    const decoder = createDecoder(options.encoding);
    source.input.on('error', (error) => parser.destroy(error));
    decoder.on('error', (error) => parser.destroy(error));
    source.input.pipe(decoder).pipe(parser);
    let mapping: ColumnMapping | undefined;
    let reader: RowReader | undefined;
    let stage: StagingTable | undefined;
    const file: ImportFileResult = {
      table,
      label,
      headers: [],
      ignoredColumns: [],
      rows: 0,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      duplicates: 0,
      rejected: 0,
      extraValuesDropped: 0,
      companiesCreated: 0,
    };
    let batch: Array<{ line: number; values: SqlValue[]; raw: string | null }> = [];
    // csv-parse counts a CRLF inside quotes as two lines; people count one. Its count, less
    // the CRLFs of the records before, is the line people see.
    let quotedCrlfs = 0;
    let records = 0;
    const reportBadRecords = (upTo: number) => {
      while (badRecords.length > 0 && badRecords[0]!.records <= upTo) {
        const bad = badRecords.shift()!;
        const line = bad.lines - quotedCrlfs;
        if (!mapping) throw new ValidationError(`${label}, line ${line}: not valid CSV: ${bad.reason}`);
        const header = mapping.headers[bad.column];
        const problem = { column: header ? `${header} (column ${bad.column + 1})` : `column ${bad.column + 1}`, reason: bad.reason };
        file.rows++;
        file.rejected++;
        summary.add({ source: index, label, line, ...problem });
        rejectLog.add({ source: index, line, ...problem, raw: null });
      }
    };
    try {
      for await (const { record, info } of parser as AsyncIterable<{ record: CsvCell[]; info: RecordInfo }>) {
        reportBadRecords(records++);
        const breaks = lineBreaksIn(record);
        const line = info.lines - breaks.parsed - quotedCrlfs;
        quotedCrlfs += breaks.parsed - breaks.seen;
        if (!mapping) {
          const cells = record.filter((cell) => cell !== null && cell.trim() !== '');
          if (cells.length === 1 && !isKnownHeader(table, cells[0]!, userMap)) continue;
          mapping = mapColumns(table, record.map((cell) => cell ?? ''), userMap);
          assertUsableMapping(table, mapping);
          reader = new RowReader(table, mapping, table === 'customers' ? defaults : {});
          stage = new StagingTable(this.db.sqlite, table, ++stagingSerial);
          file.headers = [...mapping.headers];
          file.ignoredColumns = [...mapping.ignored];
          continue;
        }
        if (isBlankRecord(record)) continue;
        file.rows++;
        const raw = keepRaw ? JSON.stringify(record) : null;
        try {
          batch.push({ line, values: reader!.read(record), raw });
        } catch (error) {
          if (!(error instanceof RowError)) throw error;
          file.rejected++;
          summary.add({ source: index, label, line, ...error.problem });
          rejectLog.add({ source: index, line, ...error.problem, raw });
        }
        if (batch.length >= STAGE_BATCH) {
          stage!.append(batch);
          batch = [];
        }
        if (options.onProgress && file.rows % PROGRESS_EVERY === 0) {
          options.onProgress({ phase: 'read', label, done: info.bytes, total: source.size });
        }
      }
    } catch (error) {
      stage?.drop();
      const lines = (error as { lines?: number }).lines;
      if (error instanceof InvalidEncodingError) throw new ValidationError(`${label}: ${error.message}`);
      if (error instanceof Error && (error as { code?: string }).code?.startsWith('CSV_')) {
        throw new ValidationError(`${label}${lines ? `, line ${lines}` : ''}: not valid CSV: ${error.message.split('\n')[0]}`);
      }
      throw error;
    }
    reportBadRecords(Infinity);
    file.extraValuesDropped = reader?.droppedValues ?? 0;
    if (!mapping || !stage) throw new ValidationError(`${label} is empty: expected a header row`);
    stage.append(batch);
    options.onProgress?.({ phase: 'read', label, done: source.size ?? 0, total: source.size });
    return { source: index, file, mapping, stage };
  }

  /** Phase 2, inside the one write transaction: each staged row inserted, updated or left alone. */
  private writeStaged(
    staged: StagedFile,
    onDuplicate: DuplicatePolicy,
    summary: ProblemSummary,
    rejectLog: RejectLog,
    options: ImportOptions,
  ): void {
    const { file, mapping, stage, source } = staged;
    const table = file.table;
    const columns: readonly string[] = TABLE_COLUMNS[table];
    const present = new Set<string>(mapping.sources.keys());
    const namesCompanies = table === 'customers' && mapping.sources.has('company');
    if (table === 'customers') {
      present.add('name');
      if (options.status !== undefined) present.add('status');
      if (options.owner !== undefined) present.add('owner');
      if (options.source !== undefined) present.add('acquisition_source');
      if (namesCompanies) present.add('company_id');
    }
    const writer = new TableWriter(this.db.sqlite, table, present, !mapping.native);
    const emails = table === 'customers' ? new CustomerEmailLookup(this.db.sqlite) : undefined;
    const companyNames = namesCompanies ? new CompanyNames(this.db.sqlite) : undefined;
    const externalIds =
      table === 'customers' && mapping.externalSource !== undefined
        ? { source: mapping.externalSource, customers: new CustomerExternalIds(this.db.sqlite) }
        : undefined;
    const sameNames =
      table === 'products' || table === 'companies'
        ? this.db.sqlite.prepare(`SELECT id FROM ${table} WHERE crm_fold(name) = crm_fold(?) AND id IS NOT ? LIMIT 1`).pluck()
        : undefined;
    const now = nowIso(this.clock);
    const total = options.onProgress ? file.rows - file.rejected : undefined;
    // Restoring an export into a database without those ids: a few statements do it all.
    let resumeAfter = 0;
    let done = 0;
    // Not for companies named by name: each needs its lookup (and maybe its insert) first.
    if (table !== 'products' && !namesCompanies && stage.everyRowHasId()) {
      const { inserted, stoppedAfter } = writer.bulkInsert(stage, now);
      file.inserted += inserted;
      done = inserted;
      options.onProgress?.({ phase: 'write', label: file.label, done, total });
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
            ? this.writeCustomer(writer, emails!, row, nameGiven, onDuplicate, externalIds && { ...externalIds, id: externalId })
            : table === 'products'
              ? this.writeProduct(writer, sameNames!, row, onDuplicate)
              : table === 'companies'
                ? this.writeCompany(writer, sameNames!, row, onDuplicate)
                : table === 'customer_external_ids' || table === 'settings'
                  ? this.upsert(writer, row)
                  : table === 'customer_tags'
                    ? writer.insert(row) ? 'inserted' : 'unchanged'
                    : this.writeInteraction(writer, row, present);
        file[outcome]++;
      } catch (error) {
        if (!finalAttempt && isActiveProductLimit(error)) {
          refusedActivations.push({ line, raw, row });
          return;
        }
        const problem = rowProblemFromDatabase(error, table, row);
        file.rejected++;
        summary.add({ source, label: file.label, line, ...problem });
        rejectLog.add({ source, line, ...problem, raw });
      }
    };
    for (const { line, values, raw } of stage.rows(resumeAfter)) {
      const row: Record<string, SqlValue> = { now };
      columns.forEach((column, index) => (row[column] = values[index] ?? null));
      const extra = (offset: number) => (values[columns.length + offset] as string | null | undefined) ?? null;
      writeRow(line, raw, row, values[columns.length] === 1, extra(1), extra(2), table !== 'products');
      if (options.onProgress && ++done % PROGRESS_EVERY === 0) options.onProgress({ phase: 'write', label: file.label, done, total });
    }
    for (const { line, raw, row } of refusedActivations) writeRow(line, raw, row, true, null, null, true);
    file.companiesCreated = companyNames?.created ?? 0;
  }

  /** As a product, without the active limit: a row without id whose name exists is that company. */
  private writeCompany(
    writer: TableWriter,
    sameName: { get(name: unknown, id: unknown): unknown },
    row: Record<string, SqlValue>,
    onDuplicate: DuplicatePolicy,
  ): 'inserted' | 'updated' | 'unchanged' | 'duplicates' {
    const clash = sameName.get(row.name, row.id) as string | undefined;
    if (clash && row.id !== null) {
      throw new RowError({ column: 'name', reason: `a company named "${String(row.name)}" already exists (${shortId(clash)})` });
    }
    if (clash) {
      if (onDuplicate === 'skip') return 'duplicates';
      return writer.update({ ...row, id: clash }) ? 'updated' : 'unchanged';
    }
    return this.upsert(writer, { ...row, id: row.id ?? randomUUID() });
  }

  private writeProduct(
    writer: TableWriter,
    sameName: { get(name: unknown, id: unknown): unknown },
    row: Record<string, SqlValue>,
    onDuplicate: DuplicatePolicy,
  ): 'inserted' | 'updated' | 'unchanged' | 'duplicates' {
    const clash = sameName.get(row.name, row.id) as string | undefined;
    if (clash && row.id !== null) {
      throw new RowError({ column: 'name', reason: `a product named "${String(row.name)}" already exists (${shortId(clash)})` });
    }
    if (clash) {
      if (onDuplicate === 'skip') return 'duplicates';
      return writer.update({ ...row, id: clash }) ? 'updated' : 'unchanged';
    }
    // Checked before inserting: the limit trigger fires BEFORE INSERT, even for an id that
    // exists and would be left alone, so re-importing 3 active products was refused.
    if (row.id !== null && writer.get(row)) return writer.update(row) ? 'updated' : 'unchanged';
    return this.upsert(writer, { ...row, id: row.id ?? randomUUID() });
  }

  private writeCustomer(
    writer: TableWriter,
    emails: CustomerEmailLookup,
    row: Record<string, SqlValue>,
    nameGiven: boolean,
    onDuplicate: DuplicatePolicy,
    external?: { source: string; customers: CustomerExternalIds; id: string | null },
  ): 'inserted' | 'updated' | 'unchanged' | 'duplicates' {
    if (row.id !== null) return this.upsert(writer, row);
    // The tool's own id first: it finds a contact whose e-mail changed or who never had one.
    const key = external?.id ? { ...external, id: external.id } : undefined;
    const existing =
      (key && key.customers.find(key.source, key.id)) ??
      (typeof row.email === 'string' && row.email !== '' ? emails.find(row.email) : undefined);
    const link = (customerId: string) => key !== undefined && key.customers.link(key.source, key.id, customerId, row.now as string);
    if (existing === undefined) {
      const id = randomUUID();
      const outcome = this.upsert(writer, { ...row, id });
      link(id);
      return outcome;
    }
    if (onDuplicate === 'skip') return 'duplicates';
    // The e-mail or phone stood in for a missing name on insert; it must not rename anyone.
    const changed = writer.update({ ...row, id: existing, name: nameGiven ? row.name! : null });
    return link(existing) || changed ? 'updated' : 'unchanged';
  }

  private upsert(writer: TableWriter, row: Record<string, SqlValue>): 'inserted' | 'updated' | 'unchanged' {
    if (writer.insert(row)) return 'inserted';
    return writer.update(row) ? 'updated' : 'unchanged';
  }

  /** Interactions are an audit trail: an existing id must match exactly, never be changed. */
  private writeInteraction(writer: TableWriter, row: Record<string, SqlValue>, present: ReadonlySet<string>): 'inserted' | 'unchanged' {
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

  private async writeRejects(staged: readonly StagedFile[], rejectLog: RejectLog, open: (file: ImportFileResult) => Writable): Promise<void> {
    for (const { file, source } of staged) {
      if (file.rejected === 0) continue;
      const output = open(file);
      const stringifier = stringify(csvStringifyOptions());
      stringifier.pipe(output);
      stringifier.write([...file.headers, 'reason']);
      for (const reject of rejectLog.bySource(source)) {
        const cells = reject.raw === null ? [] : (JSON.parse(reject.raw) as CsvCell[]);
        const padded = file.headers.map((_, index) => cells[index] ?? null);
        if (!stringifier.write([...padded, `line ${reject.line}, ${reject.column}: ${reject.reason}`])) await once(stringifier, 'drain');
      }
      stringifier.end();
      await finished(output);
    }
  }

  private defaultsFrom(options: ImportOptions): RowDefaults {
    let status;
    if (options.status !== undefined) {
      status = normalizeStatus(options.status);
      if (!status) throw new UsageError(`invalid --status "${options.status}": use one of ${CUSTOMER_STATUSES.join(', ')}`);
    }
    return {
      status,
      owner: options.owner?.trim() || undefined,
      acquisition_source: options.source?.trim() || undefined,
      ownerForNewRows: options.ownerForNewRows?.trim() || undefined,
    };
  }
}

/** The one audit entry of an import audited in summary: which files, into which tables, with what counts. */
function importAuditSummary(files: readonly ImportFileResult[]): AuditSummary {
  return {
    table_name: [...new Set(files.map((file) => file.table))].join(','),
    action: 'import',
    details: {
      files: files.map(({ label, table, rows, inserted, updated, unchanged, duplicates, rejected }) => ({
        file: label,
        table,
        rows,
        inserted,
        updated,
        unchanged,
        duplicates,
        rejected,
      })),
    },
  };
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
 * Line breaks inside a record's quoted fields: `seen` as people count them (CRLF, LF and CR
 * each end one line), `parsed` as csv-parse does (CR and LF one each).
 */
function lineBreaksIn(record: readonly CsvCell[]): { seen: number; parsed: number } {
  let seen = 0;
  let parsed = 0;
  for (const cell of record) {
    if (cell === null || (cell.indexOf('\n') === -1 && cell.indexOf('\r') === -1)) continue;
    seen += cell.match(/\r\n|\n|\r/g)!.length;
    parsed += cell.match(/[\r\n]/g)!.length;
  }
  return { seen, parsed };
}
