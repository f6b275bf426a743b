import type Database from 'better-sqlite3';
import { setTimeout as sleep } from 'node:timers/promises';
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
export const MOVABLE_CUSTOMERS_BATCH = `SELECT rowid AS ${POSITION}, id ${MOVABLE_CUSTOMERS}
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
    | 'countInteractionsOf'
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
      countInteractionsOf: sqlite.prepare(`SELECT count(*) FROM customer_interactions WHERE customer_id ${IN_IDS}`).pluck(),
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

  countInteractionsOf(customerIds: readonly string[]): number {
    return this.statements.countInteractionsOf.get(JSON.stringify(customerIds)) as number;
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

/** A column's value in an upsert: a named parameter (`@name`), or a column of the rows selected (`r.name`). */
type ValueOf = (column: string) => string;
type Override = (value: ValueOf) => string;

/**
 * An upsert that rewrites a row only when something differs: an identical re-copy (the
 * rerun after a crash) is then a true no-op, and the `updated_at` trigger never fires on it.
 * One row from parameters, or (`from`: a FROM clause over `r`, with a WHERE) every row it selects.
 */
function upsertSql(
  table: string,
  columns: readonly string[],
  overrides: Record<string, Override> = {},
  key: readonly string[] = ['id'],
  from?: string,
): string {
  const value: ValueOf = from ? (column) => `r.${column}` : (column) => `@${column}`;
  const values = columns.map((column) => overrides[column]?.(value) ?? value(column));
  const updatable = columns.filter((column) => !key.includes(column));
  const assignments = updatable.map((column) => `${column} = excluded.${column}`).join(', ');
  const differs = updatable.map((column) => `${table}.${column} IS NOT excluded.${column}`).join(' OR ');
  const rows = from ? `SELECT ${values.join(', ')} ${from}` : `VALUES (${values.join(', ')})`;
  return `INSERT INTO main.${table} (${columns.join(', ')}) ${rows}
    ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${assignments} WHERE ${differs}`;
}

/** Rows that are never changed: one already there is the same row. */
function insertNewSql(table: string, columns: readonly string[], key: readonly string[], from?: string): string {
  const rows = from
    ? `SELECT ${columns.map((column) => `r.${column}`).join(', ')} ${from}`
    : `VALUES (${columns.map((column) => `@${column}`).join(', ')})`;
  return `INSERT INTO main.${table} (${columns.join(', ')}) ${rows} ON CONFLICT (${key.join(', ')}) DO NOTHING`;
}

/**
 * The archive offers nothing, and its own 3-active-products trigger would refuse a fourth
 * product that was active at the time it was copied: products land inactive. Names are
 * unique per file, but the archive collects products (and companies) over the years: one
 * deleted and another later given its name both arrive. The later copy keeps its name with
 * its short id appended, so neither is refused nor lost.
 */
const uniqueName =
  (table: string): Override =>
  (value) => `CASE WHEN EXISTS (SELECT 1 FROM main.${table} AS n WHERE crm_fold(n.name) = crm_fold(${value('name')}) AND n.id IS NOT ${value('id')})
    THEN ${value('name')} || ' (' || substr(${value('id')}, 1, 8) || ')' ELSE ${value('name')} END`;
const PRODUCT_OVERRIDES: Record<string, Override> = { is_active: () => '0', name: uniqueName('products') };
const COMPANY_OVERRIDES: Record<string, Override> = { name: uniqueName('companies') };
const EXTERNAL_ID_KEY = ['source', 'external_id'];
const TAG_KEY = ['customer_id', 'tag'];

/** The name the main file is attached under in the archive's connection. */
const SOURCE = 'crm_source';
const BATCH_IDS = `IN (SELECT value FROM json_each(@ids))`;

/**
 * A SQLite file's batch copied into a SQLite archive without the rows passing through
 * JavaScript: the archive's connection attaches the main file (read-only use) and copies with
 * INSERT ... SELECT, as the plain SQL reference does. The main file's connection holds its
 * write lock and has changed nothing yet in this batch, so the archive reads exactly the rows
 * it picked.
 */
class AttachedCopy {
  private readonly statements: Record<
    'products' | 'companies' | 'customers' | 'interactionsOfCustomers' | 'interactions' | 'externalIds' | 'tags',
    Database.Statement
  >;

  constructor(archive: Database.Database) {
    const ofCustomers = (table: string) => `FROM ${SOURCE}.${table} AS r WHERE r.customer_id ${BATCH_IDS} ORDER BY r.rowid`;
    const parents = (table: string, column: string) =>
      `FROM ${SOURCE}.${table} AS r WHERE r.id IN (SELECT ${column} FROM ${SOURCE}.customers WHERE id ${BATCH_IDS})`;
    this.statements = {
      products: archive.prepare(upsertSql('products', PRODUCT_COLUMNS, PRODUCT_OVERRIDES, ['id'], parents('products', 'product_id'))),
      companies: archive.prepare(upsertSql('companies', COMPANY_COLUMNS, COMPANY_OVERRIDES, ['id'], parents('companies', 'company_id'))),
      customers: archive.prepare(upsertSql('customers', CUSTOMER_COLUMNS, {}, ['id'], `FROM ${SOURCE}.customers AS r WHERE r.id ${BATCH_IDS}`)),
      interactionsOfCustomers: archive.prepare(
        insertNewSql('customer_interactions', INTERACTION_COLUMNS, ['id'], ofCustomers('customer_interactions')),
      ),
      interactions: archive.prepare(
        insertNewSql('customer_interactions', INTERACTION_COLUMNS, ['id'], `FROM ${SOURCE}.customer_interactions AS r WHERE r.id ${BATCH_IDS}`),
      ),
      externalIds: archive.prepare(upsertSql('customer_external_ids', EXTERNAL_ID_COLUMNS, {}, EXTERNAL_ID_KEY, ofCustomers('customer_external_ids'))),
      tags: archive.prepare(insertNewSql('customer_tags', TAG_COLUMNS, TAG_KEY, ofCustomers('customer_tags'))),
    };
  }

  /** Parents first, for the foreign keys. */
  copy(batch: AttachableRows): void {
    const customers = JSON.stringify(batch.customerIds);
    const { statements } = this;
    statements.products.run({ ids: customers });
    statements.companies.run({ ids: customers });
    statements.customers.run({ ids: customers });
    if (batch.interactionIds) {
      statements.interactions.run({ ids: JSON.stringify(batch.interactionIds) });
      return;
    }
    statements.interactionsOfCustomers.run({ ids: customers });
    statements.externalIds.run({ ids: customers });
    statements.tags.run({ ids: customers });
  }
}

/** What a SQLite file's batch is, for a SQLite archive that can read it directly. */
interface AttachableRows {
  file: string;
  customerIds: readonly string[];
  /** A batch of old interactions (their customers are copies); else whole customers, with all their rows. */
  interactionIds?: readonly string[];
}

type AttachableBatch = ArchiveBatch & { attachable?: AttachableRows };


/** The archive file's side: copies keyed by id, so copying twice changes nothing. */
export class ArchiveTargetRepository {
  private readonly upsertProduct: Database.Statement;
  private readonly upsertCompany: Database.Statement;
  private readonly upsertCustomer: Database.Statement;
  private readonly insertInteraction: Database.Statement;
  private readonly upsertExternalId: Database.Statement;
  private readonly insertTag: Database.Statement;

  constructor(sqlite: Database.Database) {
    this.upsertProduct = sqlite.prepare(upsertSql('products', PRODUCT_COLUMNS, PRODUCT_OVERRIDES));
    this.upsertCompany = sqlite.prepare(upsertSql('companies', COMPANY_COLUMNS, COMPANY_OVERRIDES));
    this.upsertCustomer = sqlite.prepare(upsertSql('customers', CUSTOMER_COLUMNS));
    // Interactions are immutable, so one already there is the same interaction.
    this.insertInteraction = sqlite.prepare(insertNewSql('customer_interactions', INTERACTION_COLUMNS, ['id']));
    // The tool's id names one customer per file: in the archive, the one that moved last.
    this.upsertExternalId = sqlite.prepare(upsertSql('customer_external_ids', EXTERNAL_ID_COLUMNS, {}, EXTERNAL_ID_KEY));
    // A customer that moved before, came back and moved again may have kept a tag: one copy.
    this.insertTag = sqlite.prepare(insertNewSql('customer_tags', TAG_COLUMNS, TAG_KEY));
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
  private repository: ArchiveTargetRepository | undefined;
  private attached: { file: string; copy: AttachedCopy } | undefined;

  private checkpointed = performance.now();

  constructor(private readonly archive: CrmDatabase) {
    // Only the move writes the archive file while it runs, and closing it checkpoints the
    // WAL. An automatic checkpoint would run inside the archive's commit, and so while the
    // source file's write lock is held (at 1M customers, a 64 MB checkpoint kept writers
    // waiting seconds): `pause` checkpoints instead, between batches, and seldom, since
    // checkpointing after every batch cost a move about a third of its time.
    archive.sqlite.pragma('wal_autocheckpoint = 0');
  }

  async pause(): Promise<void> {
    if (performance.now() - this.checkpointed < ARCHIVE_CHECKPOINT_EVERY_MS) return;
    this.archive.sqlite.pragma('wal_checkpoint(PASSIVE)');
    this.checkpointed = performance.now();
  }

  get location(): string {
    return this.archive.path;
  }

  async copy(batch: ArchiveBatch): Promise<void> {
    const attachable = (batch as AttachableBatch).attachable;
    if (attachable) {
      const attached = this.attach(attachable.file);
      // Deferred: the source file's write lock is its own connection's, held for this batch.
      this.write(() => attached.copy(attachable), true);
      return;
    }
    const rows = await batch.rows();
    this.repository ??= new ArchiveTargetRepository(this.archive.sqlite);
    const repository = this.repository;
    this.write(() => repository.copy(rows));
  }

  private write(work: () => void, deferred = false): void {
    this.archive.writeAudited({ deferred }, () => {
      // Each customer's search document is rebuilt once per batch, not per row.
      deferSearchIndex(this.archive.sqlite);
      work();
    });
  }

  /** The main file, attached once (outside any transaction, as SQLite requires). */
  private attach(file: string): AttachedCopy {
    if (this.attached?.file !== file) {
      if (this.attached) this.archive.sqlite.exec(`DETACH ${SOURCE}`);
      this.archive.sqlite.prepare(`ATTACH ? AS ${SOURCE}`).run(file);
      this.attached = { file, copy: new AttachedCopy(this.archive.sqlite) };
    }
    return this.attached.copy;
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

/**
 * A writer waiting for SQLite's lock does not queue: its busy handler sleeps and tries again,
 * at most 100 ms apart once it has waited a third of a second. A job that began its next batch
 * the moment it committed would win nearly every race, and a `crm customer add` could wait
 * seconds behind it (3.4 s measured): between batches the lock stays free this long.
 */
const PAUSE_MS = 100;
/**
 * The job's own commits do not checkpoint the WAL (each batch would write the same hot pages
 * of the indexes and the audit log into the main file again): the pauses do, at most this
 * often, in time a waiting writer does not wait for.
 */
const CHECKPOINT_EVERY_MS = 1000;
/** The archive file's pages are mostly new ones, each written once: its checkpoints can wait longer. */
const ARCHIVE_CHECKPOINT_EVERY_MS = 5000;

/** The archive jobs on a SQLite file. */
export class SqliteArchiveRepository implements ArchiveRepository {
  private stale: StaleCustomerRepository | undefined;
  private source: ArchiveSourceRepository | undefined;
  /** While a job holds back the automatic checkpoints: the setting to restore. */
  private autocheckpoint: number | undefined;
  private checkpointed = 0;

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
    this.holdCheckpoints();
    return this.staleRepository.archiveBatch(status, updatedBefore, at, (after as number | null) ?? 0, limit);
  }

  async countMovableCustomers(customersBefore: string | null) {
    return this.sourceRepository.countMovableCustomers(customersBefore);
  }

  async countMovableInteractions(interactionsBefore: string, customersBefore: string | null): Promise<number> {
    return this.sourceRepository.countMovableInteractions(interactionsBefore, customersBefore);
  }

  /**
   * Only ids are read here: a SQLite archive copies the rows straight from this file
   * (AttachedCopy), and any other reads them through `rows()`.
   */
  async pickCustomers(customersBefore: string | null, after: ArchiveCursor, limit: number): Promise<ArchiveBatch> {
    const source = this.sourceRepository;
    this.holdCheckpoints();
    const picked = source.movableCustomers(customersBefore, (after as number | null) ?? 0, limit);
    const ids = picked.rows.map((c) => c.id as string);
    const batch: AttachableBatch = {
      customers: ids.length,
      interactions: ids.length ? source.countInteractionsOf(ids) : 0,
      next: picked.next,
      attachable: this.attachable({ customerIds: ids }),
      rows: async () => {
        if (ids.length === 0) return NO_ROWS;
        const customers = source.customers(ids);
        return {
          ...this.parents(customers),
          customers: canonical(customers, 'is_archived'),
          interactions: source.interactionsOf(ids),
          externalIds: source.externalIdsOf(ids),
          tags: source.tagsOf(ids),
        };
      },
      deleteMoved: async () => {
        if (ids.length === 0) return;
        deferSearchIndex(this.db.sqlite);
        source.deleteCustomers(ids);
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
    const source = this.sourceRepository;
    this.holdCheckpoints();
    const picked = source.movableInteractions(interactionsBefore, customersBefore, (after as number | null) ?? 0, limit);
    const owners = [...new Set(picked.rows.map((i) => i.customer_id as string))];
    const ids = picked.rows.map((i) => i.id as string);
    // The archive's foreign key needs the customer: a copy of its row goes along, while the
    // customer itself stays here, with its external ids and tags.
    const batch: AttachableBatch = {
      customers: owners.length,
      interactions: ids.length,
      next: picked.next,
      attachable: this.attachable({ customerIds: owners, interactionIds: ids }),
      rows: async () => {
        const customers = owners.length ? source.customers(owners) : [];
        return {
          ...this.parents(customers),
          customers: canonical(customers, 'is_archived'),
          interactions: picked.rows,
          externalIds: [],
          tags: [],
        };
      },
      deleteMoved: async () => {
        if (ids.length === 0) return;
        deferSearchIndex(this.db.sqlite);
        source.deleteInteractions(ids);
      },
    };
    return batch;
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

  /** A database in memory has no file another connection could attach. */
  private attachable(rows: Omit<AttachableRows, 'file'>): AttachableRows | undefined {
    return this.db.sqlite.memory ? undefined : { file: this.db.path, ...rows };
  }

  private holdCheckpoints(): void {
    if (this.autocheckpoint !== undefined) return;
    this.autocheckpoint = this.db.sqlite.pragma('wal_autocheckpoint', { simple: true }) as number;
    this.db.sqlite.pragma('wal_autocheckpoint = 0');
    this.checkpointed = performance.now();
  }

  async pause(): Promise<void> {
    const started = performance.now();
    if (this.autocheckpoint !== undefined && started - this.checkpointed >= CHECKPOINT_EVERY_MS) {
      this.db.sqlite.pragma('wal_checkpoint(PASSIVE)');
      this.checkpointed = performance.now();
    }
    const rest = PAUSE_MS - (performance.now() - started);
    if (rest > 0) await sleep(rest);
  }

  async finish(): Promise<void> {
    if (this.autocheckpoint === undefined) return;
    this.db.sqlite.pragma(`wal_autocheckpoint = ${this.autocheckpoint}`);
    this.autocheckpoint = undefined;
    this.db.sqlite.pragma('wal_checkpoint(PASSIVE)');
  }
}
