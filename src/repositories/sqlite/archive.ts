import type Database from 'better-sqlite3';
import { and, asc, eq, getTableColumns, lt, type SQL } from 'drizzle-orm';
import { openDatabase, type CrmDatabase, type Drizzle } from '../../db/connection.js';
import { databaseFileNames, refuseDatabaseFile } from '../../db/database-files.js';
import { isPostgresUrl } from '../../db/location.js';
import { deferSearchIndex } from '../../db/search-index.js';
import { companies, customerExternalIds, customerInteractions, customers, customerTags, products } from '../../db/schema.js';
import { UncreatablePathError, UnopenableDatabaseError, ValidationError } from '../../domain/errors.js';
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

/** Rows exactly as SQLite stores them (0/1 booleans), so copying them loses nothing. */
export type RawRow = Record<string, unknown>;

/** Exported for the test that checks these batch queries never sort or rescan the table. */
export const ARCHIVE_STALE_BATCH = `UPDATE customers SET is_archived = 1, updated_at = @at
  WHERE rowid IN (
    SELECT rowid FROM customers
    WHERE status = @status AND rowid > @after AND +is_archived = 0 AND updated_at < @updatedBefore
    ORDER BY rowid LIMIT @limit)
  RETURNING rowid AS position, id`;

/**
 * Soft-archiving (the `is_archived` flag) of customers left untouched in one status.
 *
 * The cron form walks the table in rowid order from a cursor, so each batch reads only the
 * rows after the previous one (through customers_status_idx, whose entries for one status
 * are in rowid order; the unary + keeps the planner off the index of the far more numerous
 * non-archived rows, without INDEXED BY, which would fail every command on a file that lost
 * the index): the whole run reads each due row once instead of rescanning and sorting every
 * candidate per batch.
 */
export class StaleCustomerRepository {
  private readonly archiveNext: Database.Statement;

  constructor(
    private readonly orm: Drizzle,
    sqlite: Database.Database,
  ) {
    this.archiveNext = sqlite.prepare(ARCHIVE_STALE_BATCH);
  }

  private stale(status: CustomerStatus, updatedBefore: string): SQL {
    return and(
      eq(customers.is_archived, false),
      eq(customers.status, status),
      lt(customers.updated_at, updatedBefore),
    )!;
  }

  list(status: CustomerStatus, updatedBefore: string): Customer[] {
    return this.orm
      .select()
      .from(customers)
      .where(this.stale(status, updatedBefore))
      .orderBy(asc(customers.updated_at), asc(customers.id))
      .all();
  }

  /**
   * Archives the next `limit` stale customers after the cursor `after` (a rowid; 0 at the
   * start) in one statement, and returns their ids and the cursor to continue from. The
   * staleness test is part of the UPDATE itself, so a customer edited by another process
   * since an earlier batch is left alone.
   */
  archiveBatch(
    status: CustomerStatus,
    updatedBefore: string,
    at: string,
    after: number,
    limit: number,
  ): { ids: string[]; next: number } {
    const rows = this.archiveNext.all({ status, updatedBefore, at, after, limit }) as Array<{ position: number; id: string }>;
    let next = after;
    for (const row of rows) if (row.position > next) next = row.position;
    return { ids: rows.map((row) => row.id), next };
  }
}

const columnNames = (table: Parameters<typeof getTableColumns>[0]) =>
  Object.values(getTableColumns(table)).map((column) => column.name);

const PRODUCT_COLUMNS = columnNames(products);
const COMPANY_COLUMNS = columnNames(companies);
const CUSTOMER_COLUMNS = columnNames(customers);
const INTERACTION_COLUMNS = columnNames(customerInteractions);
const EXTERNAL_ID_COLUMNS = columnNames(customerExternalIds);
const TAG_COLUMNS = columnNames(customerTags);

/** `IN` over a JSON array: one bound parameter whatever the batch size. */
const IN_IDS = `IN (SELECT value FROM json_each(?))`;

