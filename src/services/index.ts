import type { CrmDatabase } from '../db/connection.js';
import type { Clock } from '../domain/types.js';
import { CustomerService } from './customers.js';
import { DatabaseService } from './database.js';
import { InteractionService } from './interactions.js';
import { ProductService } from './products.js';

/** One place that wires services to a database and a clock. */
export class Services {
  readonly products: ProductService;
  readonly customers: CustomerService;
  readonly interactions: InteractionService;
  readonly database: DatabaseService;

  constructor(
    readonly db: CrmDatabase,
    readonly clock: Clock,
  ) {
    this.products = new ProductService(db, clock);
    this.customers = new CustomerService(db, clock, this.products);
    this.interactions = new InteractionService(db, clock, this.customers);
    this.database = new DatabaseService(db);
  }
}
