import type Database from 'better-sqlite3';

/**
 * The SQLite side of `crm search`'s index (drizzle/0012_tags_notes_search.sql, rebuilt by 0014_search_window.sql): triggers keep
 * each customer's document current on every write, whoever makes it. A bulk writer (an
 * import, an archive move, a tag rename) defers that work instead: for its own transaction
 * the triggers only note which customers changed (customer_search_pending), and crm rebuilds
 * each of those documents once, before the commit, with a few set-based statements.
 */

const DOC_COLUMNS = 'customer_id, name, company, contact, tags, note, activity';

/**
 * Letters that keep no separable accent, which the tokenizer's remove_diacritics leaves alone,
 * spelled out as src/domain/search.ts folds them; in both cases, since replace() is exact.
 */
const SPELLED_OUT: ReadonlyArray<readonly [string, string]> = [
  ['ø', 'o'], ['Ø', 'O'], ['ł', 'l'], ['Ł', 'L'], ['đ', 'd'], ['Đ', 'D'], ['ð', 'd'], ['Ð', 'D'], ['ß', 'ss'],
  ['ẞ', 'SS'], ['æ', 'ae'], ['Æ', 'AE'], ['œ', 'oe'], ['Œ', 'OE'], ['ı', 'i'], ['þ', 'th'], ['Þ', 'TH'],
];
const spelledOut = (expression: string) =>
  SPELLED_OUT.reduce((sql, [letter, spelling]) => `replace(${sql}, '${letter}', '${spelling}')`, expression);
const PHONE_DIGITS = [' ', '-', '.', '(', ')', '+', '/'].reduce((sql, character) => `replace(${sql}, '${character}', '')`, 'c.phone');

/** A customer's interactions as its document holds them: each `type: note`, oldest row first, a line each. */
const ACTIVITY = `(SELECT ${spelledOut("group_concat(a.line, char(10))")} FROM (
      SELECT i.type || ': ' || i.note AS line FROM customer_interactions AS i WHERE i.customer_id = c.id ORDER BY i.rowid) AS a)`;

/**
 * What each customer's document holds (rowid and columns of customer_search), as the triggers
 * of drizzle/0014_search_window.sql write it: rebuilds insert this, and `crm db check`
 * compares the index with it, so a trigger that wrote anything else would be reported. The
 * interactions are in rowid order, the order they were logged in: a logged interaction's line
 * is appended to the document as it stands (the rebuild it replaces cost as much as all of
 * the customer's interactions), and the rebuilt document must read the same.
 */
export const SEARCH_DOCUMENT = `SELECT c.rowid AS doc_id, c.id AS customer_id, ${spelledOut('c.name')} AS name,
    (SELECT ${spelledOut('co.name')} FROM companies AS co WHERE co.id = c.company_id) AS company,
    coalesce(c.email, '') || ' ' || coalesce(c.phone, '') || coalesce(' ' || nullif(${PHONE_DIGITS}, c.phone), '') AS contact,
    (SELECT ${spelledOut("group_concat(t.tag, ', ')")} FROM customer_tags AS t WHERE t.customer_id = c.id) AS tags,
    ${spelledOut('c.note')} AS note,
    ${ACTIVITY} AS activity
  FROM customers AS c`;

/** The line a logged interaction adds to its customer's document (`row` is NEW in a trigger). */
export const activityLine = (row: string) => spelledOut(`${row}.type || ': ' || ${row}.note`);

const DEFER = 'UPDATE audit_context SET search_deferred = 1';
/** A seek to the first pending customer: nearly free when there is none, the usual case. */
const ANY_PENDING = 'SELECT 1 FROM customer_search_pending LIMIT 1';
/**
 * Only documents that exist: deleting an absent one still costs FTS5 a lookup, and most pending
 * customers are new. CROSS JOIN keeps the pending customers first: left to itself the planner
 * scanned the whole index for each flush (about 60 ms per batch of an archive move at 100,000
 * customers, a third of the move's time). Exported for the query-plan test.
 */
export const REMOVE_PENDING_DOCS = `DELETE FROM customer_search WHERE rowid IN (
    SELECT s.rowid FROM customer_search_pending AS p CROSS JOIN customers AS c ON c.id = p.customer_id
    CROSS JOIN customer_search AS s ON s.rowid = c.rowid)`;
