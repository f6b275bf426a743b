import type { CrmDatabase } from '../db/connection.js';
import { CrmError } from '../domain/errors.js';
import type { Clock } from '../domain/types.js';
import type { Store } from '../repositories/ports.js';
import { SqliteStore } from '../repositories/sqlite/store.js';
import { AuditService } from './audit.js';
import { ArchiveService } from './archive.js';
import { BackupService } from './backup.js';
import { CustomerService } from './customers.js';
import { DatabaseService } from './database.js';
import { InteractionService } from './interactions.js';
import { ProductService } from './products.js';
import { ReportService } from './reports.js';
import { SearchService } from './search.js';
import { TagService } from './tags.js';
import type { TransferService } from './transfer.js';

// What the CLI needs of the database layer, so that it depends on services alone.
export { openDatabase, type CrmDatabase, type OpenOptions } from '../db/connection.js';
export { openStore, type StoreOptions } from '../repositories/open.js';
export { SqliteStore } from '../repositories/sqlite/store.js';
export type { Store } from '../repositories/ports.js';
export { isPostgresUrl, resolveDatabasePath } from '../db/location.js';
export { refuseDatabaseFile } from '../db/database-files.js';

/**
 * The clock the services read: inside a write, that write's one instant (db.writeInstant),
 * so a record's created_at/updated_at and the time of its audit entry are the same instant
 * even with a clock that moves between two reads; outside a write, the clock itself.
 */
function writeAwareClock(store: Store, clock: Clock): Clock {
  return { now: () => store.writeInstant ?? clock.now() };
}

/** One place that wires services to a database and a clock. */
export class Services {
  readonly products: ProductService;
  readonly customers: CustomerService;
  readonly interactions: InteractionService;
  readonly audit: AuditService;
  readonly reports: ReportService;
  readonly tags: TagService;
  readonly search: SearchService;
  private readonly stamping: Clock;
  private transferService: TransferService | undefined;
  private archiveService: ArchiveService | undefined;

  constructor(
    readonly store: Store,
    readonly clock: Clock,
  ) {
    const stamping = writeAwareClock(store, clock);
    this.stamping = stamping;
    this.products = new ProductService(store, stamping);
    this.customers = new CustomerService(store, stamping, this.products);
    this.interactions = new InteractionService(store, stamping, this.customers);
    this.audit = new AuditService(store, stamping, this.customers);
    this.reports = new ReportService(store, stamping, this.products);
    this.tags = new TagService(store, stamping, this.customers);
    this.search = new SearchService(store);
  }

  /** The jobs not yet written for PostgreSQL work on the SQLite file alone. */
  private sqliteFile(what: string): CrmDatabase {
    if (this.store instanceof SqliteStore) return this.store.db;
    throw new CrmError(`${what} does not work on a PostgreSQL database yet`);
  }

  get archive(): ArchiveService {
    this.archiveService ??= new ArchiveService(this.sqliteFile('archiving'), this.stamping);
    return this.archiveService;
  }

  get database(): DatabaseService {
    return new DatabaseService(this.sqliteFile('this command'));
  }

  get backup(): BackupService {
    return new BackupService(this.sqliteFile('crm backup'));
  }

  /** Import and export: loaded on first use, since they bring the CSV libraries no other command needs. */
  async transfer(): Promise<TransferService> {
    const { TransferService } = await import('./transfer.js');
    this.transferService ??= new TransferService(this.sqliteFile('import and export'), this.stamping);
    return this.transferService;
  }
}
