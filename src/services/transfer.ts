import { stringify } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createCsvParser, csvStringifyOptions, type CsvCell, type CsvRecordProblem, type RecordInfo } from '../csv/codec.js';
import { TABLE_COLUMNS } from '../csv/columns.js';
import { losslessCsvText } from '../csv/lossless.js';
import { createDecoder, InvalidEncodingError, type InputEncoding } from '../csv/decode.js';
import { assertUsableMapping, isKnownHeader, mapColumns, parseMapOptions, type ColumnMapping } from '../csv/headers.js';
import { isBlankRecord, normalizeStatus, RowError, RowReader, type RowDefaults, type RowProblem, type SqlValue } from '../csv/rows.js';
import type { AuditSummary } from '../db/audit.js';
import { CrmError, UsageError, ValidationError } from '../domain/errors.js';
import { nowIso, type Clock } from '../domain/types.js';
import { CUSTOMER_STATUSES, type TableName } from '../domain/vocabulary.js';
import type { BulkImport, BulkRejects, BulkStage, BulkStagedFile, BulkTransfer, Store } from '../repositories/ports.js';
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
  stage: BulkStage;
}

/**
 * Thrown inside the write transaction to roll a dry run back after it has checked everything.
 * A CrmError, so that neither backend's error translation mistakes it for a database failure.
 */
class DryRunRollback extends CrmError {
  constructor() {
    super('dry run');
  }
}

/**
 * Export, import and backup. An import reads each file as a stream and stages its validated
 * rows in a scratch database (no lock held, memory flat), then writes everything in ONE
 * transaction, so a crash or kill at any moment leaves the old state or the new one.
 */
