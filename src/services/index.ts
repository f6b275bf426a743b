import type { CrmDatabase } from '../db/connection.js';
import type { Clock } from '../domain/types.js';
import { AuditService } from './audit.js';
import { ArchiveService } from './archive.js';
import { BackupService } from './backup.js';
import { CustomerService } from './customers.js';
import { DatabaseService } from './database.js';
import { InteractionService } from './interactions.js';
import { ProductService } from './products.js';
import { ReportService } from './reports.js';
import type { TransferService } from './transfer.js';

// What the CLI needs of the database layer, so that it depends on services alone.
export { openDatabase, type CrmDatabase, type OpenOptions } from '../db/connection.js';
export { resolveDatabasePath } from '../db/location.js';
export { refuseDatabaseFile } from '../db/database-files.js';

/**
 * The clock the services read: inside a write, that write's one instant (db.writeInstant),
 * so a record's created_at/updated_at and the time of its audit entry are the same instant
 * even with a clock that moves between two reads; outside a write, the clock itself.
 */
function writeAwareClock(db: CrmDatabase, clock: Clock): Clock {
  return { now: () => db.writeInstant ?? clock.now() };
}

/** One place that wires services to a database and a clock. */
export class Services {
  readonly products: ProductService;
  readonly customers: CustomerService;
  readonly interactions: InteractionService;
  readonly audit: AuditService;
  readonly reports: ReportService;
  readonly archive: ArchiveService;
  readonly database: DatabaseService;
  readonly backup: BackupService;
  private readonly stamping: Clock;
  private transferService: TransferService | undefined;

  constructor(
    readonly db: CrmDatabase,
    readonly clock: Clock,
  ) {
    const stamping = writeAwareClock(db, clock);
    this.stamping = stamping;
    this.products = new ProductService(db, stamping);
    this.customers = new CustomerService(db, stamping, this.products);
    this.interactions = new InteractionService(db, stamping, this.customers);
    this.audit = new AuditService(db, stamping, this.customers);
    this.reports = new ReportService(db, stamping, this.products);
    this.archive = new ArchiveService(db, stamping);
    this.database = new DatabaseService(db);
    this.backup = new BackupService(db);
  }

  /** Import and export: loaded on first use, since they bring the CSV libraries no other command needs. */
  async transfer(): Promise<TransferService> {
    const { TransferService } = await import('./transfer.js');
    this.transferService ??= new TransferService(this.db, this.stamping);
    return this.transferService;
  }
}
