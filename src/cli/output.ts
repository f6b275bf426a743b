import { stringify } from 'csv-stringify/sync';
import { UsageError } from '../domain/errors.js';
import { ReaderGoneError, type OutputWatch } from './closed-output.js';
import type { OutputStream } from './context.js';
import { paintFor, type Paint } from './paint.js';
import { renderTable } from './table.js';

export const FORMATS = ['table', 'json', 'csv', 'tsv'] as const;
export type Format = (typeof FORMATS)[number];

export interface Column<Row> {
  /** The data-model name: the header of csv and tsv, which scripts and imports read. */
  header: string;
  /** A friendlier header for the terminal table, when the data-model name reads poorly. */
  label?: string;
  /** Only in csv and tsv (an id, say, where the table shows the joined name). */
  machineOnly?: boolean;
  /** Value for machine formats (csv/tsv): full, unabbreviated. */
  value: (row: Row) => unknown;
  /** Value for the terminal table, when it should differ (short ids, colour). */
  display?: (row: Row, paint: Paint) => string;
  /** Long text (notes) wraps onto a few lines in the terminal table rather than being cut. */
  wrap?: boolean;
}

export interface ListOptions {
  /** Terminal table only: every cell in full, however wide the table gets. */
  wide?: boolean;
}

/** Table width when neither the terminal nor COLUMNS says. */
export const DEFAULT_TABLE_WIDTH = 80;

/** Columns a table may take: the terminal's width, else COLUMNS (as `ls` reads it), else 80. */
export function tableWidth(stdout: OutputStream, env: Record<string, string | undefined>): number {
  for (const candidate of [stdout.columns, Number(env.COLUMNS || undefined)]) {
    if (candidate !== undefined && Number.isInteger(candidate) && candidate > 0) return candidate;
  }
  return DEFAULT_TABLE_WIDTH;
}

export interface FormatOptions {
  json?: boolean;
  format?: string;
}

/** `--json` wins; then `--format`; then a table on a terminal and TSV through a pipe. */
export function chooseFormat(options: FormatOptions, stdoutIsTTY: boolean): Format {
  if (options.json) return 'json';
  if (options.format !== undefined) {
    const format = options.format.toLowerCase();
    if (!(FORMATS as readonly string[]).includes(format)) {
      throw new UsageError(`invalid format "${options.format}": use one of ${FORMATS.join(', ')}`);
    }
    return format as Format;
  }
  return stdoutIsTTY ? 'table' : 'tsv';
}

function plain(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return String(value);
}

/** TSV cannot quote, so the characters that would break a row are escaped as in `\t`, `\n`. */
function tsvCell(value: unknown): string {
  return plain(value).replace(/[\\\t\n\r]/g, (char) =>
    char === '\\' ? '\\\\' : char === '\t' ? '\\t' : char === '\n' ? '\\n' : '\\r',
  );
}

/** The one renderer: every command's data goes to stdout through here. */
export class Renderer {
  readonly paint: Paint;

  constructor(
    private readonly stdout: OutputStream,
    private readonly watch: OutputWatch,
    color: boolean,
    /** Columns a terminal table may take (see tableWidth). */
    private readonly width: number,
  ) {
    this.paint = paintFor(color);
  }

  line(text = ''): void {
    this.write(`${text}\n`);
  }

  /** Text as is: a format with line ends of its own (iCalendar's CRLF). */
  write(text: string): void {
    // Once the reader is known to be gone, stop rather than render the rest for no one.
    if (this.watch.readerGone) throw new ReaderGoneError();
    this.stdout.write(text);
  }

  json(value: unknown): void {
    this.line(JSON.stringify(value, null, 2));
  }

  /**
   * Rows in the chosen format. Only the terminal table is fitted to the width (cells cut with
   * "…", notes wrapped onto a few lines) unless `wide`; csv, tsv and json are always in full.
   */
  list<Row>(
    rows: readonly Row[],
    allColumns: ReadonlyArray<Column<Row>>,
    format: Format,
    jsonRows: () => unknown[],
    options: ListOptions = {},
  ): void {
    const columns = format === 'table' ? allColumns.filter((column) => !column.machineOnly) : allColumns;
    switch (format) {
      case 'json':
        this.json(jsonRows());
        return;
      case 'csv':
        this.write(
          stringify([columns.map((c) => c.header), ...rows.map((row) => columns.map((c) => plain(c.value(row))))]),
        );
        return;
      case 'tsv':
        this.line(columns.map((c) => c.header).join('\t'));
        for (const row of rows) this.line(columns.map((c) => tsvCell(c.value(row))).join('\t'));
        return;
      case 'table': {
        const lines = renderTable(
          columns.map((c) => ({ label: c.label ?? c.header, wrap: c.wrap })),
          rows.map((row) => columns.map((c) => (c.display ? c.display(row, this.paint) : plain(c.value(row))))),
          { width: options.wide ? undefined : this.width, paint: this.paint },
        );
        this.line(lines.join('\n'));
      }
    }
  }

  /**
   * Like `list`, for rows read as they are written (a report that may be large): csv, tsv
   * and json go out row by row, with output identical to `list`'s, so memory does not grow
   * with the rows. A terminal table needs every row for its column widths.
   */
  async stream<Row>(
    rows: AsyncIterable<Row>,
    allColumns: ReadonlyArray<Column<Row>>,
    format: Format,
    toJson: (row: Row) => unknown,
  ): Promise<void> {
    switch (format) {
      case 'table': {
        const all: Row[] = [];
        for await (const row of rows) all.push(row);
        this.list(all, allColumns, format, () => []);
        return;
      }
      case 'json': {
        let first = true;
        for await (const row of rows) {
          const item = JSON.stringify(toJson(row), null, 2).replace(/\n/g, '\n  ');
          this.write(`${first ? '[\n' : ',\n'}  ${item}`);
          first = false;
        }
        this.line(first ? '[]' : '\n]');
        return;
      }
      case 'csv':
        this.write(stringify([allColumns.map((c) => c.header)]));
        for await (const row of rows) this.write(stringify([allColumns.map((c) => plain(c.value(row)))]));
        return;
      case 'tsv':
        this.line(allColumns.map((c) => c.header).join('\t'));
        for await (const row of rows) this.line(allColumns.map((c) => tsvCell(c.value(row))).join('\t'));
    }
  }

  /**
   * One record as aligned `field  value` lines (a terminal view that also greps well); a value
   * of several lines (a note) continues under the first, indented.
   */
  record(fields: ReadonlyArray<[string, unknown]>): void {
    const width = Math.max(...fields.map(([label]) => label.length));
    const indent = `\n${' '.repeat(width + 2)}`;
    for (const [label, value] of fields) {
      this.line(`${this.paint.dim(label.padEnd(width))}  ${plain(value).replace(/\r?\n/g, indent)}`);
    }
  }
}