const INSERT_PENDING_DOCS = `INSERT INTO customer_search (rowid, ${DOC_COLUMNS})
  ${SEARCH_DOCUMENT} WHERE c.id IN (SELECT customer_id FROM customer_search_pending)`;
const CLEAR_PENDING = 'DELETE FROM customer_search_pending';
const UNDEFER = 'UPDATE audit_context SET search_deferred = 0';

interface Statements {
  defer: Database.Statement;
  anyPending: Database.Statement;
  flush: Database.Statement[];
}

const prepared = new WeakMap<Database.Database, Statements | null>();

/** The statements, or null on a file from before migration 0012 (nothing to maintain). */
function statements(sqlite: Database.Database): Statements | null {
  let found = prepared.get(sqlite);
  if (found === undefined) {
    const hasIndex = sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'customer_search_pending'`).get();
    found = hasIndex
      ? {
          defer: sqlite.prepare(DEFER),
          anyPending: sqlite.prepare(ANY_PENDING),
          flush: [REMOVE_PENDING_DOCS, INSERT_PENDING_DOCS, CLEAR_PENDING, UNDEFER].map((text) => sqlite.prepare(text)),
        }
      : null;
    prepared.set(sqlite, found);
  }
  return found;
}

/**
 * Inside one of crm's write transactions (audit_context filled): until the commit, changed
 * customers are only noted. `flushSearchIndex` runs before every commit of crm, so the
 * documents are current by the time anyone else can read the file.
 */
export function deferSearchIndex(sqlite: Database.Database): void {
  const found = statements(sqlite);
  if (!found) return;
  if (found.defer.run().changes !== 1) throw new Error('the search index is deferred only inside a crm write transaction');
}

/** Rebuilds the documents of the customers a deferred write changed; runs inside the write transaction. */
export function flushSearchIndex(sqlite: Database.Database): void {
  const found = statements(sqlite);
  if (!found || found.anyPending.get() === undefined) return;
  for (const statement of found.flush) statement.run();
}

/**
 * Customers whose document differs from what SEARCH_DOCUMENT says it should hold, and
 * documents of no customer: what `crm db check` reports. Reads every document, so it costs
 * about as much as the index is large.
 */
export const SEARCH_INDEX_DRIFT = `WITH expected AS (${SEARCH_DOCUMENT}),
  indexed AS (SELECT rowid AS doc_id, ${DOC_COLUMNS} FROM customer_search),
  missing AS (SELECT * FROM expected EXCEPT SELECT * FROM indexed),
  extra AS (SELECT * FROM indexed EXCEPT SELECT * FROM expected)
  SELECT customer_id FROM missing UNION SELECT coalesce(customer_id, 'document ' || doc_id) FROM extra ORDER BY 1`;

/** A customer without its document at its rowid, or a document whose rowid names no such customer. */
const MISALIGNED = `SELECT EXISTS (SELECT 1 FROM customers AS c WHERE NOT EXISTS (
      SELECT 1 FROM customer_search AS s WHERE s.rowid = c.rowid AND s.customer_id = c.id))
  OR EXISTS (SELECT 1 FROM customer_search AS s WHERE NOT EXISTS (
      SELECT 1 FROM customers AS c WHERE c.rowid = s.rowid AND c.id = s.customer_id))`;

/**
 * After migrations: a table rebuild (drizzle-kit copies a table into a new one) gives the
 * customers new rowids and fires no trigger, which would leave every document under a rowid
 * that is no longer its customer's. Checked (one pass over the customers) and rebuilt whole if
 * so; a file from before migration 0012 has no index to check.
 */
export function realignSearchIndex(sqlite: Database.Database): boolean {
  if (!sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'customer_search'`).get()) return false;
  if (sqlite.prepare(MISALIGNED).pluck().get() === 0) return false;
  for (const statement of REBUILD_SEARCH_INDEX) sqlite.exec(statement);
  return true;
}

/** Every document rebuilt from the records (`crm db check` tells when this is needed). */
export const REBUILD_SEARCH_INDEX = [
  'DELETE FROM customer_search',
  `INSERT INTO customer_search (rowid, ${DOC_COLUMNS}) ${SEARCH_DOCUMENT}`,
];
