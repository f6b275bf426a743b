import fs from 'node:fs';
import { pruneAuditLog } from '../../db/audit.js';
import {
  applyPendingMigrations,
  migrationState,
  MIGRATIONS_TABLE,
  type CrmDatabase,
} from '../../db/connection.js';
import { EXPECTED_INDEXES, EXPECTED_TRIGGERS, schemaObjectNames, type SchemaObjectType } from '../../db/expected.js';
import { SEARCH_INDEX_DRIFT } from '../../db/search-index.js';
import type { CheckResult, DatabaseCheck, FileDatabaseStatus, Maintenance, MigrationReport } from '../ports.js';
import { withSqliteErrors } from './errors.js';
import { quotedIdentifier } from '../sql-text.js';

/** How many problems a check lists before summarising the rest, so one line stays readable. */
const MAX_LISTED_PROBLEMS = 5;

function listProblems(problems: readonly string[]): string {
  const shown = problems.slice(0, MAX_LISTED_PROBLEMS).join('; ');
  const more = problems.length - MAX_LISTED_PROBLEMS;
  return more > 0 ? `${shown}; and ${more} more` : shown;
}

/**
 * Customer ids whose customer_activity row differs, either way, from their latest interaction
 * and the customer's archived flag and owner (as the triggers of drizzle/0015 write them).
 */
const ACTIVITY_DRIFT = `WITH latest AS (
    SELECT l.customer_id, l.id, l.created_at, l.follow_up_date, coalesce(c.is_archived, 0), c.owner FROM (
      SELECT customer_id, id, created_at, follow_up_date,
        row_number() OVER (PARTITION BY customer_id ORDER BY created_at DESC, id DESC) AS rank
      FROM customer_interactions) AS l
    LEFT JOIN customers AS c ON c.id = l.customer_id
    WHERE l.rank = 1),
  recorded AS (SELECT customer_id, last_interaction_id, last_interaction_at, follow_up_date, is_archived, owner FROM customer_activity),
  missing AS (SELECT * FROM latest EXCEPT SELECT * FROM recorded),
  extra AS (SELECT * FROM recorded EXCEPT SELECT * FROM latest)
  SELECT customer_id FROM missing UNION SELECT customer_id FROM extra ORDER BY 1`;

/**
 * Groups of customer_counts that differ from a recount of the customers, either way (a
 * missing group counts 0). `IS`: NULL product and owner are groups of their own.
 */
const COUNTS_DRIFT = `WITH actual AS (
    SELECT is_archived, status, product_id, owner, count(*) AS n FROM customers GROUP BY is_archived, status, product_id, owner),
  recorded AS (SELECT is_archived, status, product_id, owner, n FROM customer_counts),
  missing AS (SELECT * FROM actual EXCEPT SELECT * FROM recorded),
  extra AS (SELECT * FROM recorded EXCEPT SELECT * FROM actual),
  groups AS (SELECT is_archived, status, product_id, owner FROM missing UNION SELECT is_archived, status, product_id, owner FROM extra)
  SELECT g.is_archived, g.status, g.product_id, g.owner,
    coalesce((SELECT r.n FROM recorded AS r WHERE r.is_archived IS g.is_archived AND r.status IS g.status AND r.product_id IS g.product_id AND r.owner IS g.owner), 0) AS counted,
    coalesce((SELECT a.n FROM actual AS a WHERE a.is_archived IS g.is_archived AND a.status IS g.status AND a.product_id IS g.product_id AND a.owner IS g.owner), 0) AS customers
  FROM groups AS g ORDER BY g.is_archived, g.status, g.product_id, g.owner`;

/**
 * Groups of customer_values that differ from a recomputation over the customers, either way.
 * Only customers with a value count; `IS`: NULL product and owner are groups of their own.
 */
