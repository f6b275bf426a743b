import { randomUUID } from 'node:crypto';
import { isPostgresUrl } from '../../db/location.js';
import { ValidationError } from '../../domain/errors.js';
import type { Customer } from '../../domain/types.js';
import type { CustomerStatus } from '../../domain/vocabulary.js';
import type {
  ArchiveBatch,
  ArchiveCursor,
  ArchiveRepository,
  ArchiveRow,
  ArchiveRows,
  ArchiveTarget,
} from '../ports.js';
import { jsonArray } from './json-rows.js';
import { columnsOf, COMPANY_COLUMNS, CUSTOMER_COLUMNS, INTERACTION_COLUMNS, PRODUCT_COLUMNS } from './queries.js';
import { PgStore, type PgSession } from './store.js';

/**
 * The archive jobs on a team's server. Row-level security decides whose customers a member
 * may archive or move (those they own; a manager every one of the team): the queries below
 * also say so themselves, so that counts and dry runs show what the job will do rather than
 * every customer the member can read.
 *
 * Batches walk the ids in byte order from a cursor (customers_id_bytes_idx), and lock what
 * they pick (FOR UPDATE) until the batch's transaction ends: nobody edits a picked customer,
 * or logs an interaction on it (the foreign key's check waits for the lock), between its copy
 * and its delete.
 */

const CUSTOMER_SELECT = columnsOf('c', CUSTOMER_COLUMNS);
const INTERACTION_SELECT = columnsOf('i', INTERACTION_COLUMNS);

/** $1: updated before (null: any), $2: the writer is a manager. */
const MOVABLE_CUSTOMERS = `FROM crm.customers AS c
  WHERE c.is_archived AND ($1::timestamptz IS NULL OR c.updated_at < $1::timestamptz)
    AND ($2::boolean OR c.owner = session_user)`;

/**
 * As on SQLite (src/repositories/sqlite/archive.ts): interactions older than $3, except those
 * of customers that move whole, and the latest interaction of a customer in use when it holds
 * a pending follow-up.
 */
const MOVABLE_INTERACTIONS = `FROM crm.customer_interactions AS i JOIN crm.customers AS c ON c.id = i.customer_id
  WHERE i.created_at < $3::timestamptz
    AND ($2::boolean OR c.owner = session_user)
    AND NOT (c.is_archived AND ($1::timestamptz IS NULL OR c.updated_at < $1::timestamptz))
    AND NOT (NOT c.is_archived AND i.follow_up_date IS NOT NULL AND i.id = (
      SELECT latest.id FROM crm.customer_interactions AS latest WHERE latest.customer_id = i.customer_id
      ORDER BY latest.created_at DESC, latest.id COLLATE "C" DESC LIMIT 1))`;

/** $1 status, $2 updated before, $3 the writer is a manager. */
const STALE = `FROM crm.customers AS c
  WHERE c.status = $1 AND NOT c.is_archived AND c.updated_at < $2::timestamptz AND ($3::boolean OR c.owner = session_user)`;

const EXTERNAL_ID_COLUMNS = ['source', 'external_id', 'customer_id', 'created_at'] as const;
const TAG_COLUMNS = ['customer_id', 'tag', 'created_at'] as const;

/**
 * $1: updated before (null: any), $2: the writer is a manager, $3: the cursor (the last id of
 * the previous batch), $4: the batch's size. The picked customers are materialized once (a
 * CTE read several times), locked; the rest reads them by id. The team test repeats the
 * row-level security policy's, against crm_team() run once (see PgBulkTransfer.selectExport):
 * the policy's own called it for every customer the walk read.
 */
