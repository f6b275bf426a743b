import type { AuditEntry } from '../domain/audit.js';
import type { SettingKey } from '../domain/settings.js';
import type { Clock, Company, Customer, Interaction, Product } from '../domain/types.js';
import type { CustomerStatus, InteractionChannel } from '../domain/vocabulary.js';

/**
 * What the services ask of a database, one interface per table, whatever engine holds it.
 * Two adapters implement them: src/repositories/sqlite (better-sqlite3, the embedded default)
 * and src/repositories/pg (a team's PostgreSQL server). Rows come back alike from both:
 * instants as canonical ISO text, booleans as booleans, counts as numbers.
 */

export interface ProductFilter {
  active?: boolean;
}

/** A product as written: every column, stamps chosen by the service. */
export type NewProduct = Product;
export type ProductPatch = Partial<Omit<Product, 'id' | 'created_at'>>;

export interface ProductRepository {
  /** By name ignoring case, then id. */
  list(filter?: ProductFilter): Promise<Product[]>;
  get(id: string): Promise<Product | undefined>;
  findByIdPrefix(prefix: string, limit: number): Promise<Product[]>;
  /** Names equal ignoring case. */
  findByName(name: string): Promise<Product[]>;
  countActive(excludingId?: string): Promise<number>;
  insert(row: NewProduct): Promise<Product>;
  update(id: string, patch: ProductPatch): Promise<Product>;
  delete(id: string): Promise<void>;
}

/** Which customers a list means; archived ones are left out unless asked for. */
export type ArchivedScope = 'exclude' | 'include' | 'only';
export type CustomerSort = 'created' | 'updated' | 'name' | 'status';

export interface CustomerFilter {
  status?: CustomerStatus;
  productId?: string;
  /** Compared ignoring case (in any script). */
  owner?: string;
  archived?: ArchivedScope;
}

export interface CustomerPage {
  sort?: CustomerSort;
  limit?: number;
  offset?: number;
}

export interface SearchPage {
  /** -1: no limit. */
  limit: number;
  offset: number;
}

export type CustomerWithProduct = Customer & { product_name: string | null };
export type NewCustomer = Customer;
export type CustomerPatch = Partial<Omit<Customer, 'id' | 'created_at'>>;

export interface CustomerRepository {
  /** Rows carry the product's name so that lists can show it without a query per row. */
  list(filter: CustomerFilter, page?: CustomerPage): Promise<CustomerWithProduct[]>;
  count(filter: CustomerFilter): Promise<number>;
  /** The first customer (oldest row) with this e-mail ignoring ASCII case. */
  findByEmail(email: string): Promise<Customer | undefined>;
  /** A page of the customers (not archived) whose name, email or phone contains the text, folded. */
  search(text: string, page: SearchPage): Promise<CustomerWithProduct[]>;
  get(id: string): Promise<Customer | undefined>;
  getWithProduct(id: string): Promise<CustomerWithProduct | undefined>;
  /** The prefix as typed and in both cases, sorted by id. */
  findByIdPrefix(prefix: string, limit: number): Promise<Customer[]>;
  /** Names equal after folding case and accents' forms (foldCase). */
  findByName(name: string): Promise<Customer[]>;
  insert(row: NewCustomer): Promise<Customer>;
  update(id: string, patch: CustomerPatch): Promise<Customer>;
  /** Only rows whose flag differs are changed; returns how many. */
  setArchived(ids: readonly string[], archived: boolean, at: string): Promise<number>;
  /** Clears the product of every customer linked to it; returns how many there were. */
  unlinkProduct(productId: string, at: string): Promise<number>;
  delete(id: string): Promise<void>;
}

export type NewCompany = Company;
export type CompanyPatch = Partial<Omit<Company, 'id' | 'created_at'>>;

/** A company in a list, with how many of its customers are not archived. */
export type CompanyWithCount = Company & { customers: number };

