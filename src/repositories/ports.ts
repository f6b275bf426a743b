import type { AuditEntry } from '../domain/audit.js';
import type { SettingKey } from '../domain/settings.js';
import type { Clock, Company, Customer, Interaction, Product } from '../domain/types.js';
import type { CustomerStatus, InteractionChannel, TableName } from '../domain/vocabulary.js';

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
  /** Names starting with the prefix ignoring case, in name order: for shell completion. */
  namesStartingWith(prefix: string, limit: number): Promise<string[]>;
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

/** What a ref can mean, for a lookup in one read. */
export interface RefQuery {
  /** The ref as typed and lower-cased: an exact id wins over everything else. */
  ids: readonly string[];
  /** The ref when long enough to be an id prefix. */
  prefix: string | undefined;
  name: string;
}

/** What `customer show` prints beside the customer's own record. */
export interface CustomerSurroundings {
  company_name: string | null;
  /** In the order they were added. */
  tags: string[];
  /** Newest first. */
  interactions: Interaction[];
}

/** A ref's candidates (findByRef), and more of the one it names outright, if any. */
export interface NamedByRef<T> {
  candidates: CustomerWithProduct[];
  /**
   * For the candidate resolveRef takes without asking: the first of the query's ids that is a
   * candidate's, else the only candidate. Absent when the ref is ambiguous or matches nothing.
   */
  named?: T & { id: string };
}

export type CustomerShowRead = NamedByRef<CustomerSurroundings>;
export type CustomerHistoryRead = NamedByRef<{ entries: AuditEntry[] }>;

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
  /** Every customer a ref can mean, in one read (see RefSource.findByRef), with its product's name. */
  findByRef(query: RefQuery, limit: number): Promise<CustomerWithProduct[]>;
  /** findByRef and, in the same read (a snapshot of its own), what `customer show` prints of the customer named. */
  showByRef(query: RefQuery, limit: number): Promise<CustomerShowRead>;
  /** findByRef and, in the same read, the audit entries of the customer named (AuditRepository.forCustomers). */
  historyByRef(query: RefQuery, limit: number): Promise<CustomerHistoryRead>;
  /** Distinct names whose folded form starts with the folded prefix, in folded order: for shell completion. */
  namesStartingWith(prefix: string, limit: number): Promise<string[]>;
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
  /** Up to `limit` names that start with `prefix` after foldCase, in list order (shell completion). */
  namesStartingWith(prefix: string, limit: number): Promise<string[]>;
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
   * not grow with them; the store runs no other query until the iteration ends. `expected`:
   * about how many rows the caller means to read (a page), so a server sends no more at once.
   */
  pendingFollowUps(filter: FollowUpFilter, expected?: number): AsyncIterable<FollowUpRow>;
  /**
   * How many pending follow-ups the filter has (`n`, exactly), and how many of them are
   * overdue: one range of the pending follow-ups' date index, whatever the window's size.
   */
  countPendingFollowUps(filter: FollowUpFilter, overdue: OverdueBound): Promise<{ n: number; overdue: number }>;
}