const PICK_CUSTOMERS = `WITH picked AS (
    SELECT c.* ${MOVABLE_CUSTOMERS} AND c.team_id = (SELECT crm.crm_team()) AND c.id COLLATE "C" > $3
    ORDER BY c.id COLLATE "C" LIMIT $4 FOR UPDATE),
  moving AS (SELECT i.* FROM crm.customer_interactions AS i WHERE i.customer_id IN (SELECT id FROM picked))
  SELECT (SELECT array_agg(id ORDER BY id COLLATE "C") FROM picked) AS ids,
    (SELECT count(*) FROM moving) AS interaction_count,
    ${jsonArray('p', PRODUCT_COLUMNS, 'crm.products AS p WHERE p.id IN (SELECT product_id FROM picked)', 'p.id COLLATE "C"')} AS products,
    ${jsonArray('o', COMPANY_COLUMNS, 'crm.companies AS o WHERE o.id IN (SELECT company_id FROM picked)', 'o.id COLLATE "C"')} AS companies,
    ${jsonArray('c', CUSTOMER_COLUMNS, 'picked AS c', 'c.id COLLATE "C"')} AS customers,
    ${jsonArray('i', INTERACTION_COLUMNS, 'moving AS i', 'i.id COLLATE "C"')} AS interactions,
    ${jsonArray('e', EXTERNAL_ID_COLUMNS, 'crm.customer_external_ids AS e WHERE e.customer_id IN (SELECT id FROM picked)', 'e.position')} AS external_ids,
    ${jsonArray('t', TAG_COLUMNS, 'crm.customer_tags AS t WHERE t.customer_id IN (SELECT id FROM picked)', 't.customer_id COLLATE "C", t.position')} AS tags`;

interface PickedRow {
  ids: string[] | null;
  interaction_count: number | string;
  products: string;
  companies: string;
  customers: string;
  interactions: string;
  external_ids: string;
  tags: string;
}

/** A batch's rows per table as JSON arrays (text), parents first: what a PostgreSQL archive takes as is. */
export type ArchiveJson = { readonly [K in keyof ArchiveRows]: string };

/** A batch picked on a server: its rows as the server wrote them, for a PostgreSQL archive. */
export type PgArchiveBatch = ArchiveBatch & { json?: ArchiveJson };

function parseArchiveJson(json: ArchiveJson): ArchiveRows {
  return {
    products: JSON.parse(json.products) as ArchiveRow[],
    companies: JSON.parse(json.companies) as ArchiveRow[],
    customers: JSON.parse(json.customers) as ArchiveRow[],
    interactions: JSON.parse(json.interactions) as ArchiveRow[],
    externalIds: JSON.parse(json.externalIds) as ArchiveRow[],
    tags: JSON.parse(json.tags) as ArchiveRow[],
  };
}

const EMPTY: ArchiveRows = { products: [], companies: [], customers: [], interactions: [], externalIds: [], tags: [] };

const cursorText = (after: ArchiveCursor) => (typeof after === 'string' ? after : '');

/** A soft-archive cursor: the last customer's updated_at (the server's own text of it, exact) and id. */
const staleCursor = (after: ArchiveCursor): [string | null, string] =>
  typeof after === 'string' ? (JSON.parse(after) as [string, string]) : [null, ''];

export class PgArchiveRepository implements ArchiveRepository {
  private manager: boolean | undefined;

  constructor(
    private readonly session: PgSession,
    private readonly identify: () => Promise<string>,
  ) {}

  /** Asked once: a manager's jobs cover the whole team. */
  private async isManager(): Promise<boolean> {
    this.manager ??= (await this.session.query<{ manager: boolean }>(`SELECT crm.crm_is_manager() AS manager`))[0]?.manager === true;
    return this.manager;
  }

  async staleCustomers(status: CustomerStatus, updatedBefore: string): Promise<Customer[]> {
    return this.session.query<Customer>(`SELECT ${CUSTOMER_SELECT} ${STALE} ORDER BY c.updated_at, c.id COLLATE "C"`, [
      status,
      updatedBefore,
      await this.isManager(),
    ]);
  }

