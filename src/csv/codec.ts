import { parse, type CastingContext, type Options as ParseOptions, type Parser } from 'csv-parse';
import type { Options as StringifyOptions } from 'csv-stringify';

/**
 * How SQL values travel through CSV without loss:
 * - NULL is an empty unquoted field, an empty string is `""` (RFC 4180 allows both, and
 *   they are the only way to tell the two apart);
 * - booleans are written as their stored form, `1` / `0`, which the sqlite3 shell reads back
 *   unchanged; on import `true`/`false`/`yes`/`no` are accepted too;
 * - every other value is the stored text, byte for byte (timestamps stay ISO 8601 strings).
 */
export type CsvCell = string | null;

/** csv-parse options shared by every import: tolerant of what spreadsheets and other tools write. */
export function csvParseOptions(): ParseOptions {
  return {
    bom: true,
    info: true,
    // Preambles (LinkedIn's `Notes:`) and short rows are handled by the reader, which
    // reports a wrong field count as a bad row with its line number instead of aborting.
    relax_column_count: true,
    skip_empty_lines: true,
    // Mixed line endings happen when files are concatenated or edited on two systems.
    record_delimiter: ['\r\n', '\n', '\r'],
    cast: (value: string, context: CastingContext): CsvCell => (value === '' && !context.quoting ? null : value),
  };
}

/** What the reader needs to know about where a record ends. */
export interface RecordInfo {
  lines: number;
  empty_lines: number;
  bytes: number;
}

interface ParserInternals {
  info: RecordInfo & { records: number };
  state: { wasQuoting: boolean; record: unknown[] };
}

/**
 * A csv-parse stream with csvParseOptions(). csv-parse builds a context object of some
 * fifteen fields, three spreads deep, for every field it hands to `cast`. Measured on the
 * bench files (200,000 customers + 600,000 interactions, csv-parse 6): parsing took 52-62 s
 * of CPU with the stock builders and 4.7-5.7 s with these, about ten times less, and more
 * than the whole rest of the import. When the parser's internals are the ones this was
 * written against, they are replaced by builders of the few fields read here (and in
 * csv-parse's own error messages); otherwise the stock, slower ones stay.
 */
export function createCsvParser(onBadRecord?: (problem: CsvRecordProblem) => void): Parser {
  let parser: Parser | undefined = undefined;
  const parseOptions = csvParseOptions();
  if (onBadRecord) {
    // A quote inside an unquoted field (`5' 2" tall`) spoils one record, not the file:
    // csv-parse skips to the next record delimiter and the reader reports the row like any
    // other bad row. Other errors leave csv-parse inside a quoted field, where skipping would
    // glue the following rows together, so they still stop the import (thrown from on_skip).
    parseOptions.skip_records_with_error = true;
    parseOptions.on_skip = (error) => {
      if ((error as { code?: string } | undefined)?.code !== 'INVALID_OPENING_QUOTE') throw error;
      const { lines, records } = (parser as unknown as ParserInternals).info;
      onBadRecord({
        lines,
        records,
        column: Number((error as { column?: unknown }).column ?? 0),
        reason: 'a quote inside a field that does not start with one; quote the whole field and double the quote ("5\' 2"" tall")',
      });
    };
  }
  parser = parse(parseOptions);
  const api = (parser as unknown as { api?: Record<string, unknown> }).api;
  if (api && typeof api.__infoField === 'function' && typeof api.__infoRecord === 'function') {
    api.__infoRecord = fastInfoRecord;
    api.__infoField = fastInfoField;
  }
  return parser;
}

function fastInfoRecord(this: ParserInternals) {
  const { lines, empty_lines, bytes, records } = this.info;
  return { lines, empty_lines, bytes, records };
}

function fastInfoField(this: ParserInternals) {
  return { lines: this.info.lines, quoting: this.state.wasQuoting, column: this.state.record.length };
}

/** Whether createCsvParser could replace csv-parse's builders (test/csv.test.ts fails when it cannot). */
export function usesFastInfoBuilders(parser: Parser): boolean {
  const api = (parser as unknown as { api?: Record<string, unknown> }).api;
  return api?.__infoField === fastInfoField && api?.__infoRecord === fastInfoRecord;
}

/** A record with a stray quote, by csv-parse's line count and the records read before it. */
export interface CsvRecordProblem {
  lines: number;
  records: number;
  /** 0-based index of the field being read. */
  column: number;
  reason: string;
}


export interface StringifyChoice {
  /** Neutralise cells that spreadsheets would run as formulas (see csvStringifyOptions). */
  spreadsheetSafe?: boolean;
}

/**
 * The lossless form is the default because a backup must restore exactly. The spreadsheet
 * form prefixes `'` to cells starting with = + - @ tab or CR (OWASP CSV injection advice) and
 * starts with a UTF-8 BOM so Excel detects the encoding; it is for people, not for restore.
 */
export function csvStringifyOptions(choice: StringifyChoice = {}): StringifyOptions {
  return {
    record_delimiter: '\n',
    // Quote a value holding any CR or LF. With an explicit record_delimiter csv-stringify
    // otherwise quotes only values containing that delimiter, so a lone CR went out bare and
    // the import (which accepts CR line endings) split the row in two.
    quote_record_delimiter: true,
    bom: Boolean(choice.spreadsheetSafe),
    escape_formulas: Boolean(choice.spreadsheetSafe),
    // `""` for an empty string, while NULL stays an empty unquoted field. A pattern rather
    // than a `cast` function: csv-stringify's cast path made the whole export 40% slower.
    quoted_match: [/^$/],
  };
}

const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One record of the lossless form (csvStringifyOptions() without spreadsheetSafe), the same
 * bytes csv-stringify writes for it (test/csv.test.ts compares the two on awkward values),
 * without the record delimiter. Export writes millions of these: with csv-stringify's general
 * path (a cast and an options lookup per field) the 800k-row bench export took 18.5 s, with
 * this 3.8-4.8 s.
 * Undefined when a value is neither text, a number nor NULL (a BLOB from the sqlite3
 * shell): the caller leaves such rows to csv-stringify.
 */
export function losslessCsvRecord(values: readonly unknown[]): string | undefined {
  let record = '';
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (index > 0) record += ',';
    if (typeof value === 'string') {
      if (value === '') record += '""';
      else if (NEEDS_QUOTES.test(value)) record += `"${value.replaceAll('"', '""')}"`;
      else record += value;
    } else if (typeof value === 'number') {
      record += String(value);
    } else if (value !== null && value !== undefined) {
      return undefined;
    }
  }
  return record;
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'y', 't']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'n', 'f']);

/** `undefined` when the text is not a recognisable boolean. */
export function decodeBoolean(text: string): boolean | undefined {
  const word = text.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

/** Field ranges checked by the pattern itself: Date.parse per value cost more than the rest of the row. */
const ISO_TIMESTAMP =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?)?$/;

/** Timestamps are kept as written (so they round-trip), but must be ISO 8601 dates or date-times. */
export function isIsoTimestamp(text: string): boolean {
  return ISO_TIMESTAMP.test(text);
}
