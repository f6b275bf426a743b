import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { MigrationMeta } from 'drizzle-orm/migrator';
import fs from 'node:fs';
import path from 'node:path';
import {
  CrmError,
  fileSystemReason,
  MissingDatabaseError,
  ReadOnlyDatabaseError,
  SchemaTooNewError,
  UncreatablePathError,
  UnopenableDatabaseError,
} from '../domain/errors.js';
import type { Clock } from '../domain/types.js';
import { projectRoot } from '../project-root.js';
import { foldCase } from '../domain/fold.js';
import { presentExpectedObjects } from './expected.js';
import { readMigrationFiles } from './migration-files.js';
import { createScratchFolder } from './scratch.js';
import { fillNameFolds } from './name-folds.js';
import { flushSearchIndex, realignSearchIndex } from './search-index.js';

/**
 * With `$client`, the connection drizzle wraps, for the reads written in SQL (repositories/queries.ts).
 * Without drizzle's relational query API (`orm.query`), which nothing uses: given the schema,
 * drizzle walks every table's columns and relations on each open.
 */
export type Drizzle = BetterSQLite3Database & { $client: Database.Database };

/** Who the audit log names for writes made through this connection, and their clock. */
export interface AuditWriter {
  /** CRM_OWNER or the OS user; decided by the CLI, never read from the environment here. */
  actor: string;
  /** Stamps audit entries with the app's time; without it they get SQLite's 'now'. */
  clock?: Clock;
  /**
   * The command line (`crm customer edit ...`), recorded with the command's change set. With
   * one, every write transaction until the next identifyWriter belongs to one change set (a
   * command may commit in batches); without one, each write transaction is a change set.
   */
  command?: string;
}

/** How the audit triggers treat one write transaction (see audit_context in schema.ts). */
export interface AuditSettings {
  /** 'summary': no entry per row; the writer records one summary entry itself (db/audit.ts). */
  mode?: 'row' | 'summary';
  /** Audit entries created before this ISO instant may be deleted (db prune-audit only). */
  pruneBefore?: string;
  /**
   * BEGIN DEFERRED rather than IMMEDIATE: the write lock is taken by the first write, of the
   * database written only. BEGIN IMMEDIATE would take the lock of every attached database
   * too, including one the transaction only reads (archive moves, src/repositories/sqlite/archive.ts).
   */
  deferred?: boolean;
}

export interface CrmDatabase {
  readonly path: string;
  readonly sqlite: Database.Database;
  readonly orm: Drizzle;
  /** The migrations this program knows, which the file was brought up to. */
  readonly migrations: MigrationSet;
  /** Tags of the migrations applied while opening (empty when the file was up to date). */
  readonly appliedMigrations: readonly string[];
  /**
   * Runs `work` in one short write transaction that holds the write lock from its first
   * statement (BEGIN IMMEDIATE), so a check and the write it guards cannot interleave with
   * another process. Every write of the app goes through here. An async function is refused
   * with an error (after its first `await` it would run outside the transaction).
   * The audit triggers record the writer set by `identifyWriter` as the actor.
   */
  write<T>(work: () => T): T;
  /** `write` with audit settings; for src/db/audit.ts (bulk summaries, prunes). */
  writeAudited<T>(settings: AuditSettings, work: () => T): T;
  /**
   * `write` for work that awaits: BEGIN IMMEDIATE, the work, COMMIT, by hand on the one
   * connection (better-sqlite3's transaction() commits when the function returns). Nothing
   * else runs on the connection meanwhile: a crm process runs one command. A write inside a
   * write (sync or async) is a savepoint of the outer one.
   */
  writeAsync<T>(work: () => Promise<T>, settings?: AuditSettings): Promise<T>;
  identifyWriter(writer: AuditWriter): void;
  /**
   * Called once a write has waited LOCK_NOTICE_AFTER_MS for another process's lock and goes
   * on waiting (up to the busy timeout), so a person can be told why nothing happens.
   */
  onLockWait(listener: (() => void) | undefined): void;
  /**
   * Inside a write transaction, the one instant it is stamped with: read once from the
   * writer's clock when the transaction begins, and recorded as the time of its audit
   * entries. Undefined outside a write, or when the writer gave no clock.
   */
  readonly writeInstant: Date | undefined;
  close(): void;
}

