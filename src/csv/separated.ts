/**
 * The lossless CSV form (losslessCsvRecord) made from a page of records that SQLite has
 * already joined into one UTF-8 buffer, so that export does not turn every value into a
 * JavaScript string and back (better-sqlite3 creating those strings, their garbage and their
 * re-encoding were most of an export's time; see SqliteBulkTransfer.copyLosslessCsv).
 *
 * The page form, one record after another, records ended by RECORD_SEPARATOR (the last one
 * may end with the page):
 *   key FIELD_SEPARATOR mask FIELD_SEPARATOR value FIELD_SEPARATOR value … value
 * - key: the record's rowid in decimal; keys must rise strictly (the page's order is checked,
 *   not assumed);
 * - mask: bit i set when value i is NULL (then the value is empty), in decimal;
 * - value: the stored text's bytes as they are, an integer in decimal.
 * Quoting is done here, as csv-stringify does it for the lossless options: a value holding
 * `"`, `,`, CR or LF is quoted with its quotes doubled, an empty string is `""`, NULL is an
 * empty unquoted field.
 *
 * Values may hold the separators themselves, and nothing in SQL cheaply rules that out, so the
 * page's shape is checked instead: every record must have exactly `columns` values and a
 * valid key and mask, and the page exactly `records` records (a separator inside a value adds
 * a value or a record, so it cannot go unnoticed). Any doubt gives undefined, and the caller
 * formats that page from its values instead.
 */
export const FIELD_SEPARATOR = 0x1f;
export const RECORD_SEPARATOR = 0x1e;

const QUOTE = 0x22;
const COMMA = 0x2c;
const NEWLINE = 0x0a;

/** Byte classes: 1 makes a value need quotes, 2 ends a value, 3 ends a record. */
const BYTE_CLASS = new Uint8Array(256);
BYTE_CLASS[QUOTE] = 1;
BYTE_CLASS[COMMA] = 1;
BYTE_CLASS[0x0d] = 1;
BYTE_CLASS[NEWLINE] = 1;
BYTE_CLASS[FIELD_SEPARATOR] = 2;
BYTE_CLASS[RECORD_SEPARATOR] = 3;

/** Below this length a value is copied byte by byte: a native copy per short value costs more. */
const NATIVE_COPY_FROM = 48;

/** The widest record a mask can describe: JavaScript's bit operators work on 32 bits. */
export const MAX_SEPARATED_COLUMNS = 30;

/**
 * The page's records in the lossless CSV form, each ended by `\n`, or undefined when the page
 * is not exactly `records` well-formed records of `columns` values.
 */
export function separatedToCsv(page: Uint8Array, columns: number, records: number): Buffer | undefined {
  if (columns < 1 || columns > MAX_SEPARATED_COLUMNS) return undefined;
  const length = page.length;
  // Worst case: every byte a doubled quote, every value quoted or `""`, and a newline per record.
  const out = Buffer.allocUnsafe(2 * length + records * (2 * columns + 1));
  let read = 0;
  let written = 0;
  let seen = 0;
  let previousKey = -1;
  while (read < length) {
    if (++seen > records) return undefined;
    let key = 0;
    let digits = 0;
    for (; read < length && page[read] !== FIELD_SEPARATOR; read++, digits++) {
      const digit = page[read]! - 0x30;
      if (digit < 0 || digit > 9) return undefined;
      key = key * 10 + digit;
    }
    if (digits === 0 || read === length || key <= previousKey || !Number.isSafeInteger(key)) return undefined;
    previousKey = key;
    read++;
    let mask = 0;
    digits = 0;
    for (; read < length && page[read] !== FIELD_SEPARATOR; read++, digits++) {
      const digit = page[read]! - 0x30;
      if (digit < 0 || digit > 9) return undefined;
      mask = mask * 10 + digit;
    }
    if (digits === 0 || read === length || mask >= 2 ** columns) return undefined;
    read++;
    for (let column = 0; column < columns; column++) {
      if (column > 0) out[written++] = COMMA;
      const start = read;
      let quoted = false;
      for (; read < length; read++) {
        const kind = BYTE_CLASS[page[read]!];
        if (kind === 0) continue;
        if (kind === 1) quoted = true;
        else break;
      }
      const end = read;
      const ended = read === length ? 3 : BYTE_CLASS[page[read]!];
      if (ended !== (column < columns - 1 ? 2 : 3)) return undefined;
      read++;
      if (start === end) {
        if ((mask & (1 << column)) === 0) {
          out[written++] = QUOTE;
          out[written++] = QUOTE;
        }
      } else {
        // A NULL holds no bytes: a mask bit on a non-empty value means the page is not what it seems.
        if ((mask & (1 << column)) !== 0) return undefined;
        if (quoted) {
          out[written++] = QUOTE;
          for (let index = start; index < end; index++) {
            const byte = page[index]!;
            out[written++] = byte;
            if (byte === QUOTE) out[written++] = QUOTE;
          }
          out[written++] = QUOTE;
        } else if (end - start >= NATIVE_COPY_FROM) {
          out.set(page.subarray(start, end), written);
          written += end - start;
        } else {
          for (let index = start; index < end; index++) out[written++] = page[index]!;
        }
      }
    }
    out[written++] = NEWLINE;
  }
  if (seen !== records) return undefined;
  return out.subarray(0, written);
}