  /**
   * One statement per batch: the due customers after the cursor, locked (FOR UPDATE re-checks
   * each against a concurrent edit), archived, and the cursor to go on from. The walk follows
   * customers_updated_idx (team, is_archived, updated_at, id) from the cursor, as psql's plain
   * UPDATE reads it: only customers untouched since the cutoff, the team's test an index
   * condition. By id instead, each batch read every customer of the team after the cursor and
   * called crm_team() for each.
   */
  async archiveStale(status: CustomerStatus, updatedBefore: string, at: string, after: ArchiveCursor, limit: number) {
    const [afterAt, afterId] = staleCursor(after);
    const [row] = await this.session.query<{ ids: string[] | null; next_at: string | null; next_id: string | null }>(
      `WITH picked AS (
         SELECT c.id, c.updated_at ${STALE}
           AND ($4::timestamptz IS NULL OR (c.updated_at, c.id COLLATE "C") > ($4::timestamptz, $5::text COLLATE "C"))
         ORDER BY c.updated_at, c.id COLLATE "C" LIMIT $6 FOR UPDATE),
       archived AS (
         UPDATE crm.customers AS u SET is_archived = true, updated_at = $7 FROM picked WHERE u.id = picked.id RETURNING u.id),
       last AS (SELECT updated_at::text AS at, id FROM picked ORDER BY updated_at DESC, id COLLATE "C" DESC LIMIT 1)
       SELECT (SELECT array_agg(id) FROM archived) AS ids, (SELECT at FROM last) AS next_at, (SELECT id FROM last) AS next_id`,
      [status, updatedBefore, await this.isManager(), afterAt, afterId, limit, at],
    );
    const ids = row?.ids ?? [];
    if (!row?.next_at || !row.next_id) return { ids, next: after };
    return { ids, next: JSON.stringify([row.next_at, row.next_id]) };
  }

  async countMovableCustomers(customersBefore: string | null): Promise<{ customers: number; interactions: number }> {
    const [row] = await this.session.query<{ customers: number; interactions: number }>(
      `WITH movable AS (SELECT c.id ${MOVABLE_CUSTOMERS})
       SELECT (SELECT count(*) FROM movable) AS customers,
         (SELECT count(*) FROM crm.customer_interactions AS i WHERE i.customer_id IN (SELECT id FROM movable)) AS interactions`,
      [customersBefore, await this.isManager()],
    );
    return { customers: Number(row?.customers ?? 0), interactions: Number(row?.interactions ?? 0) };
  }

  async countMovableInteractions(interactionsBefore: string, customersBefore: string | null): Promise<number> {
    const [row] = await this.session.query<{ n: number }>(`SELECT count(*) AS n ${MOVABLE_INTERACTIONS}`, [
      customersBefore,
      await this.isManager(),
      interactionsBefore,
    ]);
    return Number(row?.n ?? 0);
  }

  /**
   * One statement per batch: the customers after the cursor, locked (FOR UPDATE), and every row
   * that moves with them or that the archive's foreign keys need, each table as one JSON array
   * in the form the driver would give (instants as ISO text in UTC, to the millisecond). A
   * statement per table cost a round trip each, on a loaded machine a good part of a batch;
   * a PostgreSQL archive takes the arrays as they came, without parsing them here.
   */
  async pickCustomers(customersBefore: string | null, after: ArchiveCursor, limit: number): Promise<ArchiveBatch> {
    const [row] = await this.session.query<PickedRow>(PICK_CUSTOMERS, [customersBefore, await this.isManager(), cursorText(after), limit]);
    const ids = row?.ids ?? [];
    const json: ArchiveJson | undefined = ids.length
      ? {
          products: row!.products,
          companies: row!.companies,
          customers: row!.customers,
          interactions: row!.interactions,
          externalIds: row!.external_ids,
          tags: row!.tags,
        }
      : undefined;
    const batch: PgArchiveBatch = {
      customers: ids.length,
      interactions: Number(row?.interaction_count ?? 0),
      next: ids.length ? ids[ids.length - 1]! : after,
      json,
      rows: async () => (json ? parseArchiveJson(json) : EMPTY),
      // Interactions, external ids and tags go with their customers (ON DELETE CASCADE), audited one by one.
      deleteMoved: async () => {
        if (ids.length === 0) return;
        const deleted = await this.session.query(`DELETE FROM crm.customers WHERE id = ANY($1::text[]) RETURNING id`, [ids]);
        if (deleted.length !== ids.length) throw new Error(`archive: ${ids.length - deleted.length} picked customers could not be deleted`);
      },
    };
    return batch;
  }

