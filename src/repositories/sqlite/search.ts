import type Database from 'better-sqlite3';
import { SEARCH_RANK_WINDOW, type SearchFound, type SearchPage, type SearchRepository } from '../ports.js';
import type { Customer } from '../../domain/types.js';
import { CUSTOMERS_NAMED_WITH, customerSearchSql } from './queries.js';
import { toCustomer, toCustomerWithProduct, type RawCustomer } from './customers.js';

/**
 * An FTS5 query for documents holding, for every term, a word it begins: `"quo"*` is a
 * prefix query, and the quotes keep any character of a term from being read as syntax.
 */
export function ftsQuery(terms: readonly string[]): string {
  return terms.map((term) => `"${term.replaceAll('"', '""')}"*`).join(' AND ');
}

/** `crm search` over customer_search, the FTS5 index of drizzle/0012_tags_notes_search.sql. */
export class SqliteSearchRepository implements SearchRepository {
  private readonly statements = new Map<boolean, Database.Statement>();
  private named: Database.Statement | undefined;

  constructor(private readonly sqlite: Database.Database) {}

  async search(terms: readonly string[], page: SearchPage, includeArchived: boolean): Promise<SearchFound> {
    if (terms.length === 0) return { customers: [], capped: false };
    let statement = this.statements.get(includeArchived);
    if (!statement) {
      statement = this.sqlite.prepare(customerSearchSql(includeArchived));
      this.statements.set(includeArchived, statement);
    }
    const rows = statement.all({ query: ftsQuery(terms), window: SEARCH_RANK_WINDOW, ...page }) as Array<RawCustomer & { capped?: number }>;
    return {
      customers: rows.map(({ capped: _capped, ...row }) => toCustomerWithProduct(row)),
      capped: rows.some((row) => row.capped === 1),
    };
  }

  async namedWith(terms: readonly string[], limit: number): Promise<Customer[]> {
    if (terms.length === 0) return [];
    this.named ??= this.sqlite.prepare(CUSTOMERS_NAMED_WITH);
    const rows = this.named.all({ query: `name : (${ftsQuery(terms)})`, limit }) as RawCustomer[];
    return rows.map(toCustomer);
  }
}
