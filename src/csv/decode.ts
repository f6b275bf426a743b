import { Transform, type TransformCallback } from 'node:stream';
import { TextDecoder } from 'node:util';
import { UsageError, ValidationError } from '../domain/errors.js';

/**
 * Encodings an import reads. Excel writes "CSV" in the Windows code page (cp1252 in western
 * Europe and the Americas) and "Unicode text" in UTF-16; everything else writes UTF-8.
 */
export const INPUT_ENCODINGS = ['utf8', 'latin1', 'cp1252', 'utf16'] as const;
export type InputEncoding = (typeof INPUT_ENCODINGS)[number];

const ENCODING_ALIASES: Readonly<Record<string, InputEncoding>> = {
  utf8: 'utf8',
  latin1: 'latin1',
  iso88591: 'latin1',
  cp1252: 'cp1252',
  windows1252: 'cp1252',
  utf16: 'utf16',
};

export function parseEncoding(text: string): InputEncoding {
  const encoding = ENCODING_ALIASES[text.trim().toLowerCase().replace(/[^a-z0-9]/g, '')];
  if (!encoding) throw new UsageError(`unknown --encoding "${text}": use one of ${INPUT_ENCODINGS.join(', ')}`);
  return encoding;
}

/** Bytes that are not text in the file's encoding: the import stops before anything is written. */
export class InvalidEncodingError extends ValidationError {
  constructor(
    readonly line: number,
    encoding: InputEncoding,
  ) {
    super(
      encoding === 'utf8'
        ? `line ${line} is not valid UTF-8; if the file comes from Excel try --encoding cp1252`
        : `line ${line} is not valid ${encoding === 'utf16' ? 'UTF-16' : encoding}`,
    );
  }
}

const NEWLINE = 0x0a;

function countNewlines(bytes: Uint8Array, end = bytes.length): number {
  let count = 0;
  for (let at = bytes.indexOf(NEWLINE); at !== -1 && at < end; at = bytes.indexOf(NEWLINE, at + 1)) count++;
  return count;
}

/**
 * The bytes that feed csv-parse, always UTF-8. UTF-8 input is checked (TextDecoder with
 * `fatal`, so a Latin-1 `é` stops the import instead of becoming U+FFFD) and passed on as it
 * came; other encodings are decoded chunk by chunk. A UTF-16 byte order mark selects UTF-16
 * (little or big endian) whatever the option says, since no other encoding starts that way.
 */
export function createDecoder(encoding: InputEncoding = 'utf8'): Transform {
  let decoder: TextDecoder | undefined;
  let passThrough = false;
  let chosen = encoding;
  let linesBefore = 0;
  let head: Buffer | undefined;

  const start = (first: Buffer) => {
    const bom16 = first[0] === 0xff && first[1] === 0xfe ? 'utf-16le' : first[0] === 0xfe && first[1] === 0xff ? 'utf-16be' : undefined;
    if (bom16 && (encoding === 'utf8' || encoding === 'utf16')) {
      chosen = 'utf16';
      decoder = new TextDecoder(bom16, { fatal: true });
    } else if (encoding === 'utf16') {
      // Without a byte order mark, little endian: what Windows writes.
      decoder = new TextDecoder('utf-16le', { fatal: true });
    } else if (encoding === 'utf8') {
      decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
      passThrough = true;
    } else if (encoding === 'cp1252') {
      decoder = new TextDecoder('windows-1252');
    }
  };

  const convert = (chunk: Buffer, final: boolean): Buffer | string => {
    if (chosen === 'latin1') return chunk.toString('latin1');
    let text: string;
    try {
      text = decoder!.decode(chunk, { stream: !final });
    } catch {
      const line = passThrough ? linesBefore + countNewlines(chunk, firstInvalidUtf8(chunk)) + 1 : linesBefore + 1;
      throw new InvalidEncodingError(line, chosen);
    }
    linesBefore += passThrough ? countNewlines(chunk) : (text.match(/\n/g)?.length ?? 0);
    return passThrough ? chunk : text;
  };

  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      try {
        if (!decoder && chosen !== 'latin1') {
          head = head ? Buffer.concat([head, chunk]) : chunk;
          // Two bytes tell a UTF-16 byte order mark; a first chunk shorter than that waits.
          if (head.length < 2) return callback();
          chunk = head;
          head = undefined;
          start(chunk);
        }
        callback(null, convert(chunk, false));
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        if (!decoder && chosen !== 'latin1') start(head ?? Buffer.alloc(0));
        const rest = convert(head ?? Buffer.alloc(0), true);
        callback(null, rest.length > 0 ? rest : undefined);
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}

/**
 * Index of the first byte that cannot start or continue a UTF-8 sequence, to name its line;
 * the chunk length when a sequence is only cut off at the end.
 */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let at = 0;
  while (at < bytes.length) {
    const lead = bytes[at]!;
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead < 0x80) length = 1;
    else if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else return at;
    for (let next = 1; next < length; next++) {
      if (at + next >= bytes.length) return bytes.length;
      const byte = bytes[at + next]!;
      if (byte < (next === 1 ? low : 0x80) || byte > (next === 1 ? high : 0xbf)) return at;
    }
    at += length;
  }
  return bytes.length;
}
