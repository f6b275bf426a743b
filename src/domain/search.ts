/**
 * What `crm search` means by a match, in one place for both backends: the text is folded
 * (case, accents, and the letters that carry no separable accent), split into words at
 * anything that is not a letter or digit, and a search term matches a word it begins
 * (`quo` matches "quote"). The databases index text folded the same way (SQLite: FTS5's
 * unicode61 tokenizer with remove_diacritics after the letters below are spelled out,
 * drizzle/0012_tags_notes_search.sql; PostgreSQL: unaccent and the same split,
 * drizzle/pg/0006_tags_notes_search.sql), and snippets are cut here from the records, so
 * they read the same whichever database found the customer.
 */

/** Letters that do not decompose into a base letter and an accent, spelled as unaccent spells them. */
const SPELLED_OUT: Readonly<Record<string, string>> = {
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  ß: 'ss',
  ẞ: 'ss',
  æ: 'ae',
  œ: 'oe',
  ı: 'i',
  þ: 'th',
};
const SPELLED_OUT_PATTERN = new RegExp(`[${Object.keys(SPELLED_OUT).join('')}]`, 'g');
// Made on first use: V8 builds a Unicode property class when the literal is evaluated, ~1 ms
// of CPU for these two that every command loading this module (a list) would pay.
let marksPattern: RegExp | undefined;
let wordPattern: RegExp | undefined;
const MARKS = () => (marksPattern ??= /\p{M}+/gu);
const WORD = () => (wordPattern ??= /[\p{L}\p{N}\p{M}\p{Co}]+/gu);
const ASCII = /^[\x00-\x7f]*$/;

/** Lower case, no accents, special letters spelled out: the form a search compares. */
export function searchFold(text: string): string {
  // Most text is ASCII, which has nothing to decompose or spell out.
  if (ASCII.test(text)) return text.toLowerCase();
  return text
    .normalize('NFKD')
    .replace(MARKS(), '')
    .toLowerCase()
    .replace(SPELLED_OUT_PATTERN, (letter) => SPELLED_OUT[letter]!);
}

/**
 * The terms a search for these words looks for, each once: every word of letters and digits
 * in them, folded. `ada@example.com` is three terms, all of which must match.
 */
export function searchTerms(words: readonly string[]): string[] {
  const terms: string[] = [];
  for (const word of words) {
    for (const match of searchFold(word).matchAll(WORD())) {
      if (!terms.includes(match[0])) terms.push(match[0]);
    }
  }
  return terms;
}

/** A piece of text to show, and where in it the matched words are (start, end offsets). */
export interface Snippet {
  text: string;
  marks: Array<[number, number]>;
}

/** The words of `text` that a term begins, as offsets into `text`. */
export function matchedWords(text: string, terms: readonly string[]): Array<[number, number]> {
  const marks: Array<[number, number]> = [];
  for (const match of text.matchAll(WORD())) {
    const folded = searchFold(match[0]);
    if (terms.some((term) => folded.startsWith(term))) marks.push([match.index, match.index + match[0].length]);
  }
  return marks;
}

/** Characters of context a snippet keeps around the first match, each side at most. */
const CONTEXT = 40;

/**
 * The part of `text` around its first matched word (whole when short), on one line, with
 * every matched word in it marked; undefined when no word of `text` matches.
 */
export function snippet(text: string, terms: readonly string[]): Snippet | undefined {
  const flat = text.replace(/\s+/g, ' ').trim();
  const marks = matchedWords(flat, terms);
  if (marks.length === 0) return undefined;
  const [firstStart, firstEnd] = marks[0]!;
  let start = Math.max(0, firstStart - CONTEXT);
  let end = Math.min(flat.length, firstEnd + CONTEXT);
  // Cut at word boundaries, so no half word is shown at either end.
  if (start > 0) {
    const space = flat.indexOf(' ', start);
    start = space === -1 || space >= firstStart ? start : space + 1;
  }
  if (end < flat.length) {
    const space = flat.lastIndexOf(' ', end);
    end = space <= firstEnd ? end : space;
  }
  const prefix = start > 0 ? '…' : '';
  const suffix = end < flat.length ? '…' : '';
  const shift = prefix.length - start;
  return {
    text: `${prefix}${flat.slice(start, end)}${suffix}`,
    marks: marks.filter(([from, to]) => from >= start && to <= end).map(([from, to]) => [from + shift, to + shift]),
  };
}

/** The snippet's text with each marked word passed through `highlight`. */
export function renderSnippet(value: Snippet, highlight: (word: string) => string): string {
  let text = '';
  let at = 0;
  for (const [from, to] of value.marks) {
    text += value.text.slice(at, from) + highlight(value.text.slice(from, to));
    at = to;
  }
  return text + value.text.slice(at);
}
