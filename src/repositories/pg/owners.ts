import { foldCase } from '../../db/connection.js';
import { DISTINCT_OWNERS } from './queries.js';
import type { PgSession } from './store.js';

/**
 * The owners stored in the team's customers that an `--owner` filter means, ignoring case in
 * any script as on SQLite (repositories/sqlite/owners.ts): the server folds ASCII only (or by
 * its locale), so the few distinct owners are folded here and the query filters on the exact
 * ones that match (`owner = ANY(...)`). The same as PgCustomerRepository's, for the reports.
 */
export async function ownersMatching(session: PgSession, owner: string): Promise<string[]> {
  const wanted = foldCase(owner);
  const rows = await session.query<{ owner: string }>(DISTINCT_OWNERS);
  return rows.map((row) => row.owner).filter((stored) => foldCase(stored) === wanted);
}
