import { foldCase } from '../../db/connection.js';
import { ConflictError } from '../../domain/errors.js';
import type { Customer, Interaction } from '../../domain/types.js';
import type {
  CustomerFilter,
  CustomerPage,
  CustomerPatch,
  CustomerRepository,
  CustomerHistoryRead,
  CustomerShowRead,
  NamedByRef,
  CustomerWithProduct,
  NewCustomer,
  RefQuery,
  SearchPage,
} from '../ports.js';
import { toAuditEntry, type AuditRow } from './audit.js';
import { policyRefusal } from './errors.js';
import {
  CUSTOMER_NAMES_STARTING_WITH,
  columnsOf,
  CUSTOMER_BY_EMAIL,
  CUSTOMER_BY_ID,
  CUSTOMER_COLUMNS,
  CUSTOMER_SEARCH,
  CUSTOMER_WITH_PRODUCT,
  customerCountSql,
  customerListSql,
  CUSTOMERS_BY_NAME,
  customersByRefSql,
  customerHistoryByRefSql,
  customerShowByRefSql,
  DISTINCT_OWNERS,
  ID_BYTES,
  idPrefixCondition,
  Parameters,
  type CustomerListFilter,
} from './queries.js';
import { insertValues, setClause } from './rows.js';
import type { PgSession } from './store.js';

const RETURNING = `RETURNING ${columnsOf('c', CUSTOMER_COLUMNS)}`;

export class PgCustomerRepository implements CustomerRepository {
  constructor(private readonly session: PgSession) {}

  /**
   * The stored owners an `--owner` filter means (case-insensitive in any script): the team's
   * few distinct owners, folded here with foldCase as on SQLite, so no query folds per row.
   */
  private async ownersMatching(owner: string): Promise<string[]> {
    const wanted = foldCase(owner);
    const owners = await this.session.query<{ owner: string }>(DISTINCT_OWNERS);
    return owners.map((row) => row.owner).filter((stored) => foldCase(stored) === wanted);
  }

  private async listFilter(filter: CustomerFilter): Promise<CustomerListFilter> {
    return {
      archived: filter.archived ?? 'exclude',
      ...(filter.status && { status: filter.status }),
      ...(filter.productId && { productId: filter.productId }),
      ...(filter.owner && { owners: await this.ownersMatching(filter.owner) }),
      ...(filter.tags && { tags: filter.tags }),
    };
  }

  async list(filter: CustomerFilter, page: CustomerPage = {}): Promise<CustomerWithProduct[]> {
    const { text, values } = customerListSql(await this.listFilter(filter), page.sort ?? 'created', page);
    return (await this.session.query<RawCustomer>(text, values)).map(toCustomerWithProduct);
  }

  async count(filter: CustomerFilter): Promise<number> {
    const { text, values } = customerCountSql(await this.listFilter(filter));
    return (await this.session.query<{ n: number }>(text, values))[0]?.n ?? 0;
  }

  /** The first customer with this e-mail ignoring ASCII case: the oldest, then by id. */
  async findByEmail(email: string): Promise<Customer | undefined> {
    return (await this.session.query<Customer>(CUSTOMER_BY_EMAIL, [email]))[0];
  }

  async search(text: string, page: SearchPage): Promise<CustomerWithProduct[]> {
    const limit = page.limit < 0 ? null : page.limit;
    return (await this.session.query<RawCustomer>(CUSTOMER_SEARCH, [text, limit, page.offset])).map(toCustomerWithProduct);
  }

  async get(id: string): Promise<Customer | undefined> {
    return (await this.session.query<Customer>(CUSTOMER_BY_ID, [id]))[0];
  }

  async getWithProduct(id: string): Promise<CustomerWithProduct | undefined> {
    const row = (await this.session.query<RawCustomer>(CUSTOMER_WITH_PRODUCT, [id]))[0];
    return row ? toCustomerWithProduct(row) : undefined;
  }

  async findByIdPrefix(prefix: string, limit: number): Promise<Customer[]> {
    const parameters = new Parameters();
    const where = idPrefixCondition('c', prefix, parameters);
    return this.session.query<Customer>(
      `SELECT ${columnsOf('c', CUSTOMER_COLUMNS)} FROM crm.customers AS c WHERE ${where} ORDER BY ${ID_BYTES('c')} LIMIT ${parameters.add(limit)}`,
      parameters.values,
    );
  }

  async findByRef(query: RefQuery, limit: number): Promise<CustomerWithProduct[]> {
    const { text, values } = customersByRefSql(query, limit);
    return (await this.session.query<RawCustomer>(text, values)).map(toCustomerWithProduct);
  }

  async showByRef(query: RefQuery, limit: number): Promise<CustomerShowRead> {
    return this.namedByRef<ShowColumns, CustomerShowRead>(customerShowByRefSql(query, limit), (row) => ({
      company_name: row.company_name,
      tags: JSON.parse(row.tags!) as string[],
      interactions: JSON.parse(row.interactions!) as Interaction[],
    }));
  }

  async historyByRef(query: RefQuery, limit: number): Promise<CustomerHistoryRead> {
    return this.namedByRef<{ entries: string | null }, CustomerHistoryRead>(customerHistoryByRefSql(query, limit), (row) => ({
      entries: (JSON.parse(row.entries!) as AuditRow[]).map(toAuditEntry),
    }));
  }

