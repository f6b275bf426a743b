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
import { TransferService } from './transfer.js';

// What the CLI needs of the database layer, so that it depends on services alone.
export { openDatabase, type CrmDatabase } from '../db/connection.js';
export { resolveDatabasePath } from '../db/location.js';

/** One place that wires services to a database and a clock. */
export class Services {
  readonly products: ProductService;
  readonly customers: CustomerService;
  readonly interactions: InteractionService;
  readonly audit: AuditService;
  readonly reports: ReportService;
  readonly archive: ArchiveService;
  readonly database: DatabaseService;
  readonly transfer: TransferService;
  readonly backup: BackupService;

  constructor(
    readonly db: CrmDatabase,
    readonly clock: Clock,
  ) {
    this.products = new ProductService(db, clock);
    this.customers = new CustomerService(db, clock, this.products);
    this.interactions = new InteractionService(db, clock, this.customers);
    this.audit = new AuditService(db, clock, this.customers);
    this.reports = new ReportService(db, clock, this.products);
    this.archive = new ArchiveService(db, clock);
    this.database = new DatabaseService(db);
    this.transfer = new TransferService(db, clock);
    this.backup = new BackupService(db);
  }
}
