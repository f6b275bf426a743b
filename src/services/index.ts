import type { CrmDatabase } from '../db/connection.js';
import type { Clock } from '../domain/types.js';
import { BackupService } from './backup.js';
import { CustomerService } from './customers.js';
import { InteractionService } from './interactions.js';
import { ProductService } from './products.js';
import { TransferService } from './transfer.js';

/** One place that wires services to a database and a clock. */
export class Services {
  readonly products: ProductService;
  readonly customers: CustomerService;
  readonly interactions: InteractionService;
  readonly transfer: TransferService;
  readonly backup: BackupService;

  constructor(
    readonly db: CrmDatabase,
    readonly clock: Clock,
  ) {
    this.products = new ProductService(db, clock);
    this.customers = new CustomerService(db, clock, this.products);
    this.interactions = new InteractionService(db, clock, this.customers);
    this.transfer = new TransferService(db, clock);
    this.backup = new BackupService(db);
  }
}