  async pickInteractions(
    interactionsBefore: string,
    customersBefore: string | null,
    after: ArchiveCursor,
    limit: number,
  ): Promise<ArchiveBatch> {
    const interactions = await this.session.query<ArchiveRow>(
      `SELECT ${INTERACTION_SELECT} ${MOVABLE_INTERACTIONS} AND i.id COLLATE "C" > $4
       ORDER BY i.id COLLATE "C" LIMIT $5 FOR UPDATE OF i`,
      [customersBefore, await this.isManager(), interactionsBefore, cursorText(after), limit],
    );
    const owners = [...new Set(interactions.map((row) => row.customer_id as string))];
    // The archive's foreign key needs the customer: a copy of its row goes along; the customer stays.
    const customers = owners.length
      ? await this.session.query<ArchiveRow>(`SELECT ${CUSTOMER_SELECT} FROM crm.customers AS c WHERE c.id = ANY($1::text[])`, [owners])
      : [];
    const ids = interactions.map((row) => row.id as string);
    return {
      customers: customers.length,
      interactions: interactions.length,
      next: ids.length ? ids[ids.length - 1]! : after,
      rows: async () => ({ ...(await this.parents(customers)), customers, interactions, externalIds: [], tags: [] }),
      deleteMoved: async () => {
        if (ids.length === 0) return;
        // Interactions go alone only through the server's permit (drizzle/pg/0009_interactions_no_delete.sql).
        await this.session.query(`SELECT crm.crm_delete_interactions($1::text[])`, [ids]);
      },
    };
  }

  private async parents(customers: readonly ArchiveRow[]): Promise<Pick<ArchiveRows, 'products' | 'companies'>> {
    const named = (column: string) => [...new Set(customers.map((c) => c[column]).filter((id): id is string => typeof id === 'string'))];
    const productIds = named('product_id');
    const companyIds = named('company_id');
    return {
      products: productIds.length
        ? await this.session.query<ArchiveRow>(`SELECT ${columnsOf('p', PRODUCT_COLUMNS)} FROM crm.products AS p WHERE p.id = ANY($1::text[])`, [productIds])
        : [],
      companies: companyIds.length
        ? await this.session.query<ArchiveRow>(`SELECT ${columnsOf('o', COMPANY_COLUMNS)} FROM crm.companies AS o WHERE o.id = ANY($1::text[])`, [companyIds])
        : [],
    };
  }

  /** A writer here waits on row locks, in a queue: nobody needs a gap between batches. */
  async pause(): Promise<void> {}

  async finish(): Promise<void> {}

  async openTarget(location: string): Promise<ArchiveTarget> {
    if (!isPostgresUrl(location)) {
      const { openArchiveTarget } = await import('../sqlite/archive.js');
      return openArchiveTarget(location);
    }
    const target = await PgArchiveTarget.open(location);
    try {
      // This very database (under any URL that reaches it) would be emptied: the copy is a
      // no-op there and the delete removes the only rows. Asked of the server, by a mark only
      // this connection carries.
      if (await target.sees(await this.identify())) {
        throw new ValidationError(`the archive ${target.location} is this database itself; choose another database`);
      }
    } catch (error) {
      await target.close();
      throw error;
    }
    return target;
  }
}

/** Sets a mark on the source's connection that another connection to the same database can see. */
export async function markConnection(session: PgSession): Promise<string> {
  const mark = `crm archive ${randomUUID()}`;
  await session.query(`SELECT set_config('application_name', $1, false)`, [mark]);
  return mark;
}

/**
 * `INSERT ... SELECT` from a JSON array of rows (the column types come from the table, so ISO
 * text becomes timestamptz and JSON booleans booleans): one statement per table and batch.
 * team_id is left out: the server fills in the writer's team.
 */
function upsertSql(
  table: string,
  columns: readonly string[],
  options: { overrides?: Record<string, string>; key?: readonly string[]; nothing?: boolean } = {},
): string {
  const key = options.key ?? ['id'];
  const values = columns.map((column) => options.overrides?.[column] ?? `r.${column}`);
  const updatable = columns.filter((column) => !key.includes(column));
  const conflict = options.nothing
    ? 'DO NOTHING'
    : `DO UPDATE SET ${updatable.map((column) => `${column} = EXCLUDED.${column}`).join(', ')}
       WHERE (${updatable.map((column) => `t.${column}`).join(', ')}) IS DISTINCT FROM (${updatable.map((column) => `EXCLUDED.${column}`).join(', ')})`;
  return `INSERT INTO crm.${table} AS t (${columns.join(', ')})
    SELECT ${values.join(', ')} FROM json_populate_recordset(NULL::crm.${table}, $1::json) AS r
    ON CONFLICT (${key.join(', ')}) ${conflict}`;
}