export interface OpenOptions {
  /**
   * Milliseconds a writer waits for another process's write lock before giving up: long
   * enough for another process's whole import, so a cron job never fails because of one.
   */
  busyTimeoutMs?: number;
  /**
   * Folder of drizzle-kit migrations (with meta/_journal.json). The program's own `drizzle/`
   * unless a test needs to replay a migration history of its own.
   */
  migrationsFolder?: string;
  /**
   * Whether a missing file is created (with its folder). Only commands that write ask for it;
   * for the others a missing file is a MissingDatabaseError. Default: true.
   */
  create?: boolean;
}

export interface MigrationSet {
  readonly folder: string;
  readonly tags: readonly string[];
  /** When drizzle-kit generated each migration (drizzle's folderMillis), read from the journal alone. */
  readonly generatedAt: readonly number[];
  /**
   * Each migration's statements and hash. Reading and hashing every file costs each command
   * a few milliseconds, so it is done only when a migration is applied or a status reported.
   */
  readonly metas: readonly MigrationMeta[];
}

export interface MigrationState {
  /** Tags of the known migrations recorded in the file, oldest first. */
  applied: string[];
  /** Tags of the known migrations not yet recorded in the file. */
  pending: string[];
  known: number;
}

export const MIGRATIONS_TABLE = '__drizzle_migrations';
/** 10 minutes: a 300k-row import holds the write lock for minutes on a small machine. */
export const DEFAULT_BUSY_TIMEOUT_MS = 10 * 60_000;
/** How long a writer waits for the lock before onLockWait is told it is waiting. */
export const LOCK_NOTICE_AFTER_MS = 1_000;
export const DEFAULT_MIGRATIONS_FOLDER = path.join(projectRoot, 'drizzle');

const migrationSets = new Map<string, MigrationSet>();

export function knownMigrations(folder: string = DEFAULT_MIGRATIONS_FOLDER): MigrationSet {
  let set = migrationSets.get(folder);
  if (!set) {
    const journal = JSON.parse(
      fs.readFileSync(path.join(folder, 'meta', '_journal.json'), 'utf8'),
    ) as { entries: Array<{ tag: string; when: number }> };
    let metas: MigrationMeta[] | undefined;
    set = {
      folder,
      tags: journal.entries.map((entry) => entry.tag),
      generatedAt: journal.entries.map((entry) => entry.when),
      get metas() {
        metas ??= readMigrationFiles(folder);
        return metas;
      },
    };
    migrationSets.set(folder, set);
  }
  return set;
}

/**
 * Creates the missing folders above `folder` one level at a time, each for the user alone.
 * Not `mkdirSync({ recursive: true })`: on some paths (`/proc/...`) Node's recursive mkdir
 * retries forever instead of failing.
 */
function createPrivateFolder(folder: string): void {
  const missing: string[] = [];
  let current = path.resolve(folder);
  for (;;) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(current);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new UncreatablePathError('folder', folder, fileSystemReason(error));
    }
    if (stat) {
      if (stat.isDirectory()) break;
      const reason = current === path.resolve(folder) ? 'a file has that name' : `${current} is a file`;
      throw new UncreatablePathError('folder', folder, reason);
    }
    const parent = path.dirname(current);
    missing.push(current);
    if (parent === current) break;
    current = parent;
  }
  for (const level of missing.reverse()) {
    try {
      fs.mkdirSync(level, { mode: 0o700 });
    } catch (error) {
      // Another process may have created it in between, which is as good.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && fs.statSync(level).isDirectory()) continue;
      throw new UncreatablePathError('folder', level, fileSystemReason(error));
    }
  }
}

/** Creates the folder and file with user-only permissions before SQLite touches them. */
function createPrivateFile(file: string): void {
  createPrivateFolder(path.dirname(file));
  try {
    fs.closeSync(fs.openSync(file, 'wx', 0o600));
  } catch (error) {
    // An existing file (or folder) is SQLite's to open or refuse.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw new UncreatablePathError('file', file, fileSystemReason(error));
  }
}

/**
 * foldCase (src/domain/fold.ts) is registered on every connection as crm_fold() for the app's
 * queries only: no trigger, index or CHECK uses it, so the plain sqlite3 shell can still write
 * the file.
 */
