import { ValidationError } from './errors.js';
import { foldCase } from './fold.js';

/** Longest tag, in characters (code points, as length() counts them in both schemas). */
export const MAX_TAG_LENGTH = 64;

/**
 * A comma separates tags wherever they are shown together (`customer show`, csv cells); a
 * control character (line break, tab) would break a table row or a TSV line.
 */
const FORBIDDEN = /[,\u0000-\u001f\u007f]/;

/**
 * A tag as it is stored: trimmed, 1 to MAX_TAG_LENGTH characters, no comma, no control
 * character. The same rules are CHECKs in both schemas, so a raw SQL write obeys them too.
 */
export function normalizeTag(input: string): string {
  const tag = input.trim();
  if (tag === '') throw new ValidationError('a tag cannot be empty');
  if (FORBIDDEN.test(tag)) throw new ValidationError(`invalid tag "${tag.replace(/[\u0000-\u001f\u007f]/g, '?')}": a tag cannot contain commas, line breaks or tabs`);
  if ([...tag].length > MAX_TAG_LENGTH) throw new ValidationError(`invalid tag "${tag}": at most ${MAX_TAG_LENGTH} characters`);
  return tag;
}

/** Two tags are the same tag when they are equal ignoring case, in any script. */
export function sameTag(a: string, b: string): boolean {
  return foldCase(a) === foldCase(b);
}

/** Normalised, each tag once (the first spelling given wins). */
export function normalizeTags(inputs: readonly string[]): string[] {
  const tags: string[] = [];
  for (const input of inputs) {
    const tag = normalizeTag(input);
    if (!tags.some((other) => sameTag(other, tag))) tags.push(tag);
  }
  return tags;
}
