import { CUSTOMER_STATUSES } from '../../domain/vocabulary.js';
import type { ArchivedScope, CustomerSort } from '../ports.js';

/**
 * The SQL of the daily reads, written out so that each one follows an index
 * (drizzle/0009_query_indexes.sql) and so that test/query-plans.test.ts runs EXPLAIN QUERY
 * PLAN on the very text the repositories prepare. Parameters are named (@name).
 */


// Named with AS: the ORDER BY of a UNION ALL can name only result columns.
const CUSTOMER_COLUMNS = ['id', 'name', 'email', 'phone', 'product_id', 'status', 'acquisition_source', 'owner', 'is_archived', 'created_at', 'updated_at', 'company_id', 'deal_value_minor', 'deal_currency', 'closed_at', 'note']
  .map((column) => `c.${column} AS ${column}`)
  .join(', ');
const WITH_PRODUCT_NAME = `${CUSTOMER_COLUMNS}, p.name AS product_name`;
const PRODUCT_JOIN = 'LEFT JOIN products AS p ON p.id = c.product_id';

/**
 * Pipeline order of statuses, literally: the same expression as customers_status_rank_idx,
 * which SQLite uses only for an identical expression (bound parameters would not match).
 */
export const STATUS_RANK = `(CASE c.status ${CUSTOMER_STATUSES.map((status, rank) => `WHEN '${status}' THEN ${rank}`).join(' ')} END)`;

/**
 * A range on the primary key: `LIKE 'abcd%'` cannot use it. U+10FFFF sorts after every
 * character that can follow the prefix (ids compare as UTF-8 bytes).
 */
export const CUSTOMERS_BY_ID_RANGE = `SELECT ${CUSTOMER_COLUMNS} FROM customers AS c
  WHERE c.id >= @prefix AND c.id < @prefix || char(1114111) ORDER BY c.id LIMIT @limit`;

/**
 * Folded names come from customer_name_folds; names written since crm last wrote (by the
 * sqlite3 shell, say) have no fold yet and are folded here, found by a seek to the NULLs.
 */
export const CUSTOMERS_BY_NAME = `SELECT ${CUSTOMER_COLUMNS} FROM customer_name_folds AS f JOIN customers AS c ON c.id = f.customer_id
  WHERE f.name_fold = @fold
  UNION ALL
  SELECT ${CUSTOMER_COLUMNS} FROM customer_name_folds AS f JOIN customers AS c ON c.id = f.customer_id
  WHERE f.name_fold IS NULL AND crm_fold(c.name) = @fold`;

/** A range on the folded names' index; names folded by no crm write yet (raw SQL) are not offered. */
/**
 * Shell completion: the first @limit distinct folded names from @fold on, each one seek on
 * customer_name_folds_fold_idx (a skip scan), and for each one customer's spelling, the first
 * in the index. Names that differ only in case are one candidate: a ref by name matches them
 * all alike. Reading every match instead (DISTINCT, then ORDER BY) read 47,000 rows for "Ad"
 * on a million customers.
 */
export const CUSTOMER_NAMES_STARTING_WITH = `WITH RECURSIVE folds(fold, n) AS (
    SELECT (SELECT min(name_fold) FROM customer_name_folds WHERE name_fold >= @fold AND name_fold < @fold || char(1114111)), 1
    UNION ALL
    SELECT (SELECT min(name_fold) FROM customer_name_folds WHERE name_fold > folds.fold AND name_fold < @fold || char(1114111)), n + 1
    FROM folds WHERE folds.fold IS NOT NULL AND n < @limit)
  SELECT (SELECT c.name FROM customer_name_folds AS f CROSS JOIN customers AS c ON c.id = f.customer_id WHERE f.name_fold = folds.fold LIMIT 1) AS name
  FROM folds WHERE folds.fold IS NOT NULL ORDER BY folds.fold`;

export const CUSTOMER_WITH_PRODUCT = `SELECT ${WITH_PRODUCT_NAME} FROM customers AS c ${PRODUCT_JOIN} WHERE c.id = @id`;

/**
 * Each distinct owner once, by one seek per owner on customers_owner_idx (a skip scan):
 * the repositories fold these few values in JavaScript and filter on the exact ones that
 * match (`@owners`), so no query folds an owner per row.
 */
export const DISTINCT_OWNERS = `WITH RECURSIVE owners(owner) AS (
    SELECT min(owner) FROM customers
    UNION ALL
    SELECT (SELECT min(c.owner) FROM customers AS c WHERE c.owner > owners.owner) FROM owners WHERE owners.owner IS NOT NULL)
  SELECT owner FROM owners WHERE owner IS NOT NULL`;

