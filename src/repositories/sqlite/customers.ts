import type Database from 'better-sqlite3';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { foldCase, type Drizzle } from '../../db/connection.js';
import { customers } from '../../db/schema.js';
import type { Customer, Interaction } from '../../domain/types.js';
import type {
  CustomerFilter,
  CustomerPage,
  CustomerPatch,
  CustomerRepository,
  CustomerHistoryRead,
  CustomerShowRead,
  CustomerWithProduct,
  NamedByRef,
  NewCustomer,
  RefQuery,
  SearchPage,
} from '../ports.js';
import {
  CUSTOMER_SEARCH,
  CUSTOMER_WITH_PRODUCT,
  CUSTOMERS_BY_ID_RANGE,
  CUSTOMERS_BY_NAME,
  customerCountSql,
  customerListSql,
  INTERACTIONS_OF_CUSTOMER,
  TAGS_OF_CUSTOMER,
  type CustomerFilterShape,
} from './queries.js';
import { auditEntriesOfCustomers } from './audit.js';
import { sqliteNamesStartingWith } from './name-completion.js';
import { ownersMatching } from './owners.js';

const COMPANY_NAME = 'SELECT name FROM companies WHERE id = @id';

export class SqliteCustomerRepository implements CustomerRepository {
  private readonly sqlite: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly orm: Drizzle) {
    this.sqlite = orm.$client;
  }

  /** Each SQL text is prepared once per connection. */
  private prepared(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.sqlite.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  private static shape(filter: CustomerFilter): CustomerFilterShape {
    return {
      archived: filter.archived ?? 'exclude',
      status: Boolean(filter.status),
      product: Boolean(filter.productId),
      owner: Boolean(filter.owner),
      tags: filter.tags?.length ?? 0,
    };
  }

  private parameters(filter: CustomerFilter): Record<string, string> {
    const parameters: Record<string, string> = {};
    if (filter.status) parameters.status = filter.status;
    if (filter.productId) parameters.productId = filter.productId;
    if (filter.owner) parameters.owners = ownersMatching(this.sqlite, filter.owner);
    filter.tags?.forEach((spellings, index) => (parameters[`tag${index}`] = JSON.stringify(spellings)));
    return parameters;
  }

  /** Rows carry the product's name so that lists can show it without a query per row. */
  async list(filter: CustomerFilter, page: CustomerPage = {}): Promise<CustomerWithProduct[]> {
    const text = customerListSql(SqliteCustomerRepository.shape(filter), page.sort ?? 'created');
    const rows = this.prepared(text).all({
      ...this.parameters(filter),
      limit: page.limit ?? -1,
      offset: page.offset ?? 0,
    }) as RawCustomer[];
    return rows.map(toCustomerWithProduct);
  }

  /** The first customer with this e-mail ignoring ASCII case, as the import dedupes (customers_email_lower_idx). */
  async findByEmail(email: string): Promise<Customer | undefined> {
    return this.orm
      .select()
      .from(customers)
      .where(sql`lower(${customers.email}) = lower(${email})`)
      .orderBy(sql`rowid`)
      .limit(1)
      .get();
  }

  async count(filter: CustomerFilter): Promise<number> {
    const row = this.prepared(customerCountSql(SqliteCustomerRepository.shape(filter))).get(this.parameters(filter));
    return (row as { n: number }).n;
  }

  /** A page of the customers (not archived) whose name, email or phone contains the text. */
  async search(text: string, page: SearchPage): Promise<CustomerWithProduct[]> {
    const rows = this.prepared(CUSTOMER_SEARCH).all({ fold: foldCase(text), ...page }) as RawCustomer[];
    return rows.map(toCustomerWithProduct);
  }

  async get(id: string): Promise<Customer | undefined> {
    return this.orm.select().from(customers).where(eq(customers.id, id)).get();
  }

  async getWithProduct(id: string): Promise<CustomerWithProduct | undefined> {
    return this.withProductNow(id);
  }

  private withProductNow(id: string): CustomerWithProduct | undefined {
    const row = this.prepared(CUSTOMER_WITH_PRODUCT).get({ id }) as RawCustomer | undefined;
    return row ? toCustomerWithProduct(row) : undefined;
  }

  /**
   * Ids are lower-case hex, but LIKE used to match a prefix in any case, and an id written
   * with the sqlite3 shell may be upper-case: the prefix as typed and in both cases.
   */
  async findByIdPrefix(prefix: string, limit: number): Promise<Customer[]> {
    return this.idPrefixNow(prefix, limit);
  }

  private idPrefixNow(prefix: string, limit: number): Customer[] {
    const found = new Map<string, Customer>();
    for (const variant of new Set([prefix, prefix.toLowerCase(), prefix.toUpperCase()])) {
      for (const row of this.prepared(CUSTOMERS_BY_ID_RANGE).all({ prefix: variant, limit }) as RawCustomer[]) {
        found.set(row.id, toCustomer(row));
      }
    }
    return [...found.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).slice(0, limit);
  }

  /**
   * In-process statements cost microseconds, so the separate reads are composed here; the
   * few candidates are read again with their product's name.
   */
  async findByRef(query: RefQuery, limit: number): Promise<CustomerWithProduct[]> {
    return this.byRefNow(query, limit);
  }

  private byRefNow(query: RefQuery, limit: number): CustomerWithProduct[] {
    for (const id of query.ids) {
      const exact = this.withProductNow(id);
      if (exact) return [exact];
    }
    const found = new Map<string, Customer>();
    if (query.prefix !== undefined) for (const row of this.idPrefixNow(query.prefix, limit)) found.set(row.id, row);
    for (const row of this.namedNow(query.name)) found.set(row.id, row);
    const rows: CustomerWithProduct[] = [];
    for (const id of found.keys()) {
      const row = this.withProductNow(id);
      if (row) rows.push(row);
    }
    return rows;
  }

  async showByRef(query: RefQuery, limit: number): Promise<CustomerShowRead> {
    return this.namedByRef(query, limit, (named) => {
      const customerId = named.id;
      const companyName = named.company_id === null ? undefined : this.prepared(COMPANY_NAME).pluck().get({ id: named.company_id });
      return {
        company_name: (companyName as string | undefined) ?? null,
        tags: this.prepared(TAGS_OF_CUSTOMER).pluck().all({ customerId }) as string[],
        interactions: this.prepared(INTERACTIONS_OF_CUSTOMER).all({ customerId }) as Interaction[],
      };
    });
  }

  async historyByRef(query: RefQuery, limit: number): Promise<CustomerHistoryRead> {
    return this.namedByRef(query, limit, (named) => ({ entries: auditEntriesOfCustomers(this.orm, [named.id]) }));
  }

  /** The statements in one read transaction: a snapshot, as the server's one statement is. */
  private namedByRef<T extends object>(query: RefQuery, limit: number, more: (named: CustomerWithProduct) => T): Promise<NamedByRef<T>> {
    return Promise.resolve(
      this.sqlite.transaction((): NamedByRef<T> => {
        const candidates = this.byRefNow(query, limit);
        // An exact id comes back alone, so the one candidate is the one the ref names.
        const named = candidates.length === 1 ? candidates[0] : undefined;
        return named ? { candidates, named: { id: named.id, ...more(named) } } : { candidates };
      })(),
    );
  }

  async findByName(name: string): Promise<Customer[]> {
    return this.namedNow(name);
  }

  private namedNow(name: string): Customer[] {
    return (this.prepared(CUSTOMERS_BY_NAME).all({ fold: foldCase(name) }) as RawCustomer[]).map(toCustomer);
  }

  async namesStartingWith(prefix: string, limit: number): Promise<string[]> {
    return sqliteNamesStartingWith(this.sqlite, 'customer', prefix, limit);
  }

  async insert(row: NewCustomer): Promise<Customer> {
    return this.orm.insert(customers).values(row).returning().get();
  }

  async update(id: string, patch: CustomerPatch): Promise<Customer> {
    return this.orm.update(customers).set(patch).where(eq(customers.id, id)).returning().get();
  }

  async setArchived(ids: readonly string[], archived: boolean, at: string): Promise<number> {
    if (ids.length === 0) return 0;
    return this.orm
      .update(customers)
      .set({ is_archived: archived, updated_at: at })
      .where(and(inArray(customers.id, [...ids]), eq(customers.is_archived, !archived)))
      .run().changes;
  }

  /** Clears the product of every customer linked to it; returns how many there were. */
  async unlinkProduct(productId: string, at: string): Promise<number> {
    return this.orm
      .update(customers)
      .set({ product_id: null, updated_at: at })
      .where(eq(customers.product_id, productId))
      .run().changes;
  }

  async delete(id: string): Promise<void> {
    this.orm.delete(customers).where(eq(customers.id, id)).run();
  }
}

/** A customer as SQLite returns it: the archived flag is 0 or 1. */
export type RawCustomer = Omit<Customer, 'is_archived'> & {
  is_archived: number | boolean;
  product_name?: string | null;
  /** Only in lists sorted by status. */
  status_rank?: number;
};

export function toCustomer(row: RawCustomer): Customer {
  const { product_name: _productName, status_rank: _statusRank, ...customer } = row;
  return { ...customer, is_archived: Boolean(row.is_archived) };
}

export function toCustomerWithProduct(row: RawCustomer): CustomerWithProduct {
  return { ...toCustomer(row), product_name: row.product_name ?? null };
}