  /** The candidates of a namedByRefSql statement, and what it brought of the one named. */
  private async namedByRef<Extra, Read extends NamedByRef<object>>(
    { text, values }: { text: string; values: unknown[] },
    namedPart: (row: Extra) => Omit<NonNullable<Read['named']>, 'id'>,
  ): Promise<Read> {
    const rows = await this.session.query<RawCustomer & Extra & { named: boolean }>(text, values);
    const read = { candidates: [] } as NamedByRef<object>;
    for (const row of rows) {
      const candidate = candidateOf(row);
      read.candidates.push(candidate);
      if (row.named && !read.named) read.named = { id: candidate.id, ...namedPart(row) };
    }
    return read as Read;
  }

  async findByName(name: string): Promise<Customer[]> {
    return this.session.query<Customer>(CUSTOMERS_BY_NAME, [name]);
  }

  async namesStartingWith(prefix: string, limit: number): Promise<string[]> {
    const rows = await this.session.query<{ name: string }>(CUSTOMER_NAMES_STARTING_WITH, [prefix, limit]);
    return rows.map((row) => row.name);
  }

  async insert(row: NewCustomer): Promise<Customer> {
    const parameters = new Parameters();
    const rows = await this.session.query<Customer>(
      `INSERT INTO crm.customers AS c ${insertValues(CUSTOMER_COLUMNS, row, parameters)} ${RETURNING}`,
      parameters.values,
    );
    return rows[0]!;
  }

  async update(id: string, patch: CustomerPatch): Promise<Customer> {
    const parameters = new Parameters();
    const set = setClause(CUSTOMER_COLUMNS, patch, parameters);
    if (!set) return (await this.get(id)) as Customer;
    const rows = await this.session.query<Customer>(
      `UPDATE crm.customers AS c SET ${set} WHERE c.id = ${parameters.add(id)} ${RETURNING}`,
      parameters.values,
    );
    if (rows[0]) return rows[0];
    throw await this.unchanged(id, 'write');
  }

  /**
   * Only rows whose flag differs are changed. A row the member may see but not change
   * (another member's customer) is skipped by row-level security without an error: any such
   * row left with the old flag is refused, so the whole write rolls back.
   */
  async setArchived(ids: readonly string[], archived: boolean, at: string): Promise<number> {
    if (ids.length === 0) return 0;
    const changed = await this.session.query(
      `UPDATE crm.customers AS c SET is_archived = $1, updated_at = $2 WHERE c.id = ANY($3::text[]) AND c.is_archived <> $1 RETURNING c.id`,
      [archived, at, ids],
    );
    if (changed.length < ids.length) {
      const skipped = await this.session.query<{ n: number }>(
        `SELECT count(*) AS n FROM crm.customers AS c WHERE c.id = ANY($2::text[]) AND c.is_archived <> $1`,
        [archived, ids],
      );
      if ((skipped[0]?.n ?? 0) > 0) throw policyRefusal('customers', 'write');
    }
    return changed.length;
  }

  /** Clears the product of every customer linked to it; returns how many there were. */
  async unlinkProduct(productId: string, at: string): Promise<number> {
    const rows = await this.session.query<{ n: number }>(
      `WITH unlinked AS (UPDATE crm.customers AS c SET product_id = NULL, updated_at = $2 WHERE c.product_id = $1 RETURNING 1)
       SELECT count(*) AS n FROM unlinked`,
      [productId, at],
    );
    return rows[0]?.n ?? 0;
  }

  async delete(id: string): Promise<void> {
    const rows = await this.session.query(`DELETE FROM crm.customers AS c WHERE c.id = $1 RETURNING c.id`, [id]);
    if (rows.length === 0) throw await this.unchanged(id, 'delete');
  }

  /**
   * Why a customer the service had just found was not written: row-level security hides
   * other members' customers from a member's UPDATE and DELETE, or another member deleted it.
   */
  private async unchanged(id: string, action: 'write' | 'delete'): Promise<Error> {
    if (await this.get(id)) return policyRefusal('customers', action);
    return new ConflictError('the customer was deleted by another member meanwhile');
  }
}

/** A row of a list: the product's name, and in lists sorted by status the rank it sorted on. */
type RawCustomer = Customer & { product_name?: string | null; status_rank?: number };

/** A candidate of a namedByRefSql row: the customer's columns and its product's name, nothing it added. */
function candidateOf(row: RawCustomer): CustomerWithProduct {
  const customer: Partial<Record<keyof Customer, unknown>> = {};
  for (const column of CUSTOMER_COLUMNS) customer[column] = row[column];
  return { ...(customer as Customer), product_name: row.product_name ?? null };
}

/** What customerShowByRefSql adds to each candidate: set on the one named outright only. */
interface ShowColumns {
  company_name: string | null;
  /** JSON arrays as text. */
  tags: string | null;
  interactions: string | null;
}

function toCustomerWithProduct(row: RawCustomer): CustomerWithProduct {
  const { status_rank: _statusRank, ...customer } = row;
  return { ...customer, product_name: row.product_name ?? null };
}