const VALUES_DRIFT = `WITH actual AS (
    SELECT is_archived, status, product_id, owner, deal_currency, count(*) AS n, sum(deal_value_minor) AS total_minor
    FROM customers WHERE deal_value_minor IS NOT NULL GROUP BY is_archived, status, product_id, owner, deal_currency),
  recorded AS (SELECT is_archived, status, product_id, owner, deal_currency, n, total_minor FROM customer_values),
  missing AS (SELECT * FROM actual EXCEPT SELECT * FROM recorded),
  extra AS (SELECT * FROM recorded EXCEPT SELECT * FROM actual)
  SELECT is_archived, status, product_id, owner, deal_currency FROM missing
  UNION SELECT is_archived, status, product_id, owner, deal_currency FROM extra
  ORDER BY 1, 2, 3, 4, 5`;

interface CountDrift {
  is_archived: number;
  status: string;
  product_id: string | null;
  owner: string | null;
  counted: number;
  customers: number;
}

/** `active lead, product p1, owner Grace: 5 counted, 2 customers`; an empty owner shows as "". */
function describeCountDrift(drift: CountDrift): string {
  const shown = (value: string | null) => (value === null ? 'none' : value === '' ? '""' : value);
  return `${drift.is_archived ? 'archived' : 'active'} ${drift.status}, product ${shown(drift.product_id)}, owner ${shown(drift.owner)}: ${drift.counted} counted, ${drift.customers} customers`;
}

/** Customers without a fold row or with a stale fold, and fold rows of no customer. */
const NAME_FOLD_DRIFT = `SELECT c.id FROM customers AS c LEFT JOIN customer_name_folds AS f ON f.customer_id = c.id
    WHERE f.customer_id IS NULL OR (f.name_fold IS NOT NULL AND f.name_fold IS NOT crm_fold(c.name))
  UNION
  SELECT f.customer_id FROM customer_name_folds AS f WHERE NOT EXISTS (SELECT 1 FROM customers AS c WHERE c.id = f.customer_id)
  ORDER BY 1`;

/**
 * Inspection and upkeep of the file itself: `crm db status|migrate|check` and the audit log's
 * pruning. better-sqlite3 is synchronous; the methods are async only to fit the port.
 */
export class SqliteMaintenance implements Maintenance {
  constructor(private readonly db: CrmDatabase) {}

  async pruneAudit(before: string): Promise<number> {
    return withSqliteErrors(() => pruneAuditLog(this.db, before));
  }

  async status(): Promise<FileDatabaseStatus> {
    const { sqlite } = this.db;
    return {
      path: this.db.path,
      schema: {
        ...migrationState(sqlite, this.db.migrations),
        applied_on_open: [...this.db.appliedMigrations],
      },
      journal_mode: String(sqlite.pragma('journal_mode', { simple: true })),
      sqlite_version: (sqlite.prepare('SELECT sqlite_version() AS version').get() as { version: string }).version,
      file_bytes: this.fileSize(this.db.path),
      wal_bytes: this.fileSize(`${this.db.path}-wal`),
      rows: Object.fromEntries(
        this.tableNames().map((table) => [
          table,
          (sqlite.prepare(`SELECT count(*) AS n FROM ${quotedIdentifier(table)}`).get() as { n: number }).n,
        ]),
      ),
    };
  }

  /**
   * Opening the file already applies what is pending, so this usually reports what the open
   * did; running the loop again costs one read and covers a file another process rolled back.
   */
  async migrate(): Promise<MigrationReport> {
    const { sqlite } = this.db;
    const appliedNow = applyPendingMigrations(sqlite, this.db.path, this.db.migrations);
    return {
      applied: [...this.db.appliedMigrations, ...appliedNow],
      schema: migrationState(sqlite, this.db.migrations),
    };
  }