/** `+`: the owner's index would fetch every customer of that owner from the table. */
const OWNER_MATCHES = '+c.owner IN (SELECT value FROM json_each(@owners))';

/** Which filters a list or count has; each combination is one SQL text. */
export interface CustomerFilterShape {
  archived: ArchivedScope;
  status?: boolean;
  product?: boolean;
  owner?: boolean;
  /** How many tags the customers must all have (`@tag0`, `@tag1`...: each a JSON array of spellings). */
  tags?: number;
}

/**
 * The customers with tag number `index`, through customer_tags_tag_idx: a tag is usually
 * carried by few customers, so SQLite may start from them (and sort the few) rather than walk
 * every customer in the list's order.
 */
const hasTag = (index: number) =>
  `c.id IN (SELECT t.customer_id FROM customer_tags AS t WHERE t.tag IN (SELECT value FROM json_each(@tag${index})))`;

/**
 * Filters other than the archived flag are written `+column`, which keeps SQLite from
 * picking their index: none of them is selective (6 statuses, 3 products, a few owners), and
 * walking the sort's index until the page is full beats sorting every match.
 */
function listConditions(shape: CustomerFilterShape, archived: 0 | 1): string {
  const conditions = [`c.is_archived = ${archived}`];
  if (shape.status) conditions.push('+c.status = @status');
  if (shape.product) conditions.push('+c.product_id = @productId');
  if (shape.owner) conditions.push(OWNER_MATCHES);
  for (let index = 0; index < (shape.tags ?? 0); index++) conditions.push(hasTag(index));
  return conditions.join(' AND ');
}

/** Newest first by default; id breaks ties so pages never overlap. */
const ORDER: Record<CustomerSort, { prefixed: string; bare: string }> = {
  created: { prefixed: 'c.created_at DESC, c.id DESC', bare: 'created_at DESC, id DESC' },
  updated: { prefixed: 'c.updated_at DESC, c.id DESC', bare: 'updated_at DESC, id DESC' },
  // People expect "bob" between "Ada" and "Cy", not after every capitalised name.
  name: { prefixed: 'c.name COLLATE NOCASE, c.id', bare: 'name COLLATE NOCASE, id' },
  status: { prefixed: `${STATUS_RANK}, c.created_at DESC, c.id DESC`, bare: 'status_rank, created_at DESC, id DESC' },
};

/**
 * One page (@limit, @offset) of a customer list. Both archived and active customers: two
 * walks of the sort's index, merged (SQLite's MERGE of a UNION ALL), not a sort of everyone.
 */
export function customerListSql(shape: CustomerFilterShape, sort: CustomerSort): string {
  const rank = sort === 'status' ? `, ${STATUS_RANK} AS status_rank` : '';
  const arm = (archived: 0 | 1) =>
    `SELECT ${WITH_PRODUCT_NAME}${rank} FROM customers AS c ${PRODUCT_JOIN} WHERE ${listConditions(shape, archived)}`;
  if (shape.archived !== 'include') {
    return `${arm(shape.archived === 'only' ? 1 : 0)} ORDER BY ${ORDER[sort].prefixed} LIMIT @limit OFFSET @offset`;
  }
  return `${arm(0)} UNION ALL ${arm(1)} ORDER BY ${ORDER[sort].bare} LIMIT @limit OFFSET @offset`;
}

/** `+`: the key's index would be walked once per matching owner for a table of a few rows. */
const COUNTED_OWNER_MATCHES = '+k.owner IN (SELECT value FROM json_each(@owners))';

/**
 * How many customers match, as a sum over customer_counts (drizzle/0010): every filter a
 * count takes is a column of its key, so this reads a few rows whatever the customers.
 */
export function customerCountSql(shape: CustomerFilterShape): string {
  // Tags are not a column of customer_counts: those customers are counted one by one.
  if (shape.tags) {
    const arms = (shape.archived === 'include' ? [0, 1] : [shape.archived === 'only' ? 1 : 0]) as Array<0 | 1>;
    return `SELECT ${arms.map((archived) => `(SELECT count(*) FROM customers AS c WHERE ${listConditions(shape, archived)})`).join(' + ')} AS n`;
  }
  const conditions: string[] = [];
  if (shape.archived !== 'include') conditions.push(`k.is_archived = ${shape.archived === 'only' ? 1 : 0}`);
  else conditions.push('k.is_archived IN (0, 1)');
  if (shape.status) conditions.push('k.status = @status');
  if (shape.product) conditions.push('k.product_id = @productId');
  if (shape.owner) conditions.push(COUNTED_OWNER_MATCHES);
  return `SELECT coalesce(sum(k.n), 0) AS n FROM customer_counts AS k WHERE ${conditions.join(' AND ')}`;
}

