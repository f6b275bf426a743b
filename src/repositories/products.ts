import { and, asc, count, eq, ne, sql } from 'drizzle-orm';
import type { Drizzle } from '../db/connection.js';
import { products, type NewProductRow } from '../db/schema.js';
import type { Product } from '../domain/types.js';
import { equalsIgnoringCase, startsWith } from './sql-helpers.js';

export interface ProductFilter {
  active?: boolean;
}

export class ProductRepository {
  constructor(private readonly orm: Drizzle) {}

  list(filter: ProductFilter = {}): Product[] {
    const where = filter.active === undefined ? undefined : eq(products.is_active, filter.active);
    return this.orm.select().from(products).where(where).orderBy(asc(sql`lower(${products.name})`), asc(products.id)).all();
  }

  get(id: string): Product | undefined {
    return this.orm.select().from(products).where(eq(products.id, id)).get();
  }

  findByIdPrefix(prefix: string, limit: number): Product[] {
    return this.orm
      .select()
      .from(products)
      .where(startsWith(products.id, prefix))
      .limit(limit)
      .all();
  }

  findByName(name: string): Product[] {
    return this.orm
      .select()
      .from(products)
      .where(equalsIgnoringCase(products.name, name))
      .all();
  }

  countActive(excludingId?: string): number {
    const where = excludingId
      ? and(eq(products.is_active, true), ne(products.id, excludingId))
      : eq(products.is_active, true);
    return this.orm.select({ n: count() }).from(products).where(where).get()?.n ?? 0;
  }

  insert(row: NewProductRow): Product {
    return this.orm.insert(products).values(row).returning().get();
  }

  update(id: string, patch: Partial<NewProductRow>): Product {
    return this.orm.update(products).set(patch).where(eq(products.id, id)).returning().get();
  }

  delete(id: string): void {
    this.orm.delete(products).where(eq(products.id, id)).run();
  }
}