/** Archived customers due to move; a NULL `@customersBefore` means every archived customer. */
const MOVABLE_CUSTOMERS = `FROM customers WHERE is_archived = 1 AND (@customersBefore IS NULL OR updated_at < @customersBefore)`;

/**
 * Interactions older than `@interactionsBefore`, except those of customers that move whole (as in
 * MOVABLE_CUSTOMERS), and except one that carries a pending follow-up of a customer still in
 * use (its latest interaction, with a follow-up date): moving that would silently drop the
 * follow-up from `crm followups`.
 */
const MOVABLE_INTERACTIONS = `FROM customer_interactions AS i JOIN customers AS c ON c.id = i.customer_id
  WHERE i.created_at < @interactionsBefore
    AND NOT (c.is_archived = 1 AND (@customersBefore IS NULL OR c.updated_at < @customersBefore))
    AND NOT (c.is_archived = 0 AND i.follow_up_date IS NOT NULL AND i.id = (
      SELECT latest.id FROM customer_interactions AS latest WHERE latest.customer_id = i.customer_id
      ORDER BY latest.created_at DESC, latest.id DESC LIMIT 1))`;

/** A column name no table has: the rowid a batch was read up to rides along with each row. */
const POSITION = 'crm_position';

/** Rows read from a rowid cursor, and the cursor to read the next batch from. */
export interface Positioned {
  rows: RawRow[];
  next: number;
}

function positioned(rows: RawRow[], after: number): Positioned {
  let next = after;
  for (const row of rows) {
    next = Math.max(next, row[POSITION] as number);
    delete row[POSITION];
  }
  return { rows, next };
}

/**
 * From a rowid cursor (customers_is_archived_idx holds the archived ones in rowid order), so
 * each batch reads the rows after the last one instead of rescanning and sorting every
 * archived customer. Exported for the query-plan test.
 */
export const MOVABLE_CUSTOMERS_BATCH = `SELECT rowid AS ${POSITION}, * ${MOVABLE_CUSTOMERS}
  AND rowid > @after ORDER BY rowid LIMIT @limit`;

/**
 * A walk of the interactions in rowid order from the cursor, each looking up its customer
 * (CROSS JOIN keeps that order): through the created_at index, or from the customers' side,
 * each batch would sort every old interaction again.
 */
export const MOVABLE_INTERACTIONS_BATCH = `SELECT i.rowid AS ${POSITION}, i.* ${MOVABLE_INTERACTIONS.replace(
  'customer_interactions AS i JOIN',
  'customer_interactions AS i NOT INDEXED CROSS JOIN',
)}
  AND i.rowid > @after ORDER BY i.rowid LIMIT @limit`;

/** The main file's side of a move to the archive: what is due, and deleting it once copied. */
export class ArchiveSourceRepository {
  // Prepared once: a move runs these for every batch.
  private readonly statements: Record<
    | 'movableCustomers'
    | 'countMovableCustomers'
    | 'movableInteractions'
    | 'countMovableInteractions'
    | 'interactionsOf'
    | 'externalIdsOf'
    | 'tagsOf'
    | 'customers'
    | 'products'
    | 'companies'
    | 'deleteCustomers'
    | 'deleteInteractions'
    | 'permitInteractionDeletes',
    Database.Statement
  >;

