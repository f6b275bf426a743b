import type { Repositories } from '../ports.js';
import { PgAuditRepository } from './audit.js';
import { PgCustomerRepository } from './customers.js';
import { PgInteractionRepository } from './interactions.js';
import { PgProductRepository } from './products.js';
import { PgReportRepository } from './reports.js';
import { PgSearchRepository } from './search.js';
import { PgTagRepository } from './tags.js';
import type { PgSession } from './store.js';

export class PgRepositories implements Repositories {
  readonly products: PgProductRepository;
  readonly customers: PgCustomerRepository;
  readonly interactions: PgInteractionRepository;
  readonly audit: PgAuditRepository;
  readonly reports: PgReportRepository;
  readonly tags: PgTagRepository;
  readonly search: PgSearchRepository;

  constructor(session: PgSession) {
    this.products = new PgProductRepository(session);
    this.customers = new PgCustomerRepository(session);
    this.interactions = new PgInteractionRepository(session);
    this.audit = new PgAuditRepository(session);
    this.reports = new PgReportRepository(session);
    this.tags = new PgTagRepository(session);
    this.search = new PgSearchRepository(session);
  }
}