export class TransferService {
  private bulk: BulkTransfer | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** Largest import that `--audit auto` audits row by row (a parameter so tests stay small). */
    private readonly auditRowsLimit: number = AUDIT_ROWS_LIMIT,
  ) {}

  private async repository(): Promise<BulkTransfer> {
    this.bulk ??= await this.store.bulkTransfer();
    return this.bulk;
  }

  async export(targets: readonly ExportTarget[], options: ExportOptions = {}): Promise<Array<{ table: TableName; rows: number }>> {
    const repository = await this.repository();
    return repository.readSnapshot(async () => {
      const results: Array<{ table: TableName; rows: number }> = [];
      for (const target of targets) {
        results.push({ table: target.table, rows: await this.exportTable(repository, target, options) });
      }
      return results;
    });
  }

  /**
   * The lossless form is the engine's own when it has one (copyLosslessCsv: PostgreSQL's
   * COPY, SQLite's separated pages), else a page of rows is formatted into one string and
   * written as one chunk (a stream write per row spent most of the export waiting on the
   * event loop). --spreadsheet-safe goes through csv-stringify. Memory stays bounded by the
   * page, and backpressure from the output is honoured between pages.
   */
  private async exportTable(repository: BulkTransfer, { table, output }: ExportTarget, options: ExportOptions): Promise<number> {
    const total = options.onProgress ? await repository.count(table) : undefined;
    const csvOptions = csvStringifyOptions({ spreadsheetSafe: options.spreadsheetSafe });
    const format = options.spreadsheetSafe ? (rows: SqlValue[][]) => stringifySync(rows, { ...csvOptions, bom: false }) : losslessCsvText;
    // A closed pipe (`crm export customers | head`) surfaces here as an error, not a crash.
    let failure: Error | undefined;
    const onError = (error: Error) => (failure ??= error);
    output.on('error', onError);
    const write = async (text: string | Buffer) => {
      if (!output.write(text) && !failure) await once(output, 'drain');
      if (failure) throw failure;
    };
    const progress = (rows: number) => options.onProgress?.({ phase: 'export', label: table, done: rows, total });
    try {
      await write(stringifySync([[...TABLE_COLUMNS[table]]], csvOptions));
      let rows = 0;
      if (!options.spreadsheetSafe && repository.copyLosslessCsv) {
        rows = await repository.copyLosslessCsv(table, write, options.onProgress && progress);
        progress(rows);
        return rows;
      }
      for await (const page of repository.pages(table, EXPORT_BATCH)) {
        await write(format(page));
        rows += page.length;
        progress(rows);
      }
      progress(rows);
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
    const repository = await this.repository();
    if (audit === 'summary' && !repository.auditModes.includes('summary')) {
      throw new UsageError('--audit summary does not work on a PostgreSQL database: its server audits every row (use rows or auto)');
    }
    return repository.withImport((session) => this.importSources(session, repository, sources, maps, options, defaults, onDuplicate));
  }

  private async importSources(
    session: BulkImport,
    repository: BulkTransfer,
    sources: readonly ImportSource[],
    maps: ReadonlyArray<ReadonlyMap<string, string>>,
    options: ImportOptions,
    defaults: RowDefaults,
    onDuplicate: DuplicatePolicy,
  ): Promise<ImportResult> {
    const summary = new ProblemSummary();
    const rejectLog = session.rejects;
    const staged: StagedFile[] = [];
    try {
      for (const [index, source] of sources.entries()) {
        staged.push(await this.stage(session, source, index, maps[index]!, defaults, summary, rejectLog, options));
      }
      const dryRun = Boolean(options.dryRun);
      const stagedRows = staged.reduce((sum, { file }) => sum + file.rows - file.rejected, 0);
      const mode = options.audit ?? 'auto';
      const canSummarise = repository.auditModes.includes('summary');
      const audit = mode !== 'auto' ? mode : stagedRows <= this.auditRowsLimit || !canSummarise ? 'rows' : 'summary';
      const result = (): ImportResult => ({
        files: staged.map(({ file }) => file),
        dryRun,
        problems: summary.first.map(({ source: _source, ...problem }) => problem),
        problemCount: summary.count,
        audit,
      });
      const now = nowIso(this.clock);
      try {
        await session.write(
          staged.map((file) => this.bulkFile(file, options)),
          {
            onDuplicate,
            audit,
            now,
            summarize: () => importAuditSummary(staged.map(({ file }) => file)),
            reject: (source, line, problem, raw) => {
              summary.add({ source, label: staged[source]!.file.label, line, ...problem });
              rejectLog.add({ source, line, ...problem, raw });
            },
            finish: () => {
              if (summary.count > 0 && !options.skipInvalid) throw new ImportRejectedError(result());
              if (dryRun) throw new DryRunRollback();
            },
            onProgress: options.onProgress
              ? (file, done) => {
                  const { label, rows, rejected } = staged[file.source]!.file;
                  options.onProgress!({ phase: 'write', label, done, total: rows - rejected });
                }
              : undefined,
          },
        );
      } catch (error) {
        if (!(error instanceof DryRunRollback)) throw error;
      }
      if (!dryRun && options.rejects) await this.writeRejects(staged, rejectLog, options.rejects);
      return result();
    } finally {
      for (const { stage } of staged) await stage.drop();
    }
  }

  /** What the write phase needs of a staged file: which columns it sets, and where its counts go. */
  private bulkFile({ source, file, mapping, stage }: StagedFile, options: ImportOptions): BulkStagedFile {
    const table = file.table;
    const columns = new Set<string>(mapping.sources.keys());
    const namesCompanies = table === 'customers' && mapping.sources.has('company');
    if (table === 'customers') {
      columns.add('name');
      if (options.status !== undefined) columns.add('status');
      if (options.owner !== undefined) columns.add('owner');
      if (options.source !== undefined) columns.add('acquisition_source');
      if (namesCompanies) columns.add('company_id');
    }
    return {
      source,
      table,
      label: file.label,
      columns,
      namesCompanies,
      native: mapping.native,
      externalSource: table === 'customers' ? mapping.externalSource : undefined,
      stage,
      counts: file,
    };
  }

  /** Phase 1: parse, map and validate one file into its staging table. No lock on the database. */
  private async stage(
    session: BulkImport,
    source: ImportSource,
    index: number,
    userMap: ReadonlyMap<string, string>,
    defaults: RowDefaults,
    summary: ProblemSummary,
    rejectLog: BulkRejects,
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
    let stage: BulkStage | undefined;
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
          stage = await session.stage(table);
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
          await stage!.append(batch);
          batch = [];
        }
        if (options.onProgress && file.rows % PROGRESS_EVERY === 0) {
          options.onProgress({ phase: 'read', label, done: info.bytes, total: source.size });
        }
      }
    } catch (error) {
      await stage?.drop();
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
    await stage.append(batch);
    options.onProgress?.({ phase: 'read', label, done: source.size ?? 0, total: source.size });
    return { source: index, file, mapping, stage };
  }

  private async writeRejects(staged: readonly StagedFile[], rejectLog: BulkRejects, open: (file: ImportFileResult) => Writable): Promise<void> {
    for (const { file, source } of staged) {
      if (file.rejected === 0) continue;
      const output = open(file);
      const stringifier = stringify(csvStringifyOptions());
      stringifier.pipe(output);
      stringifier.write([...file.headers, 'reason']);
      for await (const reject of rejectLog.bySource(source)) {
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

