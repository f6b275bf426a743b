import type { Customer } from '../../domain/types.js';
import { SEARCH_RANK_WINDOW, type SearchFound, type SearchPage, type SearchRepository } from '../ports.js';
import { columnsOf, CUSTOMER_COLUMNS, ID_BYTES } from './queries.js';
import type { PgSession } from './store.js';

const CUSTOMER_SELECT = columnsOf('c', CUSTOMER_COLUMNS);

/**
 * Each matched customer (`m`) by a seek on the primary key, in the order of `m`: LIMIT 1 keeps
 * the planner from turning the seeks into a hash join that reads the whole team's customers
 * (it cannot know that a search matches few of them).
 */
const CUSTOMER_OF_MATCH = `CROSS JOIN LATERAL (SELECT * FROM crm.customers AS c WHERE c.id = m.customer_id LIMIT 1) AS c`;

/**
 * `crm search` on the team's customer_search (drizzle/pg/0006, 0010), as on SQLite: the window
 * of the most recently added documents with, for each term, a word it begins
 * (crm.crm_search_window: the GIN index or the newest documents under the team filter),
 * ranked (ts_rank with weights for the parts), ties newest first; the customers are then
 * read in that order until the page is full.
 */
function searchSql(includeArchived: boolean): string {
  return `WITH matched AS MATERIALIZED (SELECT * FROM crm.crm_search_window($1, '', $2))
    SELECT ${CUSTOMER_SELECT}, p.name AS product_name, (SELECT count(*) FROM matched) >= $2 AS capped
    FROM (SELECT * FROM matched ORDER BY score DESC, added DESC) AS m
    ${CUSTOMER_OF_MATCH}
    LEFT JOIN crm.products AS p ON p.id = c.product_id
    ${includeArchived ? '' : 'WHERE c.is_archived = false'}
    ORDER BY m.score DESC, m.added DESC LIMIT $3 OFFSET $4`;
}

type SearchRow = Customer & { product_name: string | null; capped: boolean };

export class PgSearchRepository implements SearchRepository {
  constructor(private readonly session: PgSession) {}

  async search(terms: readonly string[], page: SearchPage, includeArchived: boolean): Promise<SearchFound> {
    if (terms.length === 0) return { customers: [], capped: false };
    const limit = page.limit < 0 ? null : page.limit;
    const rows = await this.session.query<SearchRow>(searchSql(includeArchived), [terms, SEARCH_RANK_WINDOW, limit, page.offset]);
    return {
      customers: rows.map(({ capped: _capped, ...customer }) => ({ ...customer, product_name: customer.product_name ?? null })),
      capped: rows.some((row) => row.capped),
    };
  }

  async namedWith(terms: readonly string[], limit: number): Promise<Customer[]> {
    if (terms.length === 0) return [];
    return this.session.query<Customer>(
      `SELECT ${CUSTOMER_SELECT} FROM crm.crm_search_window($1, 'A', $2) AS m ${CUSTOMER_OF_MATCH}
       ORDER BY ${ID_BYTES('c')}`,
      [terms, limit],
    );
  }
}
