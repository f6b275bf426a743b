import type { Repositories } from '../ports.js';
import { markConnection, PgArchiveRepository } from './archive.js';
import { PgAuditRepository } from './audit.js';
import { PgChangeSetRepository, PgRevertRepository } from './change-sets.js';
import { PgCompanyRepository } from './companies.js';
import { PgCustomerRepository } from './customers.js';
import { PgDuplicateRepository } from './duplicates.js';
import { PgInteractionRepository } from './interactions.js';
import { PgMergeRepository } from './merge.js';
import { PgProductRepository } from './products.js';
import { PgReportRepository } from './reports.js';
import { PgTeamRepository } from './team.js';
import { PgSettingsRepository } from './settings.js';
import { PgSearchRepository } from './search.js';
import { PgTagRepository } from './tags.js';
import type { PgSession } from './store.js';

export class PgRepositories implements Repositories {
  readonly products: PgProductRepository;
  readonly customers: PgCustomerRepository;
  readonly interactions: PgInteractionRepository;
  readonly audit: PgAuditRepository;
  readonly reports: PgReportRepository;
  readonly team: PgTeamRepository;
  readonly duplicates: PgDuplicateRepository;
  readonly merge: PgMergeRepository;
  readonly changeSets: PgChangeSetRepository;
  readonly revert: PgRevertRepository;
  readonly companies: PgCompanyRepository;
  readonly settings: PgSettingsRepository;
  readonly tags: PgTagRepository;
  readonly search: PgSearchRepository;
  readonly archive: PgArchiveRepository;

  constructor(session: PgSession) {
    this.products = new PgProductRepository(session);
    this.customers = new PgCustomerRepository(session);
    this.interactions = new PgInteractionRepository(session);
    this.audit = new PgAuditRepository(session);
    this.reports = new PgReportRepository(session);
    this.team = new PgTeamRepository(session);
    this.duplicates = new PgDuplicateRepository(session);
    this.merge = new PgMergeRepository(session);
    this.changeSets = new PgChangeSetRepository(session);
    this.revert = new PgRevertRepository(session);
    this.companies = new PgCompanyRepository(session);
    this.settings = new PgSettingsRepository(session);
    this.tags = new PgTagRepository(session);
    this.search = new PgSearchRepository(session);
    let mark: Promise<string> | undefined;
    this.archive = new PgArchiveRepository(session, () => (mark ??= markConnection(session)));
  }
}