export { foldCase };

/** SQLite and file-system refusals that mean "this path is not a usable database file". */
const UNOPENABLE = new Set(['SQLITE_NOTADB', 'SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_CORRUPT', 'EACCES', 'EISDIR', 'ENOTDIR', 'EROFS']);

/**
 * better-sqlite3 commits when the transaction function returns, so an async function would
 * have its work after the first `await` run outside the transaction. Such a result fails
 * the transaction instead: what ran before the `await` is rolled back.
 */
function synchronous<T>(work: () => T): () => T {
  return () => {
    const result = work();
    if (typeof (result as { then?: unknown } | null)?.then === 'function') {
      throw new TypeError('a write transaction was given an async function (it returned a promise); it was rolled back');
    }
    return result;
  };
}

function writable(target: string): boolean {
  try {
    fs.accessSync(target, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

interface OpenedFile {
  sqlite: Database.Database;
  readOnly: boolean;
  /** Removes what opening left behind (the private copy of a read-only WAL database). */
  release: () => void;
}

/**
 * A file that cannot be written (its permissions, its folder's, a read-only mount) is opened
 * read-only, so reading commands work and a write fails with a plain "read-only" error.
 * A WAL database needs its -shm index: SQLite can create one beside a read-only file, but not
 * in a read-only folder, and this build of SQLite has no `immutable` URI. There, the file and
 * its write-ahead log are copied into a private temp folder and the copy is read: the same
 * content, as nobody can write the original meanwhile.
 */
function openFile(file: string, timeout: number): OpenedFile {
  const nothingToRelease = () => {};
  if (file === ':memory:' || (writable(file) && writable(path.dirname(file)))) {
    return { sqlite: new Database(file, { timeout }), readOnly: false, release: nothingToRelease };
  }
  const direct = new Database(file, { readonly: true, fileMustExist: true, timeout });
  try {
    direct.prepare('SELECT count(*) FROM sqlite_master').get();
    return { sqlite: direct, readOnly: true, release: nothingToRelease };
  } catch (error) {
    direct.close();
    const code = (error as { code?: string }).code ?? '';
    if (writable(path.dirname(file)) || !(code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_READONLY'))) throw error;
  }
  const folder = createScratchFolder('readonly');
  const release = () => fs.rmSync(folder, { recursive: true, force: true });
  try {
    const copy = path.join(folder, 'database.db');
    fs.copyFileSync(file, copy);
    if (fs.existsSync(`${file}-wal`)) fs.copyFileSync(`${file}-wal`, `${copy}-wal`);
    return { sqlite: new Database(copy, { readonly: true, fileMustExist: true, timeout }), readOnly: true, release };
  } catch (error) {
    release();
    throw error;
  }
}

export function openDatabase(file: string, options: OpenOptions = {}): CrmDatabase {
  try {
    return openAndMigrate(file, options);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code && UNOPENABLE.has(code)) throw new UnopenableDatabaseError(file, code, (error as Error).message);
    throw error;
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

function openAndMigrate(file: string, options: OpenOptions): CrmDatabase {
  const inMemory = file === ':memory:';
  if (!inMemory) {
    if (options.create === false && !fs.existsSync(file)) throw new MissingDatabaseError(file);
    createPrivateFile(file);
  }
  const migrations = knownMigrations(options.migrationsFolder);
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const { sqlite, readOnly, release } = openFile(file, busyTimeoutMs);
  try {
    if (!inMemory && !readOnly) sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    // A table with triggers gives every write statement a statement journal; kept in a temp
    // file it made each inserted row 5-8 times slower (npm run bench:audit). In memory it
    // costs a few pages per statement.
    sqlite.pragma('temp_store = MEMORY');
    sqlite.function('crm_fold', { deterministic: true }, (value: unknown) =>
      typeof value === 'string' ? foldCase(value) : value,
    );
    if (readOnly) refuseReadOnlyUpgrade(sqlite, file, migrations);
    const appliedMigrations = readOnly ? [] : applyPendingMigrations(sqlite, file, migrations);
    const orm = drizzle(sqlite);
    let writer: AuditWriter = { actor: '' };
    let writeInstant: Date | undefined;
    let auditStatements: AuditStatements | undefined;
    /** The change set of the command being run (see AuditWriter.command), once it has written. */
    let changeSet: number | undefined;
    /**
     * Fills audit_context for one top-level write transaction, opening the command's change
     * set first if it has none yet; returns what `endAudit` needs at commit.
     */
    const beginAudit = (settings: AuditSettings): OpenTransaction => {
      auditStatements ??= prepareAuditStatements(sqlite);
      writeInstant = writer.clock?.now();
      const at = writeInstant?.toISOString() ?? null;
      const entriesAfter = auditStatements.lastEntry.get() as number;
      const created = changeSet === undefined;
      if (changeSet === undefined) {
        changeSet = Number(auditStatements.openChangeSet.run(writer.command ?? '', writer.actor, at).lastInsertRowid);
      }
      auditStatements.fill.run(writer.actor, at, settings.mode ?? 'row', settings.pruneBefore ?? null, changeSet, entriesAfter);
      return { changeSet, created, entriesAfter };
    };
    /**
     * Just before commit: stamps the entries this transaction wrote with its change set, drops
     * a change set this transaction opened and left without entries (a command that changed
     * nothing leaves nothing to undo), and empties audit_context.
     */
    const endAudit = (open: OpenTransaction): void => {
      const statements = auditStatements!;
      const stamped = statements.stamp.run(open.changeSet, open.entriesAfter).changes;
      if (stamped === 0 && open.created) {
        statements.dropChangeSet.run(open.changeSet);
        changeSet = undefined;
      }
      // Emptied before commit, so writers outside crm never inherit this actor or permit.
      statements.empty.run();
      if (writer.command === undefined) changeSet = undefined;
    };
    /** After a rollback, a change set opened by the transaction is gone with it. */
    const abandonAudit = (open: OpenTransaction | undefined): void => {
      if (open?.created) changeSet = undefined;
    };
    let lockWaitListener: (() => void) | undefined;
    /**
     * BEGIN IMMEDIATE, waiting for another process's write lock: quietly at first, then, once
     * the listener has been told, for the rest of the busy timeout.
     */
    const immediately = <T>(begin: () => T, began: () => boolean): T => {
      const quietly = Math.min(LOCK_NOTICE_AFTER_MS, busyTimeoutMs);
      if (!lockWaitListener || quietly === busyTimeoutMs) return begin();
      sqlite.pragma(`busy_timeout = ${quietly}`);
      try {
        return begin();
      } catch (error) {
        // Only a lock that was never taken is worth the wait; anything later is the work's own error.
        if (began() || !isBusy(error)) throw error;
      } finally {
        sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
      }
      lockWaitListener();
      sqlite.pragma(`busy_timeout = ${busyTimeoutMs - quietly}`);
      try {
        return begin();
      } finally {
        sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
      }
    };
    const writeAudited = <T>(settings: AuditSettings, asked: () => T): T => {
      const work = synchronous(asked);
      // A nested write is a savepoint of the outer one, whose audit context already applies
      // (so a prune or summary asked for inside another write falls back to the safe side:
      // the delete is refused, or rows are logged one by one).
      if (sqlite.inTransaction) return sqlite.transaction(work)();
      let began = false;
      let open: OpenTransaction | undefined;
      try {
        const transaction = sqlite.transaction(() => {
          began = true;
          open = beginAudit(settings);
          const result = work();
          fillNameFolds(sqlite);
          flushSearchIndex(sqlite);
          endAudit(open);
          return result;
        });
        return readOnlyRefused(file, () =>
          settings.deferred ? transaction.deferred() : immediately(() => transaction.immediate(), () => began),
        );
      } catch (error) {
        abandonAudit(open);
        throw error;
      } finally {
        writeInstant = undefined;
      }
    };
    let savepoints = 0;
    const writeAsync = async <T>(work: () => Promise<T>, settings: AuditSettings = {}): Promise<T> => {
      if (sqlite.inTransaction) {
        const name = `crm_nested_${++savepoints}`;
        sqlite.exec(`SAVEPOINT ${name}`);
        try {
          const result = await work();
          sqlite.exec(`RELEASE ${name}`);
          return result;
        } catch (error) {
          if (sqlite.inTransaction) sqlite.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
          throw error;
        }
      }
      let began = false;
      let open: OpenTransaction | undefined;
      try {
        readOnlyRefused(file, () => immediately(() => sqlite.exec('BEGIN IMMEDIATE'), () => false));
        began = true;
        open = readOnlyRefused(file, () => beginAudit(settings));
        const result = await work();
        fillNameFolds(sqlite);
        flushSearchIndex(sqlite);
        endAudit(open);
        sqlite.exec('COMMIT');
        return result;
      } catch (error) {
        if (began && sqlite.inTransaction) sqlite.exec('ROLLBACK');
        abandonAudit(open);
        throw error;
      } finally {
        writeInstant = undefined;
      }
    };
    return {
      path: file,
      sqlite,
      orm,
      migrations,
      appliedMigrations,
      write: (work) => writeAudited({}, work),
      writeAudited,
      writeAsync,
      identifyWriter: (next) => {
        writer = next;
        // A new command: its writes start a change set of their own.
        changeSet = undefined;
      },
      onLockWait: (listener) => {
        lockWaitListener = listener;
      },
      get writeInstant() {
        return writeInstant && new Date(writeInstant.getTime());
      },
      close: () => {
        sqlite.close();
        release();
      },
    };
  } catch (error) {
    sqlite.close();
    release();
    throw error;
  }
}

/** A top-level write transaction's change set, as beginAudit opened it. */
interface OpenTransaction {
  changeSet: number;
  /** Whether this transaction opened the change set (rather than an earlier one of the command). */
  created: boolean;
  /** The log's last id when the transaction began. */
  entriesAfter: number;
}

interface AuditStatements {
  fill: Database.Statement;
  empty: Database.Statement;
  lastEntry: Database.Statement;
  openChangeSet: Database.Statement;
  stamp: Database.Statement;
  dropChangeSet: Database.Statement;
}

function prepareAuditStatements(sqlite: Database.Database): AuditStatements {
  return {
    fill: sqlite.prepare(
      `INSERT OR REPLACE INTO audit_context (id, actor, at, mode, prune_before, change_set, entries_after) VALUES (1, ?, ?, ?, ?, ?, ?)`,
    ),
    empty: sqlite.prepare(`DELETE FROM audit_context`),
    // max() of the rowid alias is a seek to the last row.
    lastEntry: sqlite.prepare(`SELECT coalesce(max(id), 0) FROM audit_log`).pluck(),
    openChangeSet: sqlite.prepare(
      `INSERT INTO change_sets (command, actor, created_at) VALUES (?, ?, coalesce(?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))`,
    ),
    // The entries this transaction wrote: SQLite lets one writer at a time append to the log.
    stamp: sqlite.prepare(`UPDATE audit_log SET change_set = ? WHERE id > ?`),
    dropChangeSet: sqlite.prepare(`DELETE FROM change_sets WHERE id = ?`),
  };
}

/** A write refused because the file cannot be written, in plain words. */
function readOnlyRefused<T>(file: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('SQLITE_READONLY')) throw new ReadOnlyDatabaseError(file);
    throw error;
  }
}

/** Reading an old schema with a newer program would give wrong answers; upgrading needs a write. */
function refuseReadOnlyUpgrade(sqlite: Database.Database, file: string, migrations: MigrationSet): void {
  const { pending } = migrationState(sqlite, migrations);
  const applied = readApplied(sqlite);
  const latestKnown = migrations.metas.at(-1)?.folderMillis ?? 0;
  if (applied.length > 0 && Number(applied.at(-1)!.created_at) > latestKnown) {
    throw new SchemaTooNewError(`${file} was written by a newer version of crm; upgrade crm to open it`);
  }
  if (pending.length > 0) {
    throw new ReadOnlyDatabaseError(
      file,
      `it needs ${pending.length} schema migration(s) first; make it writable and run \`crm db migrate\``,
    );
  }
}

interface AppliedMigrationRow {
  hash: string;
  created_at: number;
}

function readApplied(sqlite: Database.Database): AppliedMigrationRow[] {
  const exists = sqlite
    .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`)
    .get(MIGRATIONS_TABLE);
  if (!exists) return [];
  return sqlite
    .prepare(`SELECT hash, created_at FROM ${MIGRATIONS_TABLE} ORDER BY created_at`)
    .all() as AppliedMigrationRow[];
}

/** Which known migrations the file has and lacks (drizzle records each by its journal timestamp). */
export function migrationState(sqlite: Database.Database, migrations: MigrationSet): MigrationState {
  const appliedAt = new Set(readApplied(sqlite).map((row) => Number(row.created_at)));
  const applied: string[] = [];
  const pending: string[] = [];
  migrations.generatedAt.forEach((generatedAt, index) => {
    (appliedAt.has(generatedAt) ? applied : pending).push(migrations.tags[index]!);
  });
  return { applied, pending, known: migrations.tags.length };
}

/**
 * Applies the migrations drizzle-kit generated, recorded in drizzle's own table so that
 * drizzle-kit stays compatible. Done here rather than with drizzle's `migrate()` for three reasons:
 * - `BEGIN IMMEDIATE` takes the write lock before reading what is applied, so two processes
 *   opening a fresh file at once do not both try to create the tables;
 * - foreign keys are switched off around the transaction (the pragma is a no-op inside one),
 *   because a table rebuild would otherwise cascade deletes into child rows; the result is
 *   checked with `foreign_key_check` before commit;
 * - a rebuild drops the rebuilt table's triggers and indexes; an expected one that was in the
 *   file before and is gone after aborts the whole migration, so no rule is lost silently.
 * Exported for `crm db migrate`; returns the tags it applied (none when up to date).
 */
export function applyPendingMigrations(
  sqlite: Database.Database,
  file: string,
  migrations: MigrationSet,
): string[] {
  const { tags, generatedAt } = migrations;
  const latestKnown = generatedAt.at(-1) ?? 0;
  // Only the journal's timestamps are compared here: an up-to-date file, the usual case, costs
  // one small query and never reads the migration files themselves.
  const pendingIn = (applied: AppliedMigrationRow[]) => {
    const newest = applied.at(-1);
    if (newest && Number(newest.created_at) > latestKnown) {
      throw new SchemaTooNewError(
        `${file} was written by a newer version of crm (schema migration ${applied.length}, this program knows ${tags.length}); upgrade crm to open it`,
      );
    }
    const last = newest ? Number(newest.created_at) : -1;
    return generatedAt.flatMap((when, index) => (when > last ? [{ meta: migrations.metas[index]!, tag: tags[index]! }] : []));
  };

  if (pendingIn(readApplied(sqlite)).length === 0) return [];

  sqlite.pragma('foreign_keys = OFF');
  try {
    sqlite.exec('BEGIN IMMEDIATE');
    try {
      const pending = pendingIn(readApplied(sqlite));
      sqlite.exec(
        `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)`,
      );
      const record = sqlite.prepare(
        `INSERT INTO ${MIGRATIONS_TABLE} (hash, created_at) VALUES (?, ?)`,
      );
      for (const { meta, tag } of pending) {
        const before = presentExpectedObjects(sqlite);
        try {
          for (const statement of meta.sql) {
            if (statement.trim()) sqlite.exec(statement);
          }
        } catch (error) {
          if (error instanceof CrmError) throw error;
          throw new CrmError(
            `migration ${tag} failed: ${(error as Error).message}; the file is unchanged`,
          );
        }
        const after = presentExpectedObjects(sqlite);
        const lost = [...before].filter((name) => !after.has(name));
        if (lost.length > 0) {
          throw new CrmError(
            `migration ${tag} aborted: it would drop ${lost.join(', ')} without re-creating them; the file is unchanged`,
          );
        }
        record.run(meta.hash, meta.folderMillis);
      }
      fillNameFolds(sqlite);
      realignSearchIndex(sqlite);
      const violations = sqlite.pragma('foreign_key_check') as unknown[];
      if (violations.length > 0) {
        throw new CrmError(
          `migration aborted: it would leave ${violations.length} broken foreign key reference(s); the file is unchanged`,
        );
      }
      // Mirrors the schema version where the plain sqlite3 shell can see it.
      sqlite.pragma(`user_version = ${tags.length}`);
      sqlite.exec('COMMIT');
      return pending.map(({ tag }) => tag);
    } catch (error) {
      if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
      throw error;
    }
  } finally {
    sqlite.pragma('foreign_keys = ON');
  }
}