/**
 * `column` folded as foldCase (crm_fold), where ASCII text, whose fold is SQLite's lower(),
 * is folded without a call into JavaScript: the name index walk of a search checks thousands
 * of rows for a rare word, and those calls were most of its time.
 */
const FOLDED = (column: string) =>
  `(CASE WHEN ${column} IS NULL OR length(CAST(${column} AS BLOB)) = length(${column}) THEN lower(${column}) ELSE crm_fold(${column}) END)`;

/**
 * Customers not archived whose name, email or phone contains @fold (already folded), in
 * name order: the name index is walked and the walk stops once the page is full.
 */
export const CUSTOMER_SEARCH = `SELECT ${WITH_PRODUCT_NAME} FROM customers AS c ${PRODUCT_JOIN}
  WHERE c.is_archived = 0
    AND (instr(${FOLDED('c.name')}, @fold) > 0 OR instr(${FOLDED('c.email')}, @fold) > 0 OR instr(${FOLDED('c.phone')}, @fold) > 0)
  ORDER BY c.name COLLATE NOCASE, c.id LIMIT @limit OFFSET @offset`;

/** bm25's weight per column of customer_search: customer_id (unindexed), name, company, contact, tags, note, activity. */
const SEARCH_WEIGHTS = '0.0, 10.0, 8.0, 4.0, 6.0, 2.0, 1.0';

/**
 * The window of `crm search` over customer_search (drizzle/0014): the @window newest documents
 * matching @query (FTS5 walks the index newest first and stops there), each with its bm25
 * score under the column weights above. Only the rowids: reading a document's own columns
 * (customer_id) costs a lookup per document, which the few customers shown pay instead
 * (SEARCH_CUSTOMER).
 */
export const SEARCH_WINDOW = `SELECT rowid, bm25(customer_search, ${SEARCH_WEIGHTS}) AS score
  FROM customer_search WHERE customer_search MATCH @query ORDER BY rowid DESC LIMIT @window`;

/**
 * One customer of the window, read by its document's rowid (its own rowid), with the id its
 * document names: a document whose rowid no longer is its customer's (a table rebuild that
 * realignSearchIndex has not seen) is not shown as someone else.
 */
export const SEARCH_CUSTOMER = `SELECT ${WITH_PRODUCT_NAME}, (SELECT s.customer_id FROM customer_search AS s WHERE s.rowid = c.rowid) AS document_of
  FROM customers AS c ${PRODUCT_JOIN} WHERE c.rowid = ?`;

/** Customers whose name has the words of @query (an FTS5 query on the name column), for refs. */
export const CUSTOMERS_NAMED_WITH = `SELECT ${CUSTOMER_COLUMNS} FROM customer_search AS s
    CROSS JOIN customers AS c ON c.rowid = s.rowid
    WHERE customer_search MATCH @query AND c.id = s.customer_id LIMIT @limit`;

/** Customers not archived per status, summed over customer_counts (drizzle/0010). */
export function pipelineSql(shape: { product?: boolean; owner?: boolean }): string {
  const conditions = ['k.is_archived = 0'];
  if (shape.product) conditions.push('k.product_id = @productId');
  if (shape.owner) conditions.push(COUNTED_OWNER_MATCHES);
  return `SELECT k.status AS status, sum(k.n) AS n FROM customer_counts AS k WHERE ${conditions.join(' AND ')} GROUP BY k.status`;
}

/** Deal values of customers not archived per status and currency, summed over customer_values (drizzle/0011). */
export function pipelineValuesSql(shape: { product?: boolean; owner?: boolean }): string {
  const conditions = ['k.is_archived = 0'];
  if (shape.product) conditions.push('k.product_id = @productId');
  if (shape.owner) conditions.push(COUNTED_OWNER_MATCHES);
  return `SELECT k.status AS status, k.deal_currency AS currency, sum(k.n) AS n, sum(k.total_minor) AS total_minor
    FROM customer_values AS k WHERE ${conditions.join(' AND ')} GROUP BY k.status, k.deal_currency`;
}

/**
 * Won customers (not archived) closed at or after @since, per currency: a range of
 * customers_won_idx, which holds every column read here (the same expression and conditions
 * as its definition in drizzle/0011, which SQLite needs literally to use a partial index).
 */
export function wonSinceSql(shape: { product?: boolean; owner?: boolean }): string {
  const conditions = [`c.status = 'closed_won'`, 'c.is_archived = 0', 'coalesce(c.closed_at, c.updated_at) >= @since'];
  // `+`: the product's index would fetch every customer of that product from the table.
  if (shape.product) conditions.push('+c.product_id = @productId');
  if (shape.owner) conditions.push(OWNER_MATCHES);
  return `SELECT c.deal_currency AS currency, count(*) AS n, sum(c.deal_value_minor) AS total_minor
    FROM customers AS c WHERE ${conditions.join(' AND ')} GROUP BY c.deal_currency`;
}

