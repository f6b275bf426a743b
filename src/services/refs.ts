import { AmbiguousRefError, NotFoundError } from '../domain/errors.js';
import { searchTerms } from '../domain/search.js';
import type { RefQuery } from '../repositories/ports.js';

export const MIN_ID_PREFIX = 4;
const CANDIDATE_LIMIT = 10;

/** What a repository offers to find records by ref; the repositories implement it as is. */
export interface RefSource<T extends { id: string; name: string }> {
  get(id: string): Promise<T | undefined>;
  findByIdPrefix(prefix: string, limit: number): Promise<T[]>;
  findByName(name: string): Promise<T[]>;
  /**
   * Records whose name has, for each term, a word it begins (terms folded for search), at most
   * `limit`: the last resort of a ref that matches nothing exactly, so `zola` names Émile Zola.
   */
  findByNameWords?(terms: readonly string[], limit: number): Promise<T[]>;
  /**
   * Every record the ref can mean, in one read instead of up to four: an id in `ids`, an id
   * starting with `prefix` (as typed or in either case; at most `limit` of those, by id), or a
   * name equal to `name` after folding. A server answers it in one round trip.
   */
  findByRef?(query: RefQuery, limit: number): Promise<T[]>;
}

/**
 * A ref is a full id, a unique id prefix of 4+ characters, or a case-insensitive exact
 * name that is unique. Prefix and name matches are pooled so that a ref that could mean
 * two different records is reported as ambiguous rather than silently picking one. When
 * none of those matches, a source that can also finds records by the words of their names,
 * ignoring case and accents (`zola`, `emile zo`); again only a unique one is taken.
 */
export async function resolveRef<T extends { id: string; name: string }>(
  kind: string,
  lookup: RefSource<T>,
  rawRef: string,
): Promise<T> {
  const ref = rawRef.trim();
  if (!ref) throw new NotFoundError(`no ${kind} given`);
  const prefix = ref.length >= MIN_ID_PREFIX ? ref : undefined;
  const matches = new Map<string, T>();
  if (lookup.findByRef) {
    const found = await lookup.findByRef({ ids: [ref, ref.toLowerCase()], prefix, name: ref }, CANDIDATE_LIMIT);
    const exact = found.find((row) => row.id === ref) ?? found.find((row) => row.id === ref.toLowerCase());
    if (exact) return exact;
    // As the separate reads pool them: id prefix matches first, then names, each by id.
    const byPrefix = (row: T) => prefix !== undefined && row.id.toLowerCase().startsWith(prefix.toLowerCase());
    const byId = (a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    for (const match of found.filter(byPrefix).sort(byId)) matches.set(match.id, match);
    for (const match of found.filter((row) => !byPrefix(row)).sort(byId)) matches.set(match.id, match);
  } else {
    const exact = (await lookup.get(ref)) ?? (await lookup.get(ref.toLowerCase()));
    if (exact) return exact;
    if (prefix !== undefined) {
      for (const match of await lookup.findByIdPrefix(prefix, CANDIDATE_LIMIT)) matches.set(match.id, match);
    }
    for (const match of await lookup.findByName(ref)) matches.set(match.id, match);
  }
  if (matches.size === 0 && lookup.findByNameWords) {
    const terms = searchTerms([ref]);
    if (terms.length > 0) for (const match of await lookup.findByNameWords(terms, CANDIDATE_LIMIT)) matches.set(match.id, match);
  }
  const candidates = [...matches.values()];
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length === 0) {
    // "1a1" was most likely meant as an id prefix, too short to be looked up as one.
    if (ref.length < MIN_ID_PREFIX && /^[0-9a-f-]+$/i.test(ref)) {
      throw new NotFoundError(`no ${kind} is named "${ref}", and an id prefix needs at least ${MIN_ID_PREFIX} characters`);
    }
    throw new NotFoundError(`no ${kind} matches "${ref}" (by id, id prefix or name)`);
  }
  throw new AmbiguousRefError(ref, candidates);
}
