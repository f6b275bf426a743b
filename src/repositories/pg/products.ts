import { ConflictError } from '../../domain/errors.js';
import type { Product } from '../../domain/types.js';
import type { NewProduct, ProductFilter, ProductPatch, ProductRepository } from '../ports.js';
import { policyRefusal } from './errors.js';
import {
  columnsOf,
  idPrefixCondition,
  Parameters,
  PRODUCT_BY_ID,
  PRODUCT_COLUMNS,
  productListSql,
  PRODUCTS_BY_NAME,
  ID_BYTES,
} from './queries.js';
import { insertValues, setClause } from './rows.js';
import type { PgSession } from './store.js';

const RETURNING = `RETURNING ${columnsOf('p', PRODUCT_COLUMNS)}`;

export class PgProductRepository implements ProductRepository {
  constructor(private readonly session: PgSession) {}

  async list(filter: ProductFilter = {}): Promise<Product[]> {
    const { text, values } = productListSql(filter.active);
    return this.session.query<Product>(text, values);
  }

  async get(id: string): Promise<Product | undefined> {
    return (await this.session.query<Product>(PRODUCT_BY_ID, [id]))[0];
  }

  async findByIdPrefix(prefix: string, limit: number): Promise<Product[]> {
    const parameters = new Parameters();
    const where = idPrefixCondition('p', prefix, parameters);
    return this.session.query<Product>(
      `SELECT ${columnsOf('p', PRODUCT_COLUMNS)} FROM crm.products AS p WHERE ${where} ORDER BY ${ID_BYTES('p')} LIMIT ${parameters.add(limit)}`,
      parameters.values,
    );
  }

  async findByName(name: string): Promise<Product[]> {
    return this.session.query<Product>(PRODUCTS_BY_NAME, [name]);
  }

  async countActive(excludingId?: string): Promise<number> {
    const rows = await this.session.query<{ n: number }>(
      `SELECT count(*) AS n FROM crm.products AS p WHERE p.is_active${excludingId ? ' AND p.id <> $1' : ''}`,
      excludingId ? [excludingId] : [],
    );
    return rows[0]?.n ?? 0;
  }

  async insert(row: NewProduct): Promise<Product> {
    const parameters = new Parameters();
    const rows = await this.session.query<Product>(
      `INSERT INTO crm.products AS p ${insertValues(PRODUCT_COLUMNS, row, parameters)} ${RETURNING}`,
      parameters.values,
    );
    return rows[0]!;
  }

  async update(id: string, patch: ProductPatch): Promise<Product> {
    const parameters = new Parameters();
    const set = setClause(PRODUCT_COLUMNS, patch, parameters);
    if (!set) return (await this.get(id)) as Product;
    const rows = await this.session.query<Product>(
      `UPDATE crm.products AS p SET ${set} WHERE p.id = ${parameters.add(id)} ${RETURNING}`,
      parameters.values,
    );
    if (rows[0]) return rows[0];
    throw await this.unchanged(id, 'write');
  }

  async delete(id: string): Promise<void> {
    const rows = await this.session.query(`DELETE FROM crm.products AS p WHERE p.id = $1 RETURNING p.id`, [id]);
    if (rows.length === 0) throw await this.unchanged(id, 'delete');
  }

  /**
   * Why a product the service had just found was not written: row-level security hides it
   * from the UPDATE or DELETE of a member who is not a manager, or another member deleted it.
   */
  private async unchanged(id: string, action: 'write' | 'delete'): Promise<Error> {
    if (await this.get(id)) return policyRefusal('products', action);
    return new ConflictError('the product was deleted by another member meanwhile');
  }
}