/** Overdue: an all-day follow-up before `day`, one with a time before `instant`. */
export interface OverdueBound {
  instant: string;
  day: string;
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

/**
 * A row as either engine can take it back: every column of the table (team_id aside), text
 * and numbers as stored, booleans as booleans, instants as canonical ISO text.
 */
export type ArchiveRow = Record<string, unknown>;

/** What one batch of a move copies into the archive, parents first. */
export interface ArchiveRows {
  products: ArchiveRow[];
  companies: ArchiveRow[];
  customers: ArchiveRow[];
  interactions: ArchiveRow[];
  /** Only a SQLite file has external ids (source, external_id, customer_id, created_at). */
  externalIds: ArchiveRow[];
  /** customer_id, tag, created_at; each customer's in the order they were added. */
  tags: ArchiveRow[];
}

/** Where the next batch reads on from: opaque to the service (a rowid, an id); null at the start. */
export type ArchiveCursor = number | string | null;

/**
 * One batch of a move, picked inside a write of the source database: its rows cannot change
 * (nor gain interactions) until that write ends.
 */
export interface ArchiveBatch {
  /** Customers in the batch (with `pickInteractions`, copies of the interactions' customers). */
  readonly customers: number;
  readonly interactions: number;
  readonly next: ArchiveCursor;
  /** Every column of every row the archive needs. */
  rows(): Promise<ArchiveRows>;
  /** Still inside the write that picked it: deletes what moved (a customer's rows go with it). */
  deleteMoved(): Promise<void>;
}

/** The archive database a move writes to: a SQLite file or a team's PostgreSQL database. */
export interface ArchiveTarget {
  /** As it may be shown (never a password). */
  readonly location: string;
  /**
   * Copies the batch and commits it in the archive, before the source deletes it. Keyed by
   * id: a batch already there (a rerun after a crash between the two commits) changes nothing.
   */
  copy(batch: ArchiveBatch): Promise<void>;
  /** Between two batches, while the source lets other writers in: the archive's own upkeep. */
  pause(): Promise<void>;
  close(): Promise<void>;
}

/** `crm customer archive --status --older-than` and `crm archive --to` (src/services/archive.ts). */
export interface ArchiveRepository {
  /** Non-archived customers in `status` updated before the instant, oldest first (a dry run). */
  staleCustomers(status: CustomerStatus, updatedBefore: string): Promise<Customer[]>;
  /**
   * Inside a write: archives the next `limit` such customers after the cursor, stamping them
   * `at`, re-checking each (one edited meanwhile stays). Only customers the writer may edit.
   */
  archiveStale(
    status: CustomerStatus,
    updatedBefore: string,
    at: string,
    after: ArchiveCursor,
    limit: number,
  ): Promise<{ ids: string[]; next: ArchiveCursor }>;
  /** Archived customers due to move (every one when `customersBefore` is null), and their interactions. */
  countMovableCustomers(customersBefore: string | null): Promise<{ customers: number; interactions: number }>;
  /** Old interactions due to move on their own (see MOVABLE_INTERACTIONS in the SQLite adapter). */
  countMovableInteractions(interactionsBefore: string, customersBefore: string | null): Promise<number>;
  /** Inside a write: the next archived customers due, with their interactions, external ids and tags. */
  pickCustomers(customersBefore: string | null, after: ArchiveCursor, limit: number): Promise<ArchiveBatch>;
  /** Inside a write: the next old interactions due, each with a copy of its customer's row. */
  pickInteractions(
    interactionsBefore: string,
    customersBefore: string | null,
    after: ArchiveCursor,
    limit: number,
  ): Promise<ArchiveBatch>;
  /**
   * Opens (a file: creates, with its migrations) the archive at `location`, a file path or a
   * PostgreSQL URL; refuses this very database, which the move would empty.
   */
  openTarget(location: string): Promise<ArchiveTarget>;
  /** Between two batches of a job, outside any write: other writers' turn (see the adapters). */
  pause(): Promise<void>;
  /** After a job's last batch, or its failure. */
  finish(): Promise<void>;
}

export interface Repositories {
  readonly products: ProductRepository;
  readonly customers: CustomerRepository;
  readonly interactions: InteractionRepository;
  readonly audit: AuditRepository;
  readonly reports: ReportRepository;
  /** Only a team database has teams and members. */
  readonly team?: TeamRepository;
  readonly duplicates: DuplicateRepository;
  readonly merge: MergeRepository;
  readonly changeSets: ChangeSetRepository;
  readonly revert: RevertRepository;
  readonly companies: CompanyRepository;
  readonly settings: SettingsRepository;
  readonly tags: TagRepository;
  readonly search: SearchRepository;
  readonly archive: ArchiveRepository;
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

/** Which of the migrations this program knows the database has, by tag, oldest first. */
export interface SchemaState {
  applied: string[];
  pending: string[];
  known: number;
}

/** `crm db status` of a SQLite file. */
export interface FileDatabaseStatus {
  path: string;
  schema: SchemaState & {
    /** Tags this invocation applied while opening the file (pending ones are applied on open). */
    applied_on_open: string[];
  };
  journal_mode: string;
  sqlite_version: string;
  /** Bytes on disk of the main file and of its write-ahead log (0 when none); null in memory. */
  file_bytes: number | null;
  wal_bytes: number | null;
  /** Rows per table, every table of the file except SQLite's and drizzle's bookkeeping. */
  rows: Record<string, number>;
}

/**
 * `crm db status` of a team's database on a PostgreSQL server: the same names where the two
 * mean the same (schema, rows), the server's where the file's would not apply.
 */
export interface ServerDatabaseStatus {
  /** The server and database as they may be shown (never a password), in place of `path`. */
  server: string;
  database: string;
  /** Nothing is applied on opening a server's database: only its owner migrates it. */
  schema: SchemaState;
  /** PostgreSQL's version, in place of `sqlite_version`. */
  server_version: string;
  /** The connected role (session_user): who the audit log names. */
  role: string;
  /** The role's team, or null (the schema's owner, or a role that is no member). */
  team: string | null;
  is_manager: boolean;
  /** The role owns schema crm (the admin): it may migrate, and row-level security does not apply to it. */
  is_schema_owner: boolean;
  /** Rows per table of schema crm the role may read, as row-level security lets it see them. */
  rows: Record<string, number>;
}

export type DatabaseStatus = FileDatabaseStatus | ServerDatabaseStatus;

export interface MigrationReport {
  /** Tags applied by this invocation, oldest first; empty when the database was up to date. */
  applied: string[];
  schema: SchemaState;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

export interface DatabaseCheck {
  ok: boolean;
  checks: CheckResult[];
}

/** Work on the database as a whole rather than on one table's records. */
export interface Maintenance {
  /**
   * Deletes the audit entries created before `before` (an ISO instant) and records that it did,
   * in one transaction; the database refuses any other delete from the log. Returns how many.
   */
  pruneAudit(before: string): Promise<number>;
  /** Schema version, row counts and what the engine adds (`crm db status`). */
  status(): Promise<DatabaseStatus>;
  /** Verifies the schema's rules are all in place and the data obeys them (`crm db check`). */
  check(): Promise<DatabaseCheck>;
  /** Applies pending migrations; on a server only the schema's owner may (`crm db migrate`, `db init`). */
  migrate(): Promise<MigrationReport>;
}

/** A member of a team, as `crm team list` shows it. */
export interface TeamMember {
  /** The member's PostgreSQL role. */
  login: string;
  /** The team's name. */
  team: string;
  is_manager: boolean;
  /** When the member joined. */
  created_at: string;
}

/**
 * A team database's teams and members (a SQLite file has neither). The server decides who may
 * do what: the schema's owner administers every team, a manager their own team; a member sees
 * their own team only.
 */
export interface TeamRepository {
  /** A team by its exact name, when the connected role can see it. */
  findTeam(name: string): Promise<{ id: string; name: string } | undefined>;
  /** Creates a team (the schema's owner only); returns its id. */
  createTeam(name: string): Promise<string>;
  /** The members the connected role can see, by team name then login; of one team when named. */
  listMembers(team?: string): Promise<TeamMember[]>;
  /**
   * Makes an existing login role a member, or changes whether it is a manager. `team` names
   * the team when the schema's owner administers several; a manager's is their own.
   */
  addMember(login: string, manager: boolean, team?: string): Promise<void>;
  removeMember(login: string, team?: string): Promise<void>;
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
  /** Import and export of whole tables; loaded on first use (it brings code no other command needs). */
  bulkTransfer(): Promise<BulkTransfer>;
  close(): Promise<void>;
}

/** A value of a table's row as import and export move it: text, a number, or NULL. */
export type BulkValue = string | number | null;

/** Why the database refused one row of an import, in the words of the bad-row report. */
export interface BulkRowProblem {
  column: string;
  reason: string;
}

/** One file's rows, validated and staged, as the write phase of an import reads them. */
export interface BulkStagedFile {
  /** The file's place among the import's sources: problems are reported by it. */
  source: number;
  table: TableName;
  label: string;
  /** The table's columns the write sets: the file's, and those the command line gives (--status...). */
  columns: ReadonlySet<string>;
  /** A customers file naming companies by name (another tool's Company column): each is found or created. */
  namesCompanies: boolean;
  /** A crm export (its own header): an empty cell is a real NULL that replaces the old value. */
  native: boolean;
  /** The tool whose own ids a customers file carries (HubSpot Record ID...), when it does. */
  externalSource?: string;
  stage: BulkStage;
  /** Counts the write phase adds to. */
  counts: { inserted: number; updated: number; unchanged: number; duplicates: number; rejected: number; companiesCreated: number };
}

/** Where one file's validated rows wait for the write, out of the way of the database's lock. */
export interface BulkStage {
  /** Rows in file order: `values` as RowReader makes them (the table's columns, then the extras). */
  append(rows: ReadonlyArray<{ line: number; values: BulkValue[]; raw: string | null }>): Promise<void>;
  drop(): Promise<void>;
}

export interface BulkWriteOptions {
  onDuplicate: 'skip' | 'update';
  /** `rows`: the database's per-row audit; `summary`: one entry, `summarize()` of the files. */
  audit: 'rows' | 'summary';
  summarize: () => { table_name: string; action: string; details: Record<string, unknown> };
  /** The write's instant, for the rows that give no created_at/updated_at. */
  now: string;
  /** A row the database refused: the caller reports it; the row is left out. */
  reject(source: number, line: number, problem: BulkRowProblem, raw: string | null): void;
  /** Runs last, inside the transaction: throws to roll everything back (bad rows, --dry-run). */
  finish(): void;
  onProgress?: (file: BulkStagedFile, done: number) => void;
}

/** Rejected rows of an import, kept until --rejects writes them. */
export interface BulkRejects {
  add(reject: { source: number; line: number; column: string; reason: string; raw: string | null }): void;
  bySource(source: number): AsyncIterable<{ line: number; column: string; reason: string; raw: string | null }>;
}

/** One import: its staging, its rejects, and the one transaction that writes it all. */
export interface BulkImport {
  stage(table: TableName): Promise<BulkStage>;
  readonly rejects: BulkRejects;
  /** Writes every staged file, in order, in ONE write transaction: all of it commits, or none. */
  write(files: readonly BulkStagedFile[], options: BulkWriteOptions): Promise<void>;
}

/**
 * Import and export of whole tables (`crm import`, `crm export`, `crm db push`): the bulk
 * paths each engine has (prepared statements and a scratch file on SQLite, COPY and a
 * staging table on PostgreSQL), behind what TransferService asks.
 */
export interface BulkTransfer {
  readonly backend: Backend;
  /** `summary` where the engine can record one entry for a bulk write; a server audits every row. */
  readonly auditModes: ReadonlyArray<'rows' | 'summary'>;
  count(table: TableName): Promise<number>;
  /** Runs `work` on one snapshot of the data, so several tables export consistently. */
  readSnapshot<T>(work: () => Promise<T>): Promise<T>;
  /** A table's rows in insertion order, a page at a time, in TABLE_COLUMNS order and SQLite's value forms. */
  pages(table: TableName, pageSize: number): AsyncIterable<BulkValue[][]>;
  /**
   * When the engine formats the lossless CSV itself (PostgreSQL's COPY, SQLite joining each
   * page's values): writes the table's records, header excluded, byte for byte what
   * formatting `pages` would give, and returns how many. `write` resolves once the output
   * can take more; `progress`, when the engine can tell, gets the records written so far.
   */
  copyLosslessCsv?(table: TableName, write: (chunk: string | Buffer) => Promise<void>, progress?: (rows: number) => void): Promise<number>;
  /** Runs an import with its scratch space, removed afterwards whatever happens. */
  withImport<T>(work: (session: BulkImport) => Promise<T>): Promise<T>;
  /** A solo file's audit log, oldest first, a page at a time (`crm db push` reads it). */
  auditHistory?(pageSize: number): AsyncIterable<PushedAuditEntry[]>;
  /**
   * Adds entries of a solo file's history to the team's log, each marked with its `origin`;
   * an origin the team's log has already is skipped. Returns how many were added.
   */
  pushAuditHistory?(entries: readonly PushedAuditEntry[]): Promise<number>;
}

/**
 * An audit entry as `crm db push` carries it from a file to a server: the log's own columns
 * (without the file's id and change set, which mean nothing on the server), values still as
 * the JSON text the file stored.
 */
export type PushedAuditEntry = Omit<AuditEntry, 'id' | 'change_set' | 'old_values' | 'new_values'> & {
  old_values: string | null;
  new_values: string | null;
  /** Where it came from: the file's entry id and a digest of the entry. */
  origin: string;
};
