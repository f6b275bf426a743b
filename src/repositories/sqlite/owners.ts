import type Database from 'better-sqlite3';
import { foldCase } from '../../db/connection.js';
import { DISTINCT_OWNERS } from './queries.js';

/**
 * The owners stored in the file that an `--owner` filter means (case-insensitive in any
 * script), as the JSON array bound to `@owners` in the SQL of repositories/queries.ts.
 */
export function ownersMatching(sqlite: Database.Database, owner: string): string {
  const wanted = foldCase(owner);
  const owners = sqlite.prepare(DISTINCT_OWNERS).pluck().all() as string[];
  return JSON.stringify(owners.filter((stored) => foldCase(stored) === wanted));
}
