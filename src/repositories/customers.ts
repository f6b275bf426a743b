import { and, asc, count, desc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Drizzle } from '../db/connection.js';
import { customers, products, type NewCustomerRow } from '../db/schema.js';
import type { Customer } from '../domain/types.js';
import { CUSTOMER_STATUSES, type CustomerStatus } from '../domain/vocabulary.js';
import { containsText, equalsIgnoringCase, startsWith } from './sql-helpers.js';

export type ArchivedScope = 'exclude' | 'only' | 'include';
export type CustomerSort = 'name' | 'created' | 'updated' | 'status';

export interface CustomerFilter {
  status?: CustomerStatus;
  productId?: string;
  owner?: string;
  archived?: ArchivedScope;
}

export interface CustomerPage {
  sort?: CustomerSort;
  limit?: number;
  offset?: number;
}

export type CustomerWithProduct = Customer & { product_name: string | null };

export class CustomerRepository {
  constructor(private readonly orm: Drizzle) {}

  private where(filter: CustomerFilter): SQL | undefined {
    const conditions: SQL[] = [];
    const archived = filter.archived ?? 'exclude';
    if (archived !== 'include') conditions.push(eq(customers.is_archived, archived === 'only'));
    if (filter.status) conditions.push(eq(customers.status, filter.status));
    if (filter.productId) conditions.push(eq(customers.product_id, filter.productId));
    if (filter.owner) conditions.push(equalsIgnoringCase(customers.owner, filter.owner));
    return and(...conditions);
  }

  /** Rows carry the product's name so that lists can show it without a query per row. */
  list(filter: CustomerFilter, page: CustomerPage = {}): CustomerWithProduct[] {
    const order = {
      // Newest first is the default view; id breaks ties so pages never overlap.
      created: [desc(customers.created_at), desc(customers.id)],
      updated: [desc(customers.updated_at), desc(customers.id)],
      name: [asc(nameOrder()), asc(customers.id)],
      status: [asc(statusRank()), desc(customers.created_at), desc(customers.id)],
    }[page.sort ?? 'created'];
    const query = this.withProductName()
      .where(this.where(filter))
      .orderBy(...order);
    const rows = page.limit === undefined ? query.all() : query.limit(page.limit).offset(page.offset ?? 0).all();
    return rows.map(flattenProductName);
  }

  /** The first customer with this e-mail ignoring ASCII case, as the import dedupes (customers_email_lower_idx). */
  findByEmail(email: string): Customer | undefined {
    return this.orm
      .select()
      .from(customers)
      .where(sql`lower(${customers.email}) = lower(${email})`)
      .orderBy(sql`rowid`)
      .limit(1)
      .get();
  }

  count(filter: CustomerFilter): number {
    return this.orm.select({ n: count() }).from(customers).where(this.where(filter)).get()?.n ?? 0;
  }

  search(text: string): CustomerWithProduct[] {
    return this.withProductName()
      .where(
        and(
          eq(customers.is_archived, false),
          or(
            containsText(customers.name, text),
            containsText(customers.email, text),
            containsText(customers.phone, text),
          ),
        ),
      )
      .orderBy(asc(nameOrder()), asc(customers.id))
      .all()
      .map(flattenProductName);
  }

  get(id: string): Customer | undefined {
    return this.orm.select().from(customers).where(eq(customers.id, id)).get();
  }

  getWithProduct(id: string): CustomerWithProduct | undefined {
    const row = this.withProductName().where(eq(customers.id, id)).get();
    return row ? flattenProductName(row) : undefined;
  }

  private withProductName() {
    return this.orm
      .select({ customer: customers, product_name: products.name })
      .from(customers)
      .leftJoin(products, eq(customers.product_id, products.id));
  }

  findByIdPrefix(prefix: string, limit: number): Customer[] {
    return this.orm.select().from(customers).where(startsWith(customers.id, prefix)).limit(limit).all();
  }

  findByName(name: string): Customer[] {
    return this.orm.select().from(customers).where(equalsIgnoringCase(customers.name, name)).all();
  }

  insert(row: NewCustomerRow): Customer {
    return this.orm.insert(customers).values(row).returning().get();
  }

  update(id: string, patch: Partial<NewCustomerRow>): Customer {
    return this.orm.update(customers).set(patch).where(eq(customers.id, id)).returning().get();
  }

  setArchived(ids: readonly string[], archived: boolean, at: string): number {
    if (ids.length === 0) return 0;
    return this.orm
      .update(customers)
      .set({ is_archived: archived, updated_at: at })
      .where(and(inArray(customers.id, [...ids]), eq(customers.is_archived, !archived)))
      .run().changes;
  }

  /** Clears the product of every customer linked to it; returns how many there were. */
  unlinkProduct(productId: string, at: string): number {
    return this.orm
      .update(customers)
      .set({ product_id: null, updated_at: at })
      .where(eq(customers.product_id, productId))
      .run().changes;
  }

  delete(id: string): void {
    this.orm.delete(customers).where(eq(customers.id, id)).run();
  }
}

function flattenProductName(row: { customer: Customer; product_name: string | null }): CustomerWithProduct {
  return { ...row.customer, product_name: row.product_name };
}

/** People expect "bob" between "Ada" and "Cy", not after every capitalised name. */
function nameOrder(): SQL {
  return sql`${customers.name} COLLATE NOCASE`;
}

/** Sorts by pipeline order rather than alphabetically. */
function statusRank(): SQL {
  const cases = CUSTOMER_STATUSES.map((status, index) => sql`WHEN ${status} THEN ${index}`);
  return sql`CASE ${customers.status} ${sql.join(cases, sql` `)} END`;
}
