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

/** Customers sharing one key: the key as the database compared it, and their ids. */
export interface DuplicateKeyGroup {
  key: string;
  ids: string[];
}

/**
 * Candidates for `crm customer duplicates`, each a grouping the database does by an indexed
 * expression (never customer against customer). Archived customers are included.
 */
export interface DuplicateRepository {
  /** Customers whose e-mails are equal ignoring ASCII case (as import deduplicates). */
  sameEmail(): Promise<DuplicateKeyGroup[]>;
  /** Customers whose phones give the same key (domain/phones.ts: PHONE_KEY_RULES). */
  samePhone(countryCode: string): Promise<DuplicateKeyGroup[]>;
  /**
   * Customers whose names fold alike (foldCase), unless their e-mails differ (ignoring ASCII
   * case): two "John Smith" with two e-mails are two people. A name shared by more than
   * MAX_NAME_GROUP customers (domain/duplicates.ts) is a common name: left out. The key is
   * the folded name.
   */
  sameName(): Promise<DuplicateKeyGroup[]>;
  /** These customers, in no particular order. */
  customers(ids: readonly string[]): Promise<Customer[]>;
}

/** What a merge moved to the kept customer, per table. */
export type MovedRecords = Record<string, number>;

export interface MergeRepository {
  /**
   * Inside a write: gives every interaction and every linked row (external ids, and the link
   * tables other features add: see CUSTOMER_LINK_TABLES) of these customers to `toId`. A link
   * the kept customer already has (the same tag, say) is left with the other customer, which
   * the merge then deletes. Returns how many rows moved: interactions always, each other
   * table when any of its rows did.
   */
  moveRecords(fromIds: readonly string[], toId: string): Promise<MovedRecords>;
}

/** What one crm command changed, for `crm undo` (drizzle/0013_change_sets.sql). */
export interface ChangeSet {
  id: number;
  /** The command line, as typed (without --db); empty for writes made by other programs through crm's code. */
  command: string;
  /** Who ran it: CRM_OWNER or the OS user on SQLite, the connected role on PostgreSQL. */
  actor: string;
  created_at: string;
  /** The change set this one took back, for an undo. */
  undoes: number | null;
}

/** How many audit entries of a change set there are per table and action. */
export interface ChangeSetTally {
  change_set: number;
  table_name: string;
  action: string;
  count: number;
}

export interface ChangeSetRepository {
  /** The newest change sets (as row-level security shows them), newest first. */
  recent(limit: number): Promise<ChangeSet[]>;
  get(id: number): Promise<ChangeSet | undefined>;
  /** The newest change set of whoever writes through this store (see Store.identifyWriter). */
  latestOwn(): Promise<ChangeSet | undefined>;
  /** The change sets that took back any of these. */
  undoing(ids: readonly number[]): Promise<ChangeSet[]>;
  tallies(ids: readonly number[]): Promise<ChangeSetTally[]>;
  /** A page of a change set's audit entries: those with id > after, oldest first. */
  entries(id: number, after: number, limit: number): Promise<AuditEntry[]>;
  /** Inside a write: records that the write's change set takes back `target`. */
  markUndo(target: number): Promise<void>;
  /**
   * Inside a write: an audit entry the write makes itself (not a row's change), filed under
   * a customer so that `crm history` shows it: a merge, on the kept and on each merged id.
   */
  note(customerId: string, action: 'merge', values: Record<string, unknown>): Promise<void>;
}

/** The columns that name one row of a table, with their values. */
export type RowKey = Record<string, unknown>;
/** A row as the audit log records it: JSON values, booleans as booleans, instants as ISO text. */
export type RowImage = Record<string, unknown>;

/** A row that still points at a parent: an interaction at its customer, a customer at its product. */
export interface DependentRow {
  table: string;
  key: RowKey;
  /** The parent's id. */
  parent: string;
}

/**
 * The writes `crm undo` makes from audit images, in any table the undo knows
 * (domain/change-sets.ts: UNDOABLE_TABLES). Every write is audited as usual.
 */
export interface RevertRepository {
  /** The rows with these keys as their audit entries would show them now, null when absent; in order. */
  current(table: string, keys: readonly RowKey[]): Promise<Array<RowImage | null>>;
  /** The rows of other tables that point at these rows of `table` (customers or products). */
  dependents(table: string, ids: readonly string[]): Promise<DependentRow[]>;
  /** Puts back deleted rows, every column as the image has it. */
  insert(table: string, rows: readonly RowImage[]): Promise<void>;
  /** Sets existing rows back to the image (every column it has), found by their key. */
  overwrite(table: string, rows: readonly RowImage[]): Promise<void>;
  delete(table: string, keys: readonly RowKey[]): Promise<void>;
  /** Gives interactions back to a customer (the undo of a merge); under the interactions' permit. */
  moveInteractions(ids: readonly string[], customerId: string): Promise<void>;
}

export interface Repositories {
  readonly products: ProductRepository;
  readonly customers: CustomerRepository;
  readonly interactions: InteractionRepository;
  readonly audit: AuditRepository;
  readonly reports: ReportRepository;
  readonly duplicates: DuplicateRepository;
  readonly merge: MergeRepository;
  readonly changeSets: ChangeSetRepository;
  readonly revert: RevertRepository;
}

/** Who the audit log names for writes made through a store, and their clock. */
export interface AuditWriter {
  /** CRM_OWNER or the OS user (SQLite); on PostgreSQL the server records the connected role. */
  actor: string;
  /** Stamps records and audit entries with the app's time. */
  clock?: Clock;
  /**
   * The command line, recorded with the command's change set (`crm undo --list`). With one,
   * every write until the next identifyWriter is one change set; without, each write is one.
   */
  command?: string;
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
