import { UsageError } from '../domain/errors.js';
import { searchTerms, snippet, type Snippet } from '../domain/search.js';
import type { Interaction } from '../domain/types.js';
import type { CustomerWithProduct, Store } from '../repositories/ports.js';

export type { Snippet } from '../domain/search.js';
export { SEARCH_RANK_WINDOW } from '../repositories/ports.js';

/** Where a customer matched: fields of the customer, or one of its interactions. */
export type SearchField = 'name' | 'company' | 'email' | 'phone' | 'tags' | 'note' | 'interaction';

export interface SearchMatch {
  field: SearchField;
  snippet: Snippet;
  /** For an interaction: which one. */
  interaction?: Pick<Interaction, 'id' | 'type' | 'channel' | 'created_at'>;
}

export interface SearchHit {
  customer: CustomerWithProduct;
  tags: string[];
  /** Its fields first, then its interactions, newest first (at most MATCHED_INTERACTIONS). */
  matches: SearchMatch[];
  /** Matching interactions beyond those listed. */
  moreInteractions: number;
}

export interface SearchPaging {
  limit?: number;
  /** 1-based. */
  page?: number;
  includeArchived?: boolean;
}

export interface SearchResult {
  hits: SearchHit[];
  /** The folded terms looked for, every one of which each customer matched. */
  terms: string[];
  offset: number;
  page: number;
  limit: number | undefined;
  /** Whether more customers match beyond this page. */
  more: boolean;
  /** More customers matched than are ranked (SEARCH_RANK_WINDOW); these are the best of the newest. */
  capped: boolean;
}

/** Interactions listed per customer; the rest are counted. */
export const MATCHED_INTERACTIONS = 3;

/** The phone's digits alone, as the index also holds them (+44 20 7946 0000 is 442079460000). */
const digitsOf = (phone: string) => phone.replace(/[\s\-.()+/]/g, '');

/**
 * `crm search`: one ranked search over everything a customer is (name, company, e-mail,
 * phone, tags, note) and everything logged with them (interactions' types and notes). The database's index
 * finds and ranks the customers; the snippets are cut here from the records themselves.
 */
export class SearchService {
  constructor(private readonly store: Store) {}

  async search(words: readonly string[], paging: SearchPaging = {}): Promise<SearchResult> {
    const terms = searchTerms(words);
    if (terms.length === 0) throw new UsageError('nothing to search for: give a word with a letter or digit in it');
    const { limit } = paging;
    const page = paging.page ?? 1;
    const offset = limit === undefined ? 0 : (page - 1) * limit;
    const { search, tags, interactions, companies } = this.store.repositories;
    return this.store.read(async () => {
      // One row past the page says whether there is a next one.
      const { customers: found, capped } = await search.search(terms, { limit: limit === undefined ? -1 : limit + 1, offset }, Boolean(paging.includeArchived));
      const more = limit !== undefined && found.length > limit;
      const customers = more ? found.slice(0, limit) : found;
      const tagsOf = await tags.forCustomers(customers.map((customer) => customer.id));
      const companyNames = new Map<string, string | null>();
      for (const id of new Set(customers.map((customer) => customer.company_id))) {
        if (id !== null) companyNames.set(id, (await companies.get(id))?.name ?? null);
      }
      const hits: SearchHit[] = [];
      for (const customer of customers) {
        const customerTags = tagsOf.get(customer.id) ?? [];
        const company = customer.company_id === null ? null : (companyNames.get(customer.company_id) ?? null);
        hits.push(this.explain(customer, company, customerTags, await interactions.listForCustomer(customer.id), terms));
      }
      return { hits, terms, offset, page, limit, more, capped };
    });
  }

  /** Which of the customer's texts hold a term, each as a snippet. */
  private explain(customer: CustomerWithProduct, company: string | null, tags: string[], logged: Interaction[], terms: readonly string[]): SearchHit {
    const matches: SearchMatch[] = [];
    const field = (name: SearchField, text: string | null) => {
      const found = text === null ? undefined : snippet(text, terms);
      if (found) matches.push({ field: name, snippet: found });
      return found;
    };
    field('name', customer.name);
    field('company', company);
    field('email', customer.email);
    if (!field('phone', customer.phone) && customer.phone !== null) {
      const digits = digitsOf(customer.phone);
      if (terms.some((term) => digits.startsWith(term))) {
        matches.push({ field: 'phone', snippet: { text: customer.phone, marks: [[0, customer.phone.length]] } });
      }
    }
    field('tags', tags.length > 0 ? tags.join(', ') : null);
    field('note', customer.note);
    let interactionMatches = 0;
    for (const interaction of logged) {
      const found = snippet(`${interaction.type}: ${interaction.note}`, terms);
      if (!found) continue;
      interactionMatches += 1;
      if (interactionMatches > MATCHED_INTERACTIONS) continue;
      const { id, type, channel, created_at } = interaction;
      matches.push({ field: 'interaction', snippet: found, interaction: { id, type, channel, created_at } });
    }
    return { customer, tags, matches, moreInteractions: Math.max(0, interactionMatches - MATCHED_INTERACTIONS) };
  }
}
