/**
 * How many terminal columns text takes, and how to cut it to a width, in time linear in the
 * part of the text looked at. Not Intl.Segmenter: on Node 20 iterating its segments slows
 * down with the length of the string (84k characters took minutes), and not cli-table3's
 * strlen/truncate, which rescan the whole cell once per printed line or per removed character.
 *
 * A cluster here is what a terminal draws in one cell or two: a base character with the
 * combining marks, variation selectors, skin tones and zero-width-joined emoji that follow it.
 */

const ESC = 0x1b;
/** The colour codes paint.ts writes; they take no room. */
const SGR = /\u001b\[[0-9;]*m/y;
const ZWJ = 0x200d;
const VARIATION_SELECTOR_16 = 0xfe0f;
/**
 * The patterns with Unicode property classes are made on first use: V8 builds their character
 * sets when the literal is evaluated, ~0.5 ms of CPU that a list of plain ASCII (or no table
 * at all) never needs.
 */
let unicodeClasses: { emojiPresentation: RegExp; pictographic: RegExp; zeroWidth: RegExp } | undefined;
function classes(): NonNullable<typeof unicodeClasses> {
  unicodeClasses ??= {
    emojiPresentation: /\p{Emoji_Presentation}/u,
    pictographic: /\p{Extended_Pictographic}/u,
    /** Combining marks, format characters and the like: drawn on the cluster before them. */
    zeroWidth: /^[\p{M}\p{Cf}\p{Cc}]$/u,
  };
  return unicodeClasses;
}
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** East Asian Wide and Fullwidth ranges (as string-width 4, which cli-table3 used). */
const WIDE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x2329, 0x232a],
  [0x2e80, 0x303e],
  [0x3041, 0x3247],
  [0x3250, 0x4dbf],
  [0x4e00, 0xa4c6],
  [0xa960, 0xa97c],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6b],
  [0xff01, 0xff60],
  [0xffe0, 0xffe6],
  [0x1b000, 0x1b001],
  [0x1f200, 0x1f251],
  [0x20000, 0x3fffd],
];

function isWide(codePoint: number): boolean {
  for (const [low, high] of WIDE_RANGES) {
    if (codePoint < low) return false;
    if (codePoint <= high) return true;
  }
  return false;
}

function isRegionalIndicator(codePoint: number): boolean {
  return codePoint >= 0x1f1e6 && codePoint <= 0x1f1ff;
}

function isSkinTone(codePoint: number): boolean {
  return codePoint >= 0x1f3fb && codePoint <= 0x1f3ff;
}

function isTag(codePoint: number): boolean {
  return codePoint >= 0xe0020 && codePoint <= 0xe007f;
}

function charLength(codePoint: number): number {
  return codePoint > 0xffff ? 2 : 1;
}

function baseWidth(codePoint: number): number {
  if (codePoint < 0x20 || (codePoint >= 0x7f && codePoint < 0xa0)) return 0;
  if (codePoint < 0x7f) return 1;
  const char = String.fromCodePoint(codePoint);
  if (classes().zeroWidth.test(char)) return 0;
  if (classes().emojiPresentation.test(char) || isWide(codePoint)) return 2;
  return 1;
}

/** Where the cluster starting at `start` ends, and its width. */
function cluster(text: string, start: number): { end: number; width: number } {
  if (text.charCodeAt(start) === ESC) {
    SGR.lastIndex = start;
    if (SGR.test(text)) return { end: SGR.lastIndex, width: 0 };
  }
  const base = text.codePointAt(start)!;
  let end = start + charLength(base);
  let width = baseWidth(base);
  if (isRegionalIndicator(base) && end < text.length && isRegionalIndicator(text.codePointAt(end)!)) {
    return { end: end + 2, width: 2 };
  }
  while (end < text.length) {
    const next = text.codePointAt(end)!;
    if (next === ZWJ) {
      // The joined character is drawn in the same cell(s): consume it with the joiner.
      end += 1;
      if (end < text.length) end += charLength(text.codePointAt(end)!);
      continue;
    }
    if (next === VARIATION_SELECTOR_16) {
      if (width === 1 && classes().pictographic.test(String.fromCodePoint(base))) width = 2;
      end += 1;
      continue;
    }
    if (isSkinTone(next) || isTag(next) || (next >= 0x80 && classes().zeroWidth.test(String.fromCodePoint(next)) && next !== ESC)) {
      end += charLength(next);
      continue;
    }
    break;
  }
  return { end, width };
}