  constructor(sqlite: Database.Database) {
    this.statements = {
      movableCustomers: sqlite.prepare(MOVABLE_CUSTOMERS_BATCH),
      countMovableCustomers: sqlite.prepare(
        `SELECT count(*) AS customers,
           (SELECT count(*) FROM customer_interactions WHERE customer_id IN (SELECT id ${MOVABLE_CUSTOMERS})) AS interactions
         ${MOVABLE_CUSTOMERS}`,
      ),
      movableInteractions: sqlite.prepare(MOVABLE_INTERACTIONS_BATCH),
      countMovableInteractions: sqlite.prepare(`SELECT count(*) AS n ${MOVABLE_INTERACTIONS}`),
      interactionsOf: sqlite.prepare(`SELECT * FROM customer_interactions WHERE customer_id ${IN_IDS} ORDER BY id`),
      externalIdsOf: sqlite.prepare(`SELECT * FROM customer_external_ids WHERE customer_id ${IN_IDS} ORDER BY rowid`),
      tagsOf: sqlite.prepare(`SELECT * FROM customer_tags WHERE customer_id ${IN_IDS} ORDER BY rowid`),
      customers: sqlite.prepare(`SELECT * FROM customers WHERE id ${IN_IDS}`),
      products: sqlite.prepare(`SELECT * FROM products WHERE id ${IN_IDS}`),
      companies: sqlite.prepare(`SELECT * FROM companies WHERE id ${IN_IDS}`),
      deleteCustomers: sqlite.prepare(`DELETE FROM customers WHERE id ${IN_IDS}`),
      deleteInteractions: sqlite.prepare(`DELETE FROM customer_interactions WHERE id ${IN_IDS}`),
      permitInteractionDeletes: sqlite.prepare(`UPDATE audit_context SET may_delete_interactions = ?`),
    };
  }

  movableCustomers(customersBefore: string | null, after: number, limit: number): Positioned {
    return positioned(this.statements.movableCustomers.all({ customersBefore, after, limit }) as RawRow[], after);
  }

  countMovableCustomers(customersBefore: string | null): { customers: number; interactions: number } {
    return this.statements.countMovableCustomers.get({ customersBefore }) as { customers: number; interactions: number };
  }

  movableInteractions(
    interactionsBefore: string,
    customersBefore: string | null,
    after: number,
    limit: number,
  ): Positioned {
    return positioned(
      this.statements.movableInteractions.all({ interactionsBefore, customersBefore, after, limit }) as RawRow[],
      after,
    );
  }

  countMovableInteractions(interactionsBefore: string, customersBefore: string | null): number {
    return (this.statements.countMovableInteractions.get({ interactionsBefore, customersBefore }) as { n: number }).n;
  }

  interactionsOf(customerIds: readonly string[]): RawRow[] {
    return this.statements.interactionsOf.all(JSON.stringify(customerIds)) as RawRow[];
  }

  externalIdsOf(customerIds: readonly string[]): RawRow[] {
    return this.statements.externalIdsOf.all(JSON.stringify(customerIds)) as RawRow[];
  }

  tagsOf(customerIds: readonly string[]): RawRow[] {
    return this.statements.tagsOf.all(JSON.stringify(customerIds)) as RawRow[];
  }

  customers(ids: readonly string[]): RawRow[] {
    return this.statements.customers.all(JSON.stringify(ids)) as RawRow[];
  }

  products(ids: readonly string[]): RawRow[] {
    return this.statements.products.all(JSON.stringify(ids)) as RawRow[];
  }

  /** The companies of the customers that move (they stay in the main file too: others may work there). */
  companies(ids: readonly string[]): RawRow[] {
    return this.statements.companies.all(JSON.stringify(ids)) as RawRow[];
  }

  /** Their interactions, external ids and tags go with them (ON DELETE CASCADE). */
  deleteCustomers(ids: readonly string[]): number {
    return this.statements.deleteCustomers.run(JSON.stringify(ids)).changes;
  }

  /**
   * Interactions of customers that stay may be deleted only under the permit in audit_context
   * (drizzle/0007_raw_sql_rules.sql), which lasts for this one statement of crm's write
   * transaction, so the sqlite3 shell can never delete one.
   */
  deleteInteractions(ids: readonly string[]): number {
    const { permitInteractionDeletes } = this.statements;
    if (permitInteractionDeletes.run(1).changes !== 1) {
      throw new Error('interactions are deleted only inside a crm write transaction');
    }
    try {
      return this.statements.deleteInteractions.run(JSON.stringify(ids)).changes;
    } finally {
      permitInteractionDeletes.run(0);
    }
  }
}