/** One of a company's customers, as `company show` lists them. */
export interface CompanyPerson {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  status: CustomerStatus;
  owner: string | null;
  is_archived: boolean;
  deal_value_minor: number | null;
  deal_currency: string | null;
  /** When their latest interaction was logged; null when none was. */
  last_interaction_at: string | null;
}

export type CompanyInteraction = Interaction & { customer_name: string };

export interface CompanyRepository {
  /** By name ignoring case, then id. */
  list(): Promise<CompanyWithCount[]>;
  get(id: string): Promise<Company | undefined>;
  /** The prefix as typed and in both cases, sorted by id. */
  findByIdPrefix(prefix: string, limit: number): Promise<Company[]>;
  /** Names equal after folding case and accents' forms (foldCase). */
  findByName(name: string): Promise<Company[]>;
  insert(row: NewCompany): Promise<Company>;
  update(id: string, patch: CompanyPatch): Promise<Company>;
  delete(id: string): Promise<void>;
  /** Its customers (archived ones too), by name ignoring case, then id. */
  people(companyId: string): Promise<CompanyPerson[]>;
  /** The newest interaction logged with any of its customers. */
  latestInteraction(companyId: string): Promise<CompanyInteraction | undefined>;
  /** Clears the company of every customer linked to it, stamping them `at`; returns how many there were. */
  unlinkCustomers(companyId: string, at: string): Promise<number>;
}

export interface Setting {
  key: SettingKey;
  value: string;
  updated_at: string;
}

/** `crm config`: rows of the settings table; a key without a row has its default. */
export interface SettingsRepository {
  /** By key. */
  list(): Promise<Setting[]>;
  get(key: SettingKey): Promise<Setting | undefined>;
  /** Inserts or replaces the key's value. */
  set(key: SettingKey, value: string, at: string): Promise<Setting>;
  /** Whether there was a value to remove. */
  unset(key: SettingKey): Promise<boolean>;
}

export interface InteractionRepository {
  /** Newest first. */
  listForCustomer(customerId: string): Promise<Interaction[]>;
  countForCustomer(customerId: string): Promise<number>;
  /** No update method on purpose: interactions are an audit trail (the database refuses updates too). */
  insert(row: Interaction): Promise<Interaction>;
}

/** A customer as the audit log last saw it (it may have been deleted since). */
export interface AuditedCustomer {
  id: string;
  name: string;
}

/** Read-only: the audit log is written by the database's triggers. */
export interface AuditRepository {
  /** Entries of these customers and of their interactions, oldest first. */
  forCustomers(customerIds: readonly string[]): Promise<AuditEntry[]>;
  /** Entries with from < id <= to, oldest first, optionally of one table. */
  between(fromId: number, toId: number, tableName: string | undefined, limit: number): Promise<AuditEntry[]>;
  /**
   * The id up to which the log is complete (0 for an empty log): the newest entry's where
   * writers take turns (SQLite); on a server, the last id that no transaction still open can
   * commit an entry below, so that a watch reading up to it misses nothing.
   */
  latestId(): Promise<number>;
  countBefore(before: string): Promise<number>;
  auditedCustomer(id: string): Promise<AuditedCustomer | undefined>;
  auditedCustomersByIdPrefix(prefix: string, limit: number): Promise<AuditedCustomer[]>;
  auditedCustomersByName(name: string): Promise<AuditedCustomer[]>;
}

export interface PipelineFilter {
  productId?: string;
  owner?: string;
}

export interface FollowUpFilter {
  /** Which follow-ups are due by then; none means every pending one. */
  due?: {
    /** Exclusive upper bound for follow-ups stored as instants (canonical ISO string). */
    before: string;
    /** Last calendar day included for all-day follow-ups (`YYYY-MM-DD`). */
    lastDay: string;
  };
  owner?: string;
}

/** A pending follow-up: the interaction that set it, with the customer to contact. */
export interface FollowUpRow {
  interaction_id: string;
  customer_id: string;
  customer_name: string;
  email: string | null;
  phone: string | null;
  owner: string | null;
  status: CustomerStatus;
  type: string;
  channel: InteractionChannel;
  note: string;
  follow_up_date: string;
  created_at: string;
}

