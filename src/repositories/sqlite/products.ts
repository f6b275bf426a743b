import { and, asc, count, eq, ne, sql } from 'drizzle-orm';
import type { Drizzle } from '../../db/connection.js';
import { products } from '../../db/schema.js';
import type { Product } from '../../domain/types.js';
import type { NewProduct, ProductFilter, ProductPatch, ProductRepository } from '../ports.js';
import { sqliteNamesStartingWith } from './name-completion.js';
import { equalsIgnoringCase, startsWith } from './sql-helpers.js';

export class SqliteProductRepository implements ProductRepository {
  constructor(private readonly orm: Drizzle) {}

  async list(filter: ProductFilter = {}): Promise<Product[]> {
    const where = filter.active === undefined ? undefined : eq(products.is_active, filter.active);
    return this.orm.select().from(products).where(where).orderBy(asc(sql`lower(${products.name})`), asc(products.id)).all();
  }

  async get(id: string): Promise<Product | undefined> {
    return this.orm.select().from(products).where(eq(products.id, id)).get();
  }

  async findByIdPrefix(prefix: string, limit: number): Promise<Product[]> {
    return this.orm
      .select()
      .from(products)
      .where(startsWith(products.id, prefix))
      .limit(limit)
      .all();
  }

  async findByName(name: string): Promise<Product[]> {
    return this.orm
      .select()
      .from(products)
      .where(equalsIgnoringCase(products.name, name))
      .all();
  }

  async countActive(excludingId?: string): Promise<number> {
    const where = excludingId
      ? and(eq(products.is_active, true), ne(products.id, excludingId))
      : eq(products.is_active, true);
    return this.orm.select({ n: count() }).from(products).where(where).get()?.n ?? 0;
  }

  async namesStartingWith(prefix: string, limit: number): Promise<string[]> {
    return sqliteNamesStartingWith(this.orm.$client, 'product', prefix, limit);
  }

  async insert(row: NewProduct): Promise<Product> {
    return this.orm.insert(products).values(row).returning().get();
  }

  async update(id: string, patch: ProductPatch): Promise<Product> {
    return this.orm.update(products).set(patch).where(eq(products.id, id)).returning().get();
  }

  async delete(id: string): Promise<void> {
    this.orm.delete(products).where(eq(products.id, id)).run();
  }
}
