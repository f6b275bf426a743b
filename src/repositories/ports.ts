import type { AuditEntry } from '../domain/audit.js';
import type { Clock, Customer, Interaction, Product } from '../domain/types.js';
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
  /**
   * Customers having every one of these tags. Each inner list is one tag as stored, in all
   * the spellings it has (TagRepository.spellings); the customer has any one of them.
   */
  tags?: ReadonlyArray<readonly string[]>;
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

export interface InteractionRepository {
  /** Newest first. */
  listForCustomer(customerId: string): Promise<Interaction[]>;
  countForCustomer(customerId: string): Promise<number>;
  /** No update method on purpose: interactions are an audit trail (the database refuses updates too). */
  insert(row: Interaction): Promise<Interaction>;
}

/** A tag and how many customers carry it. */
export interface TagCount {
  tag: string;
  /** Customers not archived. */
  customers: number;
  archived: number;
}

export interface TagRepository {
  /** The customer's tags, in the order they were added. */
  forCustomer(customerId: string): Promise<string[]>;
  /** Tags of several customers (a page of a list), each customer's in the order added. */
  forCustomers(customerIds: readonly string[]): Promise<Map<string, string[]>>;
  /**
   * The spellings stored for this tag, compared ignoring case in any script (foldCase):
   * none when no customer has it, usually one (crm reuses the first spelling a tag was given).
   */
  spellings(tag: string): Promise<string[]>;
  /** Adds the tag as given; false when the customer already had it (in some ASCII case). */
  add(customerId: string, tag: string, at: string): Promise<boolean>;
  /** Removes the customer's tag stored with exactly this spelling; false when there was none. */
  remove(customerId: string, tag: string): Promise<boolean>;
  /** Every stored spelling with its counts, in no particular order. */
  counts(): Promise<TagCount[]>;
  /**
   * Gives every customer with any of the spellings `from` (or `merge`: other spellings of the
   * new tag) the tag `to` instead: one row each, the one added first kept with its date, so a
   * customer that had both ends with `to` once. Returns how many customers had a `from` spelling.
   */
  rename(from: readonly string[], to: string, merge: readonly string[]): Promise<number>;
}

/** A page of search results. */
export interface SearchFound {
  customers: CustomerWithProduct[];
  /**
   * More customers matched than a search ranks (SEARCH_RANK_WINDOW): the results are the best
   * of the most recently added ones that matched.
   */
  capped: boolean;
}

/**
 * How many matching customers a search ranks at most: the most recently added ones. Ranking
 * costs time for every customer ranked, so a search for a word that half the customers have
 * stays quick; more words narrow it to fewer customers.
 */
export const SEARCH_RANK_WINDOW = 2000;

export interface SearchRepository {
  /**
   * A page of the customers whose document (name, e-mail, phone, tags, note, interactions'
   * types and notes) has, for each term, a word beginning with it (terms are folded as
   * src/domain/search.ts folds them), best match first, ties newest first; archived ones only
   * when asked.
   */
  search(terms: readonly string[], page: SearchPage, includeArchived: boolean): Promise<SearchFound>;
  /**
   * Customers, archived or not, whose name has a word beginning with each term, at most
   * `limit`, in no particular order: refs by part of a name (src/services/refs.ts).
   */
  namedWith(terms: readonly string[], limit: number): Promise<Customer[]>;
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

export interface ReportRepository {
  /** Non-archived customers per status; statuses with nobody are absent. */
  countByStatus(filter: PipelineFilter): Promise<Map<CustomerStatus, number>>;
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
  readonly tags: TagRepository;
  readonly search: SearchRepository;
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
  /** Stops the feed: a pending `next` resolves false at once, so nothing outlives the watch. */
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
