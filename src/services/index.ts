import type { CrmDatabase } from '../db/connection.js';
import type { Clock } from '../domain/types.js';
import { ProductService } from './products.js';

/** One place that wires services to a database and a clock. */
export class Services {
  readonly products: ProductService;

  constructor(
    readonly db: CrmDatabase,
    readonly clock: Clock,
  ) {
    this.products = new ProductService(db, clock);
  }
}