/**
 * Pending follow-ups, soonest first: customer_activity holds each customer's latest
 * interaction's follow-up date and the customer's archived flag and owner (kept by triggers,
 * drizzle/0009 and 0015), so this walks customer_activity_pending_idx and stops at @scanEnd,
 * seeking only the customers and interactions it returns. Ties on the date are ordered by
 * name (a small sort per date). CROSS JOIN is SQLite's way to fix the join order: otherwise
 * it may start from the customers and read every one of them.
 */
export function followUpsSql(shape: { due?: boolean; owner?: boolean }): string {
  return `SELECT i.id AS interaction_id, c.id AS customer_id, c.name AS customer_name, c.email, c.phone, c.owner, c.status,
      i.type, i.channel, i.note, a.follow_up_date, i.created_at
    FROM customer_activity AS a
    CROSS JOIN customers AS c ON c.id = a.customer_id
    CROSS JOIN customer_interactions AS i ON i.id = a.last_interaction_id
    WHERE ${pendingConditions(shape)}
    ORDER BY a.follow_up_date, c.name, c.id`;
}

/** The pending follow-ups of customers not archived (of @owners): the terms customer_activity_pending_idx is defined with (SQLite uses a partial index only for a query that states its WHERE). */
function pendingBase(shape: { owner?: boolean }): string {
  const conditions = ['a.follow_up_date IS NOT NULL', 'a.is_archived = 0'];
  // `+`: the owner is read from the index entry, not sought (no index leads with it).
  if (shape.owner) conditions.push('+a.owner IN (SELECT value FROM json_each(@owners))');
  return conditions.join(' AND ');
}

/**
 * All-day follow-ups are dates, the rest canonical instants: each is compared with its own
 * kind (a date up to @lastDay, an instant before @before).
 */
const IN_WINDOW = '((length(a.follow_up_date) = 10 AND a.follow_up_date <= @lastDay) OR (length(a.follow_up_date) > 10 AND a.follow_up_date < @before))';
const OVERDUE = '((length(a.follow_up_date) = 10 AND a.follow_up_date < @overdueDay) OR (length(a.follow_up_date) > 10 AND a.follow_up_date < @overdueInstant))';

/** The pending follow-ups of a window, inside one range of the index that covers both kinds. */
function pendingConditions(shape: { due?: boolean; owner?: boolean }): string {
  return shape.due ? `${pendingBase(shape)} AND a.follow_up_date < @scanEnd AND ${IN_WINDOW}` : pendingBase(shape);
}

/**
 * How many pending follow-ups a window holds, and how many of them are overdue: ranges of
 * customer_activity_pending_idx, which holds every column read here, so neither the table nor
 * the customers are read. Below @lo every row is in the window, below @overdueLo every row is
 * overdue (repositories/follow-up-ranges.ts): those ranges are counted without an expression
 * per entry; only the rows up to @scanEnd and @overdueHi (about a day) are checked by kind.
 */
export function followUpCountSql(shape: { due?: boolean; owner?: boolean }): string {
  const count = (conditions: string) => `(SELECT count(*) FROM customer_activity AS a WHERE ${pendingBase(shape)} AND ${conditions})`;
  const n = shape.due
    ? `${count('a.follow_up_date < @lo')} + ${count(`a.follow_up_date >= @lo AND a.follow_up_date < @scanEnd AND ${IN_WINDOW}`)}`
    : `(SELECT count(*) FROM customer_activity AS a WHERE ${pendingBase(shape)})`;
  const overdue = `${count('a.follow_up_date < @overdueLo')}
    + ${count(`a.follow_up_date >= @overdueLo AND a.follow_up_date < @overdueHi AND ${OVERDUE}${shape.due ? ` AND ${IN_WINDOW}` : ''}`)}`;
  return `SELECT ${n} AS n, ${overdue} AS overdue`;
}

/** A customer's tags, in the order they were added. */
export const TAGS_OF_CUSTOMER = 'SELECT tag FROM customer_tags WHERE customer_id = @customerId ORDER BY rowid';

/** A customer's interactions, newest first. */
export const INTERACTIONS_OF_CUSTOMER = `SELECT i.id, i.customer_id, i.type, i.channel, i.note, i.follow_up_date, i.created_at
  FROM customer_interactions AS i WHERE i.customer_id = @customerId ORDER BY i.created_at DESC, i.id DESC`;