/** Columns `text` takes on a terminal; stops counting once past `cap`. */
export function displayWidth(text: string, cap = Infinity): number {
  if (PRINTABLE_ASCII.test(text)) return Math.min(text.length, cap === Infinity ? text.length : cap + 1);
  let width = 0;
  for (let index = 0; index < text.length && width <= cap; ) {
    const next = cluster(text, index);
    width += next.width;
    index = next.end;
  }
  return width;
}

export const ELLIPSIS = '…';

export interface Cut {
  /** The text, shortened to the width with an ellipsis when it did not fit. */
  text: string;
  /** Its width in columns. */
  width: number;
  cut: boolean;
}

/**
 * `text` cut to at most `width` columns, ending in "…" when anything was left out. With
 * `ellipsis` the "…" is added even when the text fits (the cell has more lines than shown).
 */
export function cutToWidth(text: string, width: number, ellipsis = false): Cut {
  const room = ellipsis ? width - 1 : width;
  const head = text.slice(0, Math.max(room, 0) + 1);
  if (PRINTABLE_ASCII.test(head)) {
    if (text.length <= room) return finish(text, text.length, ellipsis, width);
    const kept = text.slice(0, Math.max(width - 1, 0));
    return finish(kept, kept.length, true, width);
  }
  let used = 0;
  let coloured = false;
  // The longest prefix that still leaves a column for the ellipsis.
  let keepEnd = 0;
  let keepWidth = 0;
  for (let index = 0; index < text.length; ) {
    const next = cluster(text, index);
    if (next.width === 0 && text.charCodeAt(index) === ESC) coloured = true;
    if (used + next.width > room) {
      const kept = text.slice(0, keepEnd);
      return finish(kept, keepWidth, true, width, coloured ? '\u001b[0m' : '');
    }
    used += next.width;
    index = next.end;
    if (used <= width - 1) {
      keepEnd = index;
      keepWidth = used;
    }
  }
  return finish(text, used, ellipsis, width);
}

/** `reset` closes a colour that was cut off, so it does not bleed into the border. */
function finish(text: string, textWidth: number, ellipsis: boolean, width: number, reset = ''): Cut {
  if (!ellipsis) return { text, width: textWidth, cut: false };
  if (width <= 0) return { text: reset, width: 0, cut: true };
  return { text: `${text}${ELLIPSIS}${reset}`, width: textWidth + 1, cut: true };
}

/**
 * The first `maxLines` lines of `text` wrapped at `width` columns, on spaces where there are
 * some; the last line ends in "…" when text was left over. Looks at no more of the text than
 * those lines need.
 */
export function wrapToWidth(text: string, width: number, maxLines: number): { lines: string[]; cut: boolean } {
  const lines: string[] = [];
  let lineStart = 0;
  while (lines.length < maxLines) {
    const newline = text.indexOf('\n', lineStart);
    const paragraphEnd = newline === -1 ? text.length : newline;
    let start = lineStart;
    // One paragraph: break it into lines until it is used up or the line budget is.
    for (;;) {
      const { end, breakAt } = fillLine(text, start, paragraphEnd, width);
      lines.push(text.slice(start, end).trimEnd());
      start = breakAt;
      if (start >= paragraphEnd || lines.length >= maxLines) break;
    }
    const moreInParagraph = start < paragraphEnd;
    if (moreInParagraph || (lines.length >= maxLines && newline !== -1)) {
      const last = lines.length - 1;
      lines[last] = cutToWidth(lines[last]!, width, true).text;
      return { lines, cut: true };
    }
    if (newline === -1) break;
    lineStart = newline + 1;
  }
  return { lines, cut: false };
}

/** Where a line of at most `width` columns starting at `start` ends, and where the next begins. */
function fillLine(text: string, start: number, limit: number, width: number): { end: number; breakAt: number } {
  let used = 0;
  let lastSpace = -1;
  let index = start;
  while (index < limit) {
    const next = cluster(text, index);
    if (used + next.width > width) {
      if (text.charCodeAt(index) === 0x20) return { end: index, breakAt: skipSpaces(text, index, limit) };
      if (lastSpace > start) return { end: lastSpace, breakAt: skipSpaces(text, lastSpace, limit) };
      // A word longer than the line: cut inside it, but never before the first cluster.
      return index === start ? { end: next.end, breakAt: next.end } : { end: index, breakAt: index };
    }
    if (text.charCodeAt(index) === 0x20) lastSpace = index;
    used += next.width;
    index = next.end;
  }
  return { end: limit, breakAt: limit };
}

function skipSpaces(text: string, index: number, limit: number): number {
  while (index < limit && text.charCodeAt(index) === 0x20) index += 1;
  return index;
}
