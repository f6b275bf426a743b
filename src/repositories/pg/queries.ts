import { CUSTOMER_STATUSES } from '../../domain/vocabulary.js';
import type { ArchivedScope, CustomerSort, RefQuery } from '../ports.js';
import { jsonArray } from './json-rows.js';

/**
 * The SQL of the daily reads on PostgreSQL, in the orders SQLite gives (src/repositories/sqlite/
 * queries.ts), each following an index of drizzle/pg/0002_core_queries.sql. Row-level security
 * adds the team filter (`team_id = (SELECT crm.crm_team())`, the team read once per statement:
 * drizzle/pg/0014) to every statement, and each index starts
 * with team_id so that the filter is part of the seek. team_id itself is never selected.
 *
 * Text that SQLite compares as bytes is compared here in collation "C", whatever the
 * database's default: ids, and names after SQLite's ASCII-only lower() / NOCASE, which is
 * what lower() does in "C".
 */

/** Positional parameters ($1, $2, ...) collected as a statement is written. */
export class Parameters {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export const PRODUCT_COLUMNS = ['id', 'name', 'description', 'is_active', 'created_at', 'updated_at'] as const;
export const CUSTOMER_COLUMNS = [
  'id', 'name', 'email', 'phone', 'product_id', 'status', 'acquisition_source', 'owner', 'is_archived', 'created_at', 'updated_at',
  'company_id', 'deal_value_minor', 'deal_currency', 'closed_at', 'note',
] as const;
export const COMPANY_COLUMNS = ['id', 'name', 'created_at', 'updated_at'] as const;
export const INTERACTION_COLUMNS = ['id', 'customer_id', 'type', 'channel', 'note', 'follow_up_date', 'created_at'] as const;

/** `p.id, p.name, ...`: the columns of a table under its alias, in the data model's order. */
export function columnsOf(alias: string, columns: readonly string[]): string {
  return columns.map((column) => `${alias}.${column}`).join(', ');
}

const CUSTOMER_SELECT = columnsOf('c', CUSTOMER_COLUMNS);
const WITH_PRODUCT_NAME = `${CUSTOMER_SELECT}, p.name AS product_name`;
const PRODUCT_JOIN = 'LEFT JOIN crm.products AS p ON p.id = c.product_id';

/** The bytes order of ids. */
export const ID_BYTES = (alias: string) => `${alias}.id COLLATE "C"`;
/** SQLite's `name COLLATE NOCASE` and `lower(name)`: ASCII letters folded, then bytes. */
const NAME_NOCASE = (alias: string) => `lower(${alias}.name COLLATE "C")`;

/** Pipeline order of statuses: the expression of customers_status_rank_idx, literally. */
export const STATUS_RANK = `(CASE c.status ${CUSTOMER_STATUSES.map((status, rank) => `WHEN '${status}' THEN ${rank}`).join(' ')} END)`;

/**
 * Ids that start with the prefix as typed or in either case (ids are lower-case hex, but one
 * written with psql may not be), as ranges on the ids' bytes: U+10FFFF sorts after every
 * character that can follow the prefix. Sorted by id, at most `limit`.
 */
export function idPrefixCondition(alias: string, prefix: string, parameters: Parameters): string {
  const ranges = [...new Set([prefix, prefix.toLowerCase(), prefix.toUpperCase()])].map(
    (variant) =>
      `(${ID_BYTES(alias)} >= ${parameters.add(variant)} AND ${ID_BYTES(alias)} < ${parameters.add(`${variant}\u{10FFFF}`)})`,
  );
  return ranges.join(' OR ');
}

/** Which filters a list or count has, with their values. */
export interface CustomerListFilter {
  archived: ArchivedScope;
  status?: string;
  productId?: string;
  /** The stored owners the `--owner` filter means (folded by crm). */
  owners?: readonly string[];
  /** Tags the customers must all have, each in its stored spellings (drizzle/pg/0006). */
  tags?: ReadonlyArray<readonly string[]>;
}

function listConditions(filter: CustomerListFilter, parameters: Parameters): string[] {
  const conditions: string[] = [];
  if (filter.status) conditions.push(`c.status = ${parameters.add(filter.status)}`);
  if (filter.productId) conditions.push(`c.product_id = ${parameters.add(filter.productId)}`);
  if (filter.owners) conditions.push(`c.owner = ANY(${parameters.add(filter.owners)}::text[])`);
  for (const spellings of filter.tags ?? []) {
    conditions.push(`c.id IN (SELECT t.customer_id FROM crm.customer_tags AS t WHERE t.tag = ANY(${parameters.add(spellings)}::text[]))`);
  }
  return conditions;
}

/** Newest first by default; id breaks ties so pages never overlap. */
const ORDER: Record<CustomerSort, (alias: string) => string> = {
  created: (a) => `${a}.created_at DESC, ${ID_BYTES(a)} DESC`,
  updated: (a) => `${a}.updated_at DESC, ${ID_BYTES(a)} DESC`,
  // People expect "bob" between "Ada" and "Cy", not after every capitalised name.
  name: (a) => `${NAME_NOCASE(a)}, ${ID_BYTES(a)}`,
  status: (a) => `${a === 'c' ? STATUS_RANK : `${a}.status_rank`}, ${a}.created_at DESC, ${ID_BYTES(a)} DESC`,
};

/**
 * One page of a customer list: a walk of the sort's index that stops at the page. With
 * archived customers included, each value of the flag is walked up to the page's end and
 * the two short walks are sorted together (the planner does not merge a union of the two
 * walks by itself). `limit` undefined or -1: no limit.
 */
export function customerListSql(
  filter: CustomerListFilter,
  sort: CustomerSort,
  page: { limit?: number; offset?: number },
): { text: string; values: unknown[] } {
  const parameters = new Parameters();
  const rank = sort === 'status' ? `, ${STATUS_RANK} AS status_rank` : '';
  // Written once: both walks use the same parameters.
  const conditions = listConditions(filter, parameters);
  const walk = (archived: boolean) =>
    `SELECT ${WITH_PRODUCT_NAME}${rank} FROM crm.customers AS c ${PRODUCT_JOIN}
    WHERE ${[`c.is_archived = ${archived}`, ...conditions].join(' AND ')} ORDER BY ${ORDER[sort]('c')}`;
  const limit = page.limit === undefined || page.limit < 0 ? null : page.limit;
  const offset = page.offset ?? 0;
  if (filter.archived !== 'include') {
    const text = `${walk(filter.archived === 'only')} LIMIT ${parameters.add(limit)} OFFSET ${parameters.add(offset)}`;
    return { text, values: parameters.values };
  }
  const pageEnd = parameters.add(limit === null ? null : limit + offset);
  const text = `SELECT * FROM ((${walk(false)} LIMIT ${pageEnd}) UNION ALL (${walk(true)} LIMIT ${pageEnd})) AS u
    ORDER BY ${ORDER[sort]('u')} LIMIT ${parameters.add(limit)} OFFSET ${parameters.add(offset)}`;
  return { text, values: parameters.values };
}

/**
 * A list's total: a sum over crm.customer_counts (drizzle/pg/0007), whose groups have every
 * column a filter takes but tags; with tags, a count of the customers.
 */
export function customerCountSql(filter: CustomerListFilter): { text: string; values: unknown[] } {
  const parameters = new Parameters();
  const conditions = listConditions(filter, parameters);
  if (filter.archived !== 'include') conditions.unshift(`c.is_archived = ${filter.archived === 'only'}`);
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  const text = filter.tags?.length
    ? `SELECT count(*) AS n FROM crm.customers AS c${where}`
    : `SELECT coalesce(sum(c.n), 0)::bigint AS n FROM crm.customer_counts AS c${where}`;
  return { text, values: parameters.values };
}

/**
 * The team's distinct owners, one seek each on customers_owner_idx: crm folds these few
 * values and filters on the exact ones that match, as on SQLite.
 */
export const DISTINCT_OWNERS = `WITH RECURSIVE owners(owner) AS (
    (SELECT c.owner FROM crm.customers AS c WHERE c.owner IS NOT NULL ORDER BY c.owner LIMIT 1)
    UNION ALL
    SELECT (SELECT c.owner FROM crm.customers AS c WHERE c.owner > o.owner ORDER BY c.owner LIMIT 1)
    FROM owners AS o WHERE o.owner IS NOT NULL)
  SELECT owner FROM owners WHERE owner IS NOT NULL`;

/**
 * `column` folded as crm.crm_fold, where ASCII text (as many bytes as characters), whose fold
 * is lower() in "C", skips the two normalizations and the case mappings: a search's name walk
 * checks thousands of rows for a rare word.
 */
const FOLDED = (column: string) =>
  `(CASE WHEN octet_length(${column}) = char_length(${column}) THEN lower(${column} COLLATE "C") ELSE crm.crm_fold(${column}) END)`;

/**
 * Customers not archived whose name, email or phone contains $1 folded (crm.crm_fold), in
 * name order: the name index is walked and the walk stops once the page ($2, $3) is full.
 */
export const CUSTOMER_SEARCH = `SELECT ${WITH_PRODUCT_NAME} FROM crm.customers AS c ${PRODUCT_JOIN}
  WHERE c.is_archived = false
    AND (strpos(${FOLDED('c.name')}, crm.crm_fold($1)) > 0
      OR strpos(${FOLDED('c.email')}, crm.crm_fold($1)) > 0
      OR strpos(${FOLDED('c.phone')}, crm.crm_fold($1)) > 0)
  ORDER BY ${ORDER.name('c')} LIMIT $2 OFFSET $3`;

export const CUSTOMER_BY_ID = `SELECT ${CUSTOMER_SELECT} FROM crm.customers AS c WHERE c.id = $1`;
export const CUSTOMER_WITH_PRODUCT = `SELECT ${WITH_PRODUCT_NAME} FROM crm.customers AS c ${PRODUCT_JOIN} WHERE c.id = $1`;

/** Names equal after folding: a seek on customers_name_fold_idx (see crm.crm_customers_named). */
/**
 * Names for shell completion: a range on the folded names in byte order, the prefix checked
 * exactly too (a range alone would depend on the collation). One spelling per folded name
 * (the least), as on SQLite: a ref by name matches every spelling alike.
 */
export const CUSTOMER_NAMES_STARTING_WITH = `SELECT name FROM (
    SELECT DISTINCT ON (crm.crm_fold(c.name) COLLATE "C") c.name, crm.crm_fold(c.name) COLLATE "C" AS fold
    FROM crm.customers AS c
    WHERE left(crm.crm_fold(c.name), length(crm.crm_fold($1))) = crm.crm_fold($1)
    ORDER BY crm.crm_fold(c.name) COLLATE "C", c.name COLLATE "C") AS named
  ORDER BY fold LIMIT $2`;

export const CUSTOMERS_BY_NAME = `SELECT ${CUSTOMER_SELECT} FROM crm.crm_customers_named($1) AS f(id)
  JOIN crm.customers AS c ON c.id = f.id ORDER BY ${ID_BYTES('c')}`;

/**
 * Every customer a ref can mean (see resolveRef), with its product's name, in one statement:
 * the ids as given, the first `limit` ids starting with the prefix, the names equal after
 * folding; each branch an index seek. One round trip instead of up to four. The product is
 * joined once, to the branches' few rows: a join per branch cost a plan (and a row-level
 * security filter) per branch.
 */
export function customersByRefSql(query: RefQuery, limit: number): { text: string; values: unknown[] } {
  const parameters = new Parameters();
  return { text: customersByRef(query, limit, parameters), values: parameters.values };
}

function customersByRef(query: RefQuery, limit: number, parameters: Parameters): string {
  const branches = [`SELECT ${CUSTOMER_SELECT} FROM crm.customers AS c WHERE c.id = ANY(${parameters.add([...new Set(query.ids)])}::text[])`];
  if (query.prefix !== undefined) {
    branches.push(`(SELECT ${CUSTOMER_SELECT} FROM crm.customers AS c
      WHERE ${idPrefixCondition('c', query.prefix, parameters)} ORDER BY ${ID_BYTES('c')} LIMIT ${parameters.add(limit)})`);
  }
  branches.push(`SELECT ${CUSTOMER_SELECT} FROM crm.crm_customers_named(${parameters.add(query.name)}) AS f(id)
    JOIN crm.customers AS c ON c.id = f.id`);
  return `SELECT ${WITH_PRODUCT_NAME} FROM (
    ${branches.join('\n    UNION ALL\n    ')}
  ) AS c ${PRODUCT_JOIN}`;
}

/**
 * customersByRefSql's candidates, each with `named` (whether it is the one the ref names
 * outright: the first of the ids as given, else the only candidate, as resolveRef chooses)
 * and, on that one only, the `extras` (column name: expression of the candidate `f`). A
 * command that shows one customer reads it all in one statement, whose own snapshot makes it
 * consistent without a transaction's BEGIN and COMMIT: round trips fewer, each of which costs
 * more on a server than the reads themselves.
 */
function namedByRefSql(query: RefQuery, limit: number, extras: Record<string, string>): { text: string; values: unknown[] } {
  const parameters = new Parameters();
  const found = customersByRef(query, limit, parameters);
  const ids = parameters.add([...query.ids]);
  const columns = Object.entries(extras).map(([name, expression]) => `CASE WHEN n.id IS NOT NULL THEN ${expression} END AS ${name}`);
  const text = `WITH found AS MATERIALIZED (${found}),
  named AS (
    SELECT id FROM (
      SELECT f.id, array_position(${ids}::text[], f.id) AS rank FROM found AS f WHERE f.id = ANY(${ids}::text[])
      UNION ALL
      SELECT min(f.id), ${query.ids.length + 1} FROM found AS f HAVING count(DISTINCT f.id) = 1
    ) AS n ORDER BY rank LIMIT 1
  )
  SELECT f.*, n.id IS NOT NULL AS named, ${columns.join(',\n    ')}
  FROM found AS f LEFT JOIN named AS n ON n.id = f.id`;
  return { text, values: parameters.values };
}

/** What `customer show` prints: the company's name, and the tags and interactions as JSON text. */
export const customerShowByRefSql = (query: RefQuery, limit: number) =>
  namedByRefSql(query, limit, {
    company_name: '(SELECT o.name FROM crm.companies AS o WHERE o.id = f.company_id)',
    tags: `(SELECT coalesce(json_agg(t.tag ORDER BY t.position), '[]') FROM crm.customer_tags AS t WHERE t.customer_id = f.id)::text`,
    interactions: jsonArray('i', INTERACTION_COLUMNS, 'crm.customer_interactions AS i WHERE i.customer_id = f.id', `i.created_at DESC, ${ID_BYTES('i')} DESC`),
  });

/** The audit log's columns, in SQLite's order: team_id is not user data. */
export const AUDIT_COLUMNS = ['id', 'table_name', 'record_id', 'action', 'old_values', 'new_values', 'actor', 'created_at', 'change_set'] as const;

/** What `history` prints: the entries of the customer and of its interactions and tags, oldest first, as JSON text. */
export const customerHistoryByRefSql = (query: RefQuery, limit: number) =>
  namedByRefSql(query, limit, {
    entries: jsonArray('a', AUDIT_COLUMNS, 'crm.crm_audit_of_customers(ARRAY[f.id]) AS a', 'a.id'),
  });

/** The oldest customer with this e-mail ignoring ASCII case (see crm.crm_customers_with_email). */
export const CUSTOMER_BY_EMAIL = `SELECT ${CUSTOMER_SELECT} FROM crm.crm_customers_with_email($1) AS f(id)
  JOIN crm.customers AS c ON c.id = f.id ORDER BY c.created_at, ${ID_BYTES('c')} LIMIT 1`;

const PRODUCT_SELECT = columnsOf('p', PRODUCT_COLUMNS);

/** By name ignoring (ASCII) case as SQLite's lower(), then id. */
export function productListSql(active: boolean | undefined): { text: string; values: unknown[] } {
  const where = active === undefined ? '' : ' WHERE p.is_active = $1';
  return {
    text: `SELECT ${PRODUCT_SELECT} FROM crm.products AS p${where} ORDER BY ${NAME_NOCASE('p')}, ${ID_BYTES('p')}`,
    values: active === undefined ? [] : [active],
  };
}

export const PRODUCT_BY_ID = `SELECT ${PRODUCT_SELECT} FROM crm.products AS p WHERE p.id = $1`;

export const PRODUCTS_BY_NAME = `SELECT ${PRODUCT_SELECT} FROM crm.crm_products_named($1) AS f(id)
  JOIN crm.products AS p ON p.id = f.id ORDER BY ${ID_BYTES('p')}`;

/** A customer's interactions, newest first. */
export const INTERACTIONS_OF_CUSTOMER = `SELECT ${columnsOf('i', INTERACTION_COLUMNS)} FROM crm.customer_interactions AS i
  WHERE i.customer_id = $1 ORDER BY i.created_at DESC, ${ID_BYTES('i')} DESC`;
