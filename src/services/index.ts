import { UsageError } from '../domain/errors.js';
import type { Clock } from '../domain/types.js';
import type { Store } from '../repositories/ports.js';
import { SqliteStore } from '../repositories/sqlite/store.js';
import { AuditService } from './audit.js';
import { ArchiveService } from './archive.js';
import { BackupService } from './backup.js';
import { CompanyService } from './companies.js';
import { CustomerService } from './customers.js';
import { DatabaseService } from './database.js';
import { DuplicateService } from './duplicates.js';
import { InteractionService } from './interactions.js';
import { MergeService } from './merge.js';
import { ProductService } from './products.js';
import { ReportService } from './reports.js';
import { SettingsService } from './settings.js';
import { TeamService } from './team.js';
import { SearchService } from './search.js';
import { TagService } from './tags.js';
import type { TransferService } from './transfer.js';
import { UndoService } from './undo.js';

// What the CLI needs of the database layer, so that it depends on services alone.
export { openDatabase, type CrmDatabase, type OpenOptions } from '../db/connection.js';
export { openStore, type StoreOptions } from '../repositories/open.js';
export { SqliteStore } from '../repositories/sqlite/store.js';
export type { Store } from '../repositories/ports.js';
export { isPostgresUrl, redactPasswords, resolveDatabasePath } from '../db/location.js';
export { refuseDatabaseFile } from '../db/database-files.js';
export { noTeamsMessage } from './team.js';

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
  readonly duplicates: DuplicateService;
  readonly merge: MergeService;
  readonly undo: UndoService;
  readonly companies: CompanyService;
  readonly settings: SettingsService;
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
    this.companies = new CompanyService(store, stamping);
    this.settings = new SettingsService(store, stamping);
    this.customers = new CustomerService(store, stamping, this.products, this.companies, this.settings);
    this.interactions = new InteractionService(store, stamping, this.customers);
    this.audit = new AuditService(store, stamping, this.customers);
    this.reports = new ReportService(store, stamping, this.products, this.settings);
    this.duplicates = new DuplicateService(store);
    this.merge = new MergeService(store, stamping, this.customers);
    this.undo = new UndoService(store);
    this.tags = new TagService(store, stamping, this.customers);
    this.search = new SearchService(store);
  }

  /** The jobs not yet written for PostgreSQL work on the SQLite file alone. */
  get archive(): ArchiveService {
    this.archiveService ??= new ArchiveService(this.store, this.stamping);
    return this.archiveService;
  }

  get database(): DatabaseService {
    return new DatabaseService(this.store);
  }

  get team(): TeamService {
    return new TeamService(this.store);
  }

  get backup(): BackupService {
    if (!(this.store instanceof SqliteStore)) {
      throw new UsageError('crm backup copies a SQLite file; on a team database use crm export --dir (or pg_dump, as the server\'s administrator)');
    }
    return new BackupService(this.store.db);
  }

  /** `crm db push`: this (SQLite) database into a team's; loaded on first use, like import and export. */
  async push(): Promise<import('./push.js').PushService> {
    const { PushService } = await import('./push.js');
    return new PushService(this.store, this.stamping);
  }

  /** Import and export: loaded on first use, since they bring the CSV libraries no other command needs. */
  async transfer(): Promise<TransferService> {
    const { TransferService } = await import('./transfer.js');
    this.transferService ??= new TransferService(this.store, this.stamping);
    return this.transferService;
  }
}
