import type { PgSession } from './store.js';

let cursors = 0;

/** Rows fetched per round trip: few enough to keep memory flat, enough to amortise the trip. */
export const CURSOR_BATCH = 500;

/**
 * The rows of a query, fetched in batches through a server-side cursor as the caller
 * iterates, so memory does not grow with the result. A cursor lives in a transaction: the
 * store's open one, or else a READ ONLY one of its own, ended with the iteration (also when
 * the caller stops early). The session runs no other statement until then.
 */
export async function* streamRows<R extends object>(
  session: PgSession,
  text: string,
  values: readonly unknown[] = [],
  batch = CURSOR_BATCH,
): AsyncGenerator<R, void, undefined> {
  cursors += 1;
  const name = `crm_cursor_${cursors}`;
  const ownTransaction = !session.inTransaction();
  if (ownTransaction) await session.query('BEGIN READ ONLY');
  let finished = false;
  try {
    await session.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${text}`, values);
    for (;;) {
      const rows = await session.query<R>(`FETCH ${batch} FROM ${name}`);
      for (const row of rows) yield row;
      if (rows.length < batch) break;
    }
    finished = true;
  } finally {
    // After a failure the transaction is aborted: CLOSE would fail too, ROLLBACK ends it.
    if (ownTransaction) await session.query(finished ? 'COMMIT' : 'ROLLBACK').catch(() => undefined);
    else await session.query(`CLOSE ${name}`).catch(() => undefined);
  }
}