/**
 * An upsert that rewrites a row only when something differs: an identical re-copy (the
 * rerun after a crash) is then a true no-op, and the `updated_at` trigger never fires on it.
 */
function upsertSql(
  table: string,
  columns: readonly string[],
  overrides: Record<string, string> = {},
  key: readonly string[] = ['id'],
): string {
  const values = columns.map((column) => overrides[column] ?? `@${column}`);
  const updatable = columns.filter((column) => !key.includes(column));
  const assignments = updatable.map((column) => `${column} = excluded.${column}`).join(', ');
  const differs = updatable.map((column) => `${table}.${column} IS NOT excluded.${column}`).join(' OR ');
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${values.join(', ')})
    ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${assignments} WHERE ${differs}`;
}

/** The archive file's side: copies keyed by id, so copying twice changes nothing. */
export class ArchiveTargetRepository {
  private readonly upsertProduct: Database.Statement;
  private readonly upsertCompany: Database.Statement;
  private readonly upsertCustomer: Database.Statement;
  private readonly insertInteraction: Database.Statement;
  private readonly upsertExternalId: Database.Statement;
  private readonly insertTag: Database.Statement;

  constructor(sqlite: Database.Database) {
    // Only the move writes the archive file while it runs, and closing it checkpoints the
    // WAL: checkpointing after every batch (the default, each 1000 pages) cost a move about a
    // third of its time (npm run bench:archive). The main file keeps the default, so that a
    // user's next command never inherits a large WAL to checkpoint.
    sqlite.pragma('wal_autocheckpoint = 16384');
    // The archive offers nothing, and its own 3-active-products trigger would refuse a
    // fourth product that was active at the time it was copied: products land inactive.
    // Names are unique per file, but the archive collects products over the years: one
    // deleted and another later given its name both arrive. The later copy keeps its name
    // with its short id appended, so neither is refused nor lost.
    this.upsertProduct = sqlite.prepare(
      upsertSql('products', PRODUCT_COLUMNS, {
        is_active: '0',
        name: `CASE WHEN EXISTS (SELECT 1 FROM products WHERE crm_fold(name) = crm_fold(@name) AND id IS NOT @id)
          THEN @name || ' (' || substr(@id, 1, 8) || ')' ELSE @name END`,
      }),
    );
    // As products: names are unique per file, and the archive collects companies over the years.
    this.upsertCompany = sqlite.prepare(
      upsertSql('companies', COMPANY_COLUMNS, {
        name: `CASE WHEN EXISTS (SELECT 1 FROM companies WHERE crm_fold(name) = crm_fold(@name) AND id IS NOT @id)
          THEN @name || ' (' || substr(@id, 1, 8) || ')' ELSE @name END`,
      }),
    );
    this.upsertCustomer = sqlite.prepare(upsertSql('customers', CUSTOMER_COLUMNS));
    // Interactions are immutable, so one already there is the same interaction.
    this.insertInteraction = sqlite.prepare(
      `INSERT INTO customer_interactions (${INTERACTION_COLUMNS.join(', ')})
       VALUES (${INTERACTION_COLUMNS.map((column) => `@${column}`).join(', ')}) ON CONFLICT (id) DO NOTHING`,
    );
    // The tool's id names one customer per file: in the archive, the one that moved last.
    this.upsertExternalId = sqlite.prepare(upsertSql('customer_external_ids', EXTERNAL_ID_COLUMNS, {}, ['source', 'external_id']));
    // A customer that moved before, came back and moved again may have kept a tag: one copy.
    this.insertTag = sqlite.prepare(
      `INSERT INTO customer_tags (${TAG_COLUMNS.join(', ')}) VALUES (${TAG_COLUMNS.map((column) => `@${column}`).join(', ')})
       ON CONFLICT (customer_id, tag) DO NOTHING`,
    );
  }

  /** Parents first, for the foreign keys. */
  copy(rows: ArchiveRows): void {
    for (const row of rows.products) this.upsertProduct.run(sqliteValues(row));
    for (const row of rows.companies) this.upsertCompany.run(sqliteValues(row));
    for (const row of rows.customers) this.upsertCustomer.run(sqliteValues(row));
    for (const row of rows.interactions) this.insertInteraction.run(sqliteValues(row));
    for (const row of rows.externalIds) this.upsertExternalId.run(sqliteValues(row));
    for (const row of rows.tags) this.insertTag.run(sqliteValues(row));
  }
}

/** SQLite stores booleans as 0/1 (and better-sqlite3 binds no boolean). */
function sqliteValues(row: ArchiveRow): ArchiveRow {
  let converted: ArchiveRow | undefined;
  for (const [column, value] of Object.entries(row)) {
    if (typeof value === 'boolean') (converted ??= { ...row })[column] = value ? 1 : 0;
  }
  return converted ?? row;
}

/** The flags a row carries as 0/1 here, as booleans: what any archive takes. */
function canonical(rows: RawRow[], flag: string): ArchiveRow[] {
  for (const row of rows) row[flag] = row[flag] === 1;
  return rows;
}

const NO_ROWS: ArchiveRows = { products: [], companies: [], customers: [], interactions: [], externalIds: [], tags: [] };

/** The archive side on a SQLite file. */
export class SqliteArchiveTarget implements ArchiveTarget {
  private readonly repository: ArchiveTargetRepository;

  constructor(private readonly archive: CrmDatabase) {
    this.repository = new ArchiveTargetRepository(archive.sqlite);
  }

  get location(): string {
    return this.archive.path;
  }

  async copy(batch: ArchiveBatch): Promise<void> {
    const rows = await batch.rows();
    this.archive.write(() => {
      // Each customer's search document is rebuilt once per batch, not per row.
      deferSearchIndex(this.archive.sqlite);
      this.repository.copy(rows);
    });
  }

  async close(): Promise<void> {
    this.archive.close();
  }
}

/** Opens (creating it, with any missing folder) the archive file, in words a user can act on. */
export function openArchiveFile(file: string, open: (file: string) => CrmDatabase = (name) => openDatabase(name)): CrmDatabase {
  try {
    return open(file);
  } catch (error) {
    if (error instanceof UncreatablePathError) {
      const reason = error.kind === 'folder' ? `folder ${error.target}: ${error.reason}` : error.reason;
      throw new ValidationError(`cannot create archive file ${file}: ${reason}`);
    }
    if (!(error instanceof UnopenableDatabaseError)) throw error;
    if (error.notADatabase) {
      throw new ValidationError(`${file} is not a crm database; choose a new file or an earlier archive`);
    }
    throw new ValidationError(`cannot open the archive ${file}: ${error.reason}`);
  }
}

/**
 * The archive a location names, seen from a source database: a PostgreSQL URL (its driver
 * loaded only then), else a SQLite file. `sourceFile`: the source's own file, which no file of
 * the archive may be.
 */
export async function openArchiveTarget(location: string, sourceFile?: string): Promise<ArchiveTarget> {
  if (isPostgresUrl(location)) {
    const { PgArchiveTarget } = await import('../pg/archive.js');
    return PgArchiveTarget.open(location);
  }
  if (sourceFile !== undefined) {
    const [archiveFile, ...companions] = databaseFileNames(location);
    refuseDatabaseFile(archiveFile!, sourceFile, 'the archive');
    for (const companion of companions) refuseDatabaseFile(companion, sourceFile, "the archive's companion file");
  }
  return new SqliteArchiveTarget(openArchiveFile(location));
}

/** The archive jobs on a SQLite file. */
export class SqliteArchiveRepository implements ArchiveRepository {
  private stale: StaleCustomerRepository | undefined;
  private source: ArchiveSourceRepository | undefined;

  constructor(private readonly db: CrmDatabase) {}

  // Prepared on first use: most commands never archive.
  private get staleRepository(): StaleCustomerRepository {
    return (this.stale ??= new StaleCustomerRepository(this.db.orm, this.db.sqlite));
  }

  private get sourceRepository(): ArchiveSourceRepository {
    return (this.source ??= new ArchiveSourceRepository(this.db.sqlite));
  }

  async staleCustomers(status: CustomerStatus, updatedBefore: string): Promise<Customer[]> {
    return this.staleRepository.list(status, updatedBefore);
  }

  async archiveStale(status: CustomerStatus, updatedBefore: string, at: string, after: ArchiveCursor, limit: number) {
    return this.staleRepository.archiveBatch(status, updatedBefore, at, (after as number | null) ?? 0, limit);
  }

  async countMovableCustomers(customersBefore: string | null) {
    return this.sourceRepository.countMovableCustomers(customersBefore);
  }

  async countMovableInteractions(interactionsBefore: string, customersBefore: string | null): Promise<number> {
    return this.sourceRepository.countMovableInteractions(interactionsBefore, customersBefore);
  }

  async pickCustomers(customersBefore: string | null, after: ArchiveCursor, limit: number): Promise<ArchiveBatch> {
    const source = this.sourceRepository;
    const picked = source.movableCustomers(customersBefore, (after as number | null) ?? 0, limit);
    const ids = picked.rows.map((c) => c.id as string);
    const interactions = ids.length ? source.interactionsOf(ids) : [];
    return {
      customers: ids.length,
      interactions: interactions.length,
      next: picked.next,
      rows: async () =>
        ids.length === 0
          ? NO_ROWS
          : {
              ...this.parents(picked.rows),
              customers: canonical(picked.rows, 'is_archived'),
              interactions,
              externalIds: source.externalIdsOf(ids),
              tags: source.tagsOf(ids),
            },
      deleteMoved: async () => {
        if (ids.length === 0) return;
        deferSearchIndex(this.db.sqlite);
        source.deleteCustomers(ids);
      },
    };
  }

  async pickInteractions(
    interactionsBefore: string,
    customersBefore: string | null,
    after: ArchiveCursor,
    limit: number,
  ): Promise<ArchiveBatch> {
    const source = this.sourceRepository;
    const picked = source.movableInteractions(interactionsBefore, customersBefore, (after as number | null) ?? 0, limit);
    const owners = [...new Set(picked.rows.map((i) => i.customer_id as string))];
    // The archive's foreign key needs the customer: a copy of its row goes along, while the
    // customer itself stays here, with its external ids and tags.
    const customerRows = owners.length ? source.customers(owners) : [];
    return {
      customers: customerRows.length,
      interactions: picked.rows.length,
      next: picked.next,
      rows: async () => ({
        ...this.parents(customerRows),
        customers: canonical(customerRows, 'is_archived'),
        interactions: picked.rows,
        externalIds: [],
        tags: [],
      }),
      deleteMoved: async () => {
        if (picked.rows.length === 0) return;
        deferSearchIndex(this.db.sqlite);
        source.deleteInteractions(picked.rows.map((i) => i.id as string));
      },
    };
  }

  /** The products and companies the customers name (they stay here too: others may use them). */
  private parents(customerRows: readonly RawRow[]): Pick<ArchiveRows, 'products' | 'companies'> {
    const source = this.sourceRepository;
    const named = (column: string) => [...new Set(customerRows.map((c) => c[column]).filter((id): id is string => typeof id === 'string'))];
    const productIds = named('product_id');
    const companyIds = named('company_id');
    return {
      products: productIds.length ? canonical(source.products(productIds), 'is_active') : [],
      companies: companyIds.length ? source.companies(companyIds) : [],
    };
  }

  openTarget(location: string): Promise<ArchiveTarget> {
    return openArchiveTarget(location, this.db.path);
  }
}