/** The deal values of one stage in one currency. */
export interface StageValueRow {
  status: CustomerStatus;
  currency: string;
  /** Customers with a value in this currency. */
  n: number;
  total_minor: number;
}

/** Customers won in a period, in one currency (null: those without a value). */
export interface WonValueRow {
  currency: string | null;
  n: number;
  /** Null for the customers without a value. */
  total_minor: number | null;
}

export interface ReportRepository {
  /** Non-archived customers per status; statuses with nobody are absent. */
  countByStatus(filter: PipelineFilter): Promise<Map<CustomerStatus, number>>;
  /** Deal values of non-archived customers per status and currency; customers without one are left out. */
  valuesByStatus(filter: PipelineFilter): Promise<StageValueRow[]>;
  /**
   * Non-archived customers in closed_won whose closed_at (else updated_at: closed outside
   * crm) is at or after `since` (an ISO instant), per currency.
   */
  wonSince(filter: PipelineFilter, since: string): Promise<WonValueRow[]>;
  /**
   * Pending follow-ups (the customer's latest interaction set one), in stored-text order of
   * follow_up_date, then customer name, then id. Read as the caller iterates, so memory does
   * not grow with them; the store runs no other query until the iteration ends.
   */
  pendingFollowUps(filter: FollowUpFilter): AsyncIterable<FollowUpRow>;
}

export interface Repositories {
  readonly products: ProductRepository;
  readonly customers: CustomerRepository;
  readonly interactions: InteractionRepository;
  readonly audit: AuditRepository;
  readonly reports: ReportRepository;
  readonly companies: CompanyRepository;
  readonly settings: SettingsRepository;
}

/** Who the audit log names for writes made through a store, and their clock. */
export interface AuditWriter {
  /** CRM_OWNER or the OS user (SQLite); on PostgreSQL the server records the connected role. */
  actor: string;
  /** Stamps records and audit entries with the app's time. */
  clock?: Clock;
}

export interface WriteOptions {
  /**
   * Attempts while another process holds the write lock; each already waits the store's
   * lock timeout. More than one only for jobs that should outlast an import.
   */
  busyAttempts?: number;
}

export type Backend = 'sqlite' | 'postgres';

/** Work on the database as a whole rather than on one table's records. */
export interface Maintenance {
  /**
   * Deletes the audit entries created before `before` (an ISO instant) and records that it did,
   * in one transaction; the database refuses any other delete from the log. Returns how many.
   */
  pruneAudit(before: string): Promise<number>;
}

export interface ChangeFeed {
  /** Waits up to `ms` for a commit by another connection; false when none can have happened. */
  next(ms: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * One open database, whichever engine: its repositories, and the one way to write. The
 * services are written against this alone.
 */
export interface Store {
  readonly backend: Backend;
  /** Where the data is, as it may be shown: a file path, or the server and database (never a password). */
  readonly location: string;
  readonly repositories: Repositories;
  readonly maintenance: Maintenance;
  /**
   * Runs `work` in one write transaction that holds the write lock from its start (SQLite:
   * BEGIN IMMEDIATE on the one connection; PostgreSQL: one transaction on the one
   * connection). The database's refusals come out as the domain's typed errors. A write
   * inside a write is a savepoint of the outer one.
   */
  write<T>(work: () => Promise<T>, options?: WriteOptions): Promise<T>;
  /**
   * Several reads that must see one snapshot (a page and its total).
   */
  read<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Inside a write, the one instant it is stamped with, read once from the writer's clock
   * when it began. Undefined outside a write, or when the writer gave no clock.
   */
  readonly writeInstant: Date | undefined;
  /** Tells when another connection may have changed the data, for `crm watch`. */
  watchChanges(): Promise<ChangeFeed>;
  identifyWriter(writer: AuditWriter): void;
  /** Called once a write has waited a second for another writer's lock and goes on waiting. */
  onLockWait(listener: (() => void) | undefined): void;
  close(): Promise<void>;
}