/** A later product or company of the same name keeps it with its short id appended (as on SQLite). */
const uniqueName = (table: string) => `CASE WHEN EXISTS (
    SELECT 1 FROM crm.${table} AS n WHERE lower(n.name) = lower(r.name) AND n.id IS DISTINCT FROM r.id)
  THEN r.name || ' (' || substr(r.id, 1, 8) || ')' ELSE r.name END`;

const UPSERT_PRODUCTS = upsertSql('products', PRODUCT_COLUMNS, { overrides: { is_active: 'false', name: uniqueName('products') } });
const UPSERT_COMPANIES = upsertSql('companies', COMPANY_COLUMNS, { overrides: { name: uniqueName('companies') } });
const UPSERT_CUSTOMERS = upsertSql('customers', CUSTOMER_COLUMNS);
// Interactions are immutable: one already there is the same interaction.
const INSERT_INTERACTIONS = upsertSql('customer_interactions', INTERACTION_COLUMNS, { nothing: true });
// An external id names one customer per team: a rerun's copy finds it there already.
const UPSERT_EXTERNAL_IDS = `INSERT INTO crm.customer_external_ids AS t (source, external_id, customer_id, created_at)
  SELECT r.source, r.external_id, r.customer_id, r.created_at
  FROM json_populate_recordset(NULL::crm.customer_external_ids, $1::json) WITH ORDINALITY AS r
  ORDER BY r.ordinality
  ON CONFLICT (team_id, source, external_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, created_at = EXCLUDED.created_at
  WHERE (t.customer_id, t.created_at) IS DISTINCT FROM (EXCLUDED.customer_id, EXCLUDED.created_at)`;
const INSERT_TAGS = `INSERT INTO crm.customer_tags (customer_id, tag, created_at)
  SELECT r.customer_id, r.tag, r.created_at FROM json_populate_recordset(NULL::crm.customer_tags, $1::json) WITH ORDINALITY AS r
  ORDER BY r.ordinality
  ON CONFLICT DO NOTHING`;

function stringified(rows: ArchiveRows): ArchiveJson {
  return {
    products: JSON.stringify(rows.products),
    companies: JSON.stringify(rows.companies),
    customers: JSON.stringify(rows.customers),
    interactions: JSON.stringify(rows.interactions),
    externalIds: JSON.stringify(rows.externalIds),
    tags: JSON.stringify(rows.tags),
  };
}

/** The archive side on a team's PostgreSQL database: each batch is one transaction there. */
export class PgArchiveTarget implements ArchiveTarget {
  private constructor(private readonly store: PgStore) {}

  static async open(url: string): Promise<PgArchiveTarget> {
    return new PgArchiveTarget(await PgStore.open(url));
  }

  get location(): string {
    return this.store.location;
  }

  /** Whether a connection carrying `mark` is connected to this same database. */
  async sees(mark: string): Promise<boolean> {
    const [row] = await this.store.session.query<{ seen: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()) AS seen`,
      [mark],
    );
    return row?.seen === true;
  }

  /**
   * One round trip for the batch's rows, whatever the tables: the statements go together as
   * one simple query (run in order, inside this write), each table's JSON array a literal. A
   * batch picked on a server arrives as the JSON the server wrote, passed on as is. On a
   * loaded machine each round trip waits for the server to be scheduled: a statement per
   * table was a good part of a batch.
   */
  async copy(batch: ArchiveBatch): Promise<void> {
    const json = (batch as PgArchiveBatch).json ?? stringified(await batch.rows());
    const { session } = this.store;
    const statements = [
      [UPSERT_PRODUCTS, json.products],
      [UPSERT_COMPANIES, json.companies],
      [UPSERT_CUSTOMERS, json.customers],
      [INSERT_INTERACTIONS, json.interactions],
      [UPSERT_EXTERNAL_IDS, json.externalIds],
      // In the order they came (each customer's as added): the archive's positions follow it.
      [INSERT_TAGS, json.tags],
    ] as const;
    const sql = statements
      .filter(([, rows]) => rows !== '[]')
      // A function, not a string: `$&` in the data would be a replacement pattern.
      .map(([statement, rows]) => statement.replace('$1::json', () => `${session.client.escapeLiteral(rows)}::json`));
    if (sql.length === 0) return;
    await this.store.write(async () => {
      await session.client.query(sql.join(';\n'));
    });
  }

  /** The server checkpoints by itself. */
  async pause(): Promise<void> {}

  async close(): Promise<void> {
    await this.store.close();
  }
}