  async check(): Promise<DatabaseCheck> {
    const checks = [
      this.checkIntegrity(),
      this.checkForeignKeyReferences(),
      this.checkPresent('triggers', 'trigger', EXPECTED_TRIGGERS),
      this.checkPresent('indexes', 'index', EXPECTED_INDEXES),
      this.checkMigrations(),
      this.checkActivity(),
      this.checkNameFolds(),
      this.checkCounts(),
      this.checkValues(),
      this.checkSearchIndex(),
      this.checkPragma('foreign_keys', 'foreign_keys', 1, 'ON'),
      this.checkPragma('journal_mode', 'journal_mode', 'wal', 'WAL'),
    ];
    return { ok: checks.every((check) => check.ok), checks };
  }

  private checkIntegrity(): CheckResult {
    const messages = this.db.sqlite.pragma('integrity_check', { simple: false }) as Array<{ integrity_check: string }>;
    const problems = messages.map((row) => row.integrity_check).filter((message) => message !== 'ok');
    return { name: 'integrity', ok: problems.length === 0, detail: problems.length ? listProblems(problems) : 'ok' };
  }

  private checkForeignKeyReferences(): CheckResult {
    const violations = this.db.sqlite.pragma('foreign_key_check') as Array<{
      table: string;
      rowid: number | null;
      parent: string;
    }>;
    const problems = violations.map(
      (violation) => `${violation.table} row ${violation.rowid} points to a missing ${violation.parent} row`,
    );
    return {
      name: 'foreign_key_check',
      ok: problems.length === 0,
      detail: problems.length ? `${problems.length} broken reference(s): ${listProblems(problems)}` : 'no broken references',
    };
  }

  private checkPresent(name: string, type: SchemaObjectType, expected: readonly string[]): CheckResult {
    const present = schemaObjectNames(this.db.sqlite, type);
    const missing = expected.filter((object) => !present.has(object));
    return {
      name,
      ok: missing.length === 0,
      detail: missing.length ? `missing: ${missing.join(', ')}` : `all ${expected.length} present`,
    };
  }

  private checkMigrations(): CheckResult {
    const { applied, pending, known } = migrationState(this.db.sqlite, this.db.migrations);
    return {
      name: 'migrations',
      ok: pending.length === 0,
      detail: pending.length ? `pending: ${pending.join(', ')}` : `${applied.length} of ${known} applied`,
    };
  }

  /** customer_activity against a recomputation from customer_interactions and customers (drizzle/0009, 0015). */
  private checkActivity(): CheckResult {
    if (!this.hasTable('customer_activity')) return { name: 'customer_activity', ok: true, detail: 'not in this schema' };
    const drifted = this.db.sqlite.prepare(ACTIVITY_DRIFT).pluck().all() as string[];
    return {
      name: 'customer_activity',
      ok: drifted.length === 0,
      detail: drifted.length
        ? `${drifted.length} customer(s) whose latest interaction, pending follow-up, archived flag or owner is recorded wrong: ${listProblems(drifted)}`
        : 'matches the interactions and customers',
    };
  }

  /**
   * customer_name_folds against the names: a fold that differs is drift (refs by name would
   * miss the customer); a NULL fold is a name written outside crm, still found by name, and
   * folded by crm's next write.
   */
  private checkNameFolds(): CheckResult {
    if (!this.hasTable('customer_name_folds')) return { name: 'customer_name_folds', ok: true, detail: 'not in this schema' };
    const drifted = this.db.sqlite.prepare(NAME_FOLD_DRIFT).pluck().all() as string[];
    const unfolded = (this.db.sqlite.prepare(`SELECT count(*) FROM customer_name_folds WHERE name_fold IS NULL`).pluck().get() as number);
    const pending = unfolded ? `; ${unfolded} name(s) not folded yet (crm's next write folds them)` : '';
    return {
      name: 'customer_name_folds',
      ok: drifted.length === 0,
      detail: drifted.length
        ? `${drifted.length} customer(s) whose folded name is missing or wrong: ${listProblems(drifted)}${pending}`
        : `matches the names${pending}`,
    };
  }

