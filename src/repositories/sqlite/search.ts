import type Database from 'better-sqlite3';
import { SEARCH_RANK_WINDOW, type CustomerWithProduct, type SearchFound, type SearchPage, type SearchRepository } from '../ports.js';
import type { Customer } from '../../domain/types.js';
import { CUSTOMERS_NAMED_WITH, SEARCH_CUSTOMER, SEARCH_WINDOW } from './queries.js';
import { toCustomer, toCustomerWithProduct, type RawCustomer } from './customers.js';

/**
 * The words of the index one search term may stand for before the search falls back to FTS5's
 * own prefix query (`"r"*`): a prefix query merges the whole doclists of every word it covers
 * before it yields a row, which for a common word (`roadmap`, in half the documents) costs
 * more than the rest of the search; an OR of the words themselves is walked lazily, newest
 * document first, and stops with the window.
 */
export const MAX_TERM_WORDS = 64;

const VOCABULARY = 'temp.crm_search_words';

/** A term quoted for FTS5, so none of its characters is read as syntax. */
const quoted = (word: string) => `"${word.replaceAll('"', '""')}"`;

/**
 * An FTS5 query for documents holding, for every term, a word it begins: each term is the OR
 * of the index's words it begins (`expand`), or a prefix query (`"quo"*`) when they are many;
 * undefined when a term begins no word of the index (nothing can match).
 */
export function ftsQuery(terms: readonly string[], expand: (term: string) => string[] | undefined = () => undefined): string | undefined {
  const parts: string[] = [];
  for (const term of terms) {
    const words = expand(term);
    if (words === undefined) parts.push(`${quoted(term)}*`);
    else if (words.length === 0) return undefined;
    else parts.push(`(${words.map(quoted).join(' OR ')})`);
  }
  return parts.join(' AND ');
}

/** `crm search` over customer_search, the FTS5 index of drizzle/0012_tags_notes_search.sql and 0014_search_window.sql. */
export class SqliteSearchRepository implements SearchRepository {
  private window: Database.Statement | undefined;
  private customer: Database.Statement | undefined;
  private named: Database.Statement | undefined;
  private firstWord: Database.Statement | undefined;
  private nextWord: Database.Statement | undefined;

  constructor(private readonly sqlite: Database.Database) {}

  /**
   * The index's words that `term` begins, in order, read from an fts5vocab table over it: one
   * seek per word (an `instance` cursor stops at the word's first occurrence, where a `row`
   * cursor would count them all); undefined past MAX_TERM_WORDS.
   */
  private expand(term: string): string[] | undefined {
    if (!this.firstWord || !this.nextWord) {
      this.sqlite.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS ${VOCABULARY} USING fts5vocab(main, customer_search, instance)`);
      // `>=` the word with char(1) after it, not `> word`: the cursor would walk every occurrence of the word to pass it.
      this.firstWord = this.sqlite.prepare(`SELECT term FROM ${VOCABULARY} WHERE term >= @from AND term < @end LIMIT 1`).pluck();
      this.nextWord = this.sqlite.prepare(`SELECT term FROM ${VOCABULARY} WHERE term >= @from || char(1) AND term < @end LIMIT 1`).pluck();
    }
    // Above every UTF-8 sequence a word of `term` continues with.
    const end = `${term}\u{10ffff}`;
    const words: string[] = [];
    let word = this.firstWord.get({ from: term, end }) as string | undefined;
    while (word !== undefined) {
      if (words.length === MAX_TERM_WORDS) return undefined;
      words.push(word);
      word = this.nextWord.get({ from: word, end }) as string | undefined;
    }
    return words;
  }

  /**
   * The window ranked here (bm25, ties newest first), then its customers read one by one in
   * that order until the page is full: a page reads the customers it shows (and the archived
   * ones it skips), not the whole window.
   */
  async search(terms: readonly string[], page: SearchPage, includeArchived: boolean): Promise<SearchFound> {
    const query = terms.length === 0 ? undefined : ftsQuery(terms, (term) => this.expand(term));
    if (query === undefined) return { customers: [], capped: false };
    this.window ??= this.sqlite.prepare(SEARCH_WINDOW).raw();
    this.customer ??= this.sqlite.prepare(SEARCH_CUSTOMER);
    const matched = this.window.all({ query, window: SEARCH_RANK_WINDOW }) as Array<[number, number]>;
    matched.sort((a, b) => a[1] - b[1] || b[0] - a[0]);
    const customers: CustomerWithProduct[] = [];
    let skip = page.offset;
    for (const [rowid] of matched) {
      if (page.limit >= 0 && customers.length === page.limit) break;
      const row = this.customer.get(rowid) as (RawCustomer & { document_of: string | null }) | undefined;
      if (!row || row.document_of !== row.id || (!includeArchived && row.is_archived)) continue;
      if (skip > 0) {
        skip -= 1;
        continue;
      }
      const { document_of: _document, ...customer } = row;
      customers.push(toCustomerWithProduct(customer));
    }
    return { customers, capped: matched.length >= SEARCH_RANK_WINDOW };
  }

  async namedWith(terms: readonly string[], limit: number): Promise<Customer[]> {
    const query = terms.length === 0 ? undefined : ftsQuery(terms, (term) => this.expand(term));
    if (query === undefined) return [];
    this.named ??= this.sqlite.prepare(CUSTOMERS_NAMED_WITH);
    const rows = this.named.all({ query: `name : (${query})`, limit }) as RawCustomer[];
    return rows.map(toCustomer);
  }
}