  /** customer_counts against a recount of the customers (drizzle/0010). */
  private checkCounts(): CheckResult {
    if (!this.hasTable('customer_counts')) return { name: 'customer_counts', ok: true, detail: 'not in this schema' };
    const drifted = this.db.sqlite.prepare(COUNTS_DRIFT).all() as CountDrift[];
    return {
      name: 'customer_counts',
      ok: drifted.length === 0,
      detail: drifted.length
        ? `${drifted.length} group(s) counted wrong: ${listProblems(drifted.map(describeCountDrift))}`
        : 'matches the customers',
    };
  }

  /** customer_values against a recomputation over the customers (drizzle/0011). */
  private checkValues(): CheckResult {
    if (!this.hasTable('customer_values')) return { name: 'customer_values', ok: true, detail: 'not in this schema' };
    const drifted = this.db.sqlite.prepare(VALUES_DRIFT).all() as Array<Omit<CountDrift, 'counted' | 'customers'> & { deal_currency: string }>;
    const shown = (value: string | null) => (value === null ? 'none' : value === '' ? '""' : value);
    return {
      name: 'customer_values',
      ok: drifted.length === 0,
      detail: drifted.length
        ? `${drifted.length} group(s) summed wrong: ${listProblems(
            drifted.map((g) => `${g.is_archived ? 'archived' : 'active'} ${g.status}, product ${shown(g.product_id)}, owner ${shown(g.owner)}, ${g.deal_currency}`),
          )}`
        : 'matches the customers',
    };
  }

  /**
   * customer_search (drizzle/0012) against the documents SEARCH_DOCUMENT says each customer
   * should have, either way, and FTS5's own check of its index against its text.
   */
  private checkSearchIndex(): CheckResult {
    if (!this.hasTable('customer_search')) return { name: 'customer_search', ok: true, detail: 'not in this schema' };
    const { sqlite } = this.db;
    let broken: string | undefined;
    try {
      sqlite.prepare(`INSERT INTO customer_search (customer_search) VALUES ('integrity-check')`).run();
    } catch (error) {
      // The check is written as an INSERT: a file opened read-only cannot run it, and is not broken for that.
      if (!(error as { code?: string }).code?.startsWith('SQLITE_READONLY')) broken = (error as Error).message;
    }
    const drifted = sqlite.prepare(SEARCH_INDEX_DRIFT).pluck().all() as string[];
    const problems = [
      ...(broken ? [`the index does not match its text (${broken})`] : []),
      ...(drifted.length ? [`${drifted.length} customer(s) whose document is missing or stale: ${listProblems(drifted)}`] : []),
    ];
    return {
      name: 'customer_search',
      ok: problems.length === 0,
      detail: problems.length ? `${problems.join('; ')}; rebuild it as the README says (Performance)` : 'matches the customers, tags and interactions',
    };
  }

  private hasTable(name: string): boolean {
    return Boolean(this.db.sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name));
  }

  private checkPragma(name: string, pragma: string, wanted: string | number, label: string): CheckResult {
    const actual = this.db.sqlite.pragma(pragma, { simple: true }) as string | number;
    const ok = actual === wanted;
    return { name, ok, detail: ok ? label : `is ${actual}, expected ${label}` };
  }

  /** Without the tables a full-text index keeps its data in (customer_search_data, ...): the index itself counts its documents. */
  private tableNames(): string[] {
    const rows = this.db.sqlite
      .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> ? ORDER BY name`)
      .all(MIGRATIONS_TABLE) as Array<{ name: string; sql: string | null }>;
    const virtual = rows.filter((row) => /^CREATE VIRTUAL TABLE/i.test(row.sql ?? '')).map((row) => row.name);
    const shadow = (name: string) => virtual.some((owner) => ['data', 'idx', 'content', 'docsize', 'config'].some((part) => name === `${owner}_${part}`));
    return rows.filter((row) => !shadow(row.name)).map((row) => row.name);
  }

  private fileSize(file: string): number | null {
    if (this.db.path === ':memory:') return null;
    try {
      return fs.statSync(file).size;
    } catch (error) {
      // No write-ahead log after the last connection checkpointed it: nothing on disk.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
  }
}
