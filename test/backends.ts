import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import type pg from 'pg';
import { openDatabase, type CrmDatabase } from '../src/db/connection.js';
import { openStore } from '../src/repositories/open.js';
import type { Store } from '../src/repositories/ports.js';
import { runCli, tempDir, TestCli, TestClock, type RunOptions, type RunResult } from './helpers.js';
import { createTestDatabase, SERVER_START_TIMEOUT_MS, type TestDatabase } from './pg/helpers.js';

/**
 * Command tests that run on both backends: the embedded SQLite file and a team's PostgreSQL
 * server (a real one, test/pg/server.ts). Each test gets an empty CRM of its own: a new
 * in-memory SQLite file, or a new team on the file's one PostgreSQL database (row-level
 * security keeps the teams apart), used by a manager of that team.
 */
export type BackendName = 'sqlite' | 'postgres';
export const BACKENDS: readonly BackendName[] = ['sqlite', 'postgres'];

export interface FreshOptions {
  /** SQLite: a file in a temporary folder rather than memory, so that other connections can open it. */
  file?: boolean;
}

/** Someone else at work on the same CRM, on a connection of their own: another terminal, or psql. */
export interface OtherMember {
  /** Who the audit log names for their crm commands: their CRM_OWNER on SQLite, their role on PostgreSQL. */
  readonly actor: string;
  /** A crm command of theirs (CRM_OWNER set to `actor`), on the CRM's clock. */
  run(argv: string[], options?: RunOptions): Promise<RunResult>;
  /** SQL as they would type it: in the sqlite3 shell (no actor), or in psql as their role. */
  sql<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
}

export interface OtherMemberOptions {
  /** PostgreSQL: a manager, who may change products and any customer (SQLite has no roles). */
  manager?: boolean;
  /** PostgreSQL: a member of another team on the same database, who must see nothing of this one. */
  otherTeam?: boolean;
}

export interface BackendCli {
  readonly backend: BackendName;
  readonly clock: TestClock;
  readonly store: Store;
  run(argv: string[], options?: RunOptions): Promise<RunResult>;
  /** Runs a command that must succeed and returns its parsed `--json` output. */
  json<T = any>(argv: string[], options?: RunOptions): Promise<T>;
  /** Every row of every table this CRM can see: compare before and after to prove nothing changed. */
  snapshot(): Promise<Record<string, unknown[]>>;
  /** Plain SQL as a user of this CRM would type it (sqlite3 shell / psql as the member). */
  sql<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
  /** Who the audit log names for this CLI's writes made with CRM_OWNER=`crmOwner`: that name on SQLite, the connected role on PostgreSQL. */
  actorFor(crmOwner: string): string;
  /** Another member on a connection of their own (SQLite: needs `fresh({ file: true })`). */
  otherMember(name: string, options?: OtherMemberOptions): Promise<OtherMember>;
  close(): Promise<void>;
}

/**
 * SQL with PostgreSQL's $1, $2... placeholders (each may appear more than once), as the
 * sqlite3 shell would run it on that connection.
 */
function sqliteSql<R>(db: CrmDatabase, text: string, values: unknown[]): R[] {
  const bound: unknown[] = [];
  const statement = db.sqlite.prepare(
    text.replace(/\$(\d+)/g, (_, n: string) => {
      bound.push(values[Number(n) - 1]);
      return '?';
    }),
  );
  if (statement.reader) return statement.all(...bound) as R[];
  statement.run(...bound);
  return [];
}

class SqliteBackendCli implements BackendCli {
  readonly backend = 'sqlite';
  private readonly cli: TestCli;
  private readonly others: CrmDatabase[] = [];
  constructor(private readonly file?: { dir: string; path: string }) {
    this.cli = new TestCli(file?.path);
  }
  get clock(): TestClock {
    return this.cli.clock;
  }
  get store(): Store {
    return this.cli.store;
  }
  /** The open file (see sqliteDatabaseOf). */
  get database(): CrmDatabase {
    return this.cli.db;
  }
  run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
    return this.cli.run(argv, options);
  }
  json<T>(argv: string[], options: RunOptions = {}): Promise<T> {
    return this.cli.json<T>(argv, options);
  }
  async snapshot(): Promise<Record<string, unknown[]>> {
    return this.cli.snapshot();
  }
  async sql<R>(text: string, values: unknown[] = []): Promise<R[]> {
    return sqliteSql<R>(this.cli.db, text, values);
  }
  actorFor(crmOwner: string): string {
    return crmOwner;
  }
  async otherMember(name: string, options: OtherMemberOptions = {}): Promise<OtherMember> {
    if (options.otherTeam) throw new Error('a SQLite file has no teams');
    if (!this.file) throw new Error('another connection needs a file: fresh({ file: true })');
    const db = openDatabase(this.file.path);
    this.others.push(db);
    return {
      actor: name,
      run: (argv, runOptions = {}) =>
        runCli(argv, { ...runOptions, env: { CRM_OWNER: name, ...runOptions.env }, clock: this.clock, database: db }),
      sql: async <R>(text: string, values: unknown[] = []) => sqliteSql<R>(db, text, values),
    };
  }
  private closed = false;
  /** Idempotent: a test closes its CLI, and describeBackends closes whatever is left. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const db of this.others) db.close();
    this.cli.close();
    if (this.file) fs.rmSync(this.file.dir, { recursive: true, force: true });
  }
}

const TEAM_TABLES = ['products', 'companies', 'customers', 'customer_interactions', 'customer_external_ids', 'customer_tags', 'settings', 'audit_log'] as const;
/** How each table's rows are ordered in a snapshot: by id, a tag or an external id by when it was added, a setting by its key. */
const SNAPSHOT_ORDER: Record<string, string> = { customer_tags: 'position', customer_external_ids: 'position', settings: 'key' };

class PgBackendCli implements BackendCli {
  readonly backend = 'postgres';
  readonly clock = new TestClock();
  private readonly others: Array<{ store: Store; client: pg.Client }> = [];
  constructor(
    readonly store: Store,
    private readonly member: pg.Client,
    private readonly db: TestDatabase,
    private readonly team: string,
    private readonly login: string,
  ) {}
  run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
    return runCli(argv, { ...options, clock: this.clock, store: this.store });
  }
  async json<T>(argv: string[], options: RunOptions = {}): Promise<T> {
    const result = await this.run([...argv, '--json'], options);
    if (result.code !== 0) throw new Error(`crm ${argv.join(' ')} failed (${result.code}): ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  }
  async snapshot(): Promise<Record<string, unknown[]>> {
    const tables: Record<string, unknown[]> = {};
    for (const table of TEAM_TABLES) {
      tables[table] = (await this.member.query(`SELECT * FROM crm.${table} ORDER BY ${SNAPSHOT_ORDER[table] ?? 'id'}`)).rows;
    }
    return tables;
  }
  async sql<R>(text: string, values: unknown[] = []): Promise<R[]> {
    return (await this.member.query(text, values)).rows as R[];
  }
  actorFor(_crmOwner: string): string {
    return this.login;
  }
  /** The URL this manager connects with, as `crm --db` or `crm db push` takes it. */
  get url(): string {
    return this.db.socketUrl(this.login);
  }
  /** A new role, added to this team (or to a new one) the way an admin would. */
  async otherMember(name: string, options: OtherMemberOptions = {}): Promise<OtherMember> {
    members += 1;
    const login = await this.db.createRole(`${name}${members}`);
    const owner = await this.db.connect(this.db.owner);
    let team = this.team;
    if (options.otherTeam) {
      teams += 1;
      team = `Team ${teams}`;
      await owner.query(`SELECT crm.crm_create_team($1)`, [team]);
    }
    await owner.query(`SELECT crm.crm_team_add($1, $2, $3)`, [login, options.manager ?? false, team]);
    await owner.end();
    const client = await this.db.connect(login);
    await client.query('SET search_path = crm, public');
    const store = await openStore(this.db.socketUrl(login));
    this.others.push({ store, client });
    return {
      actor: login,
      run: (argv, runOptions = {}) =>
        runCli(argv, { ...runOptions, env: { CRM_OWNER: login, ...runOptions.env }, clock: this.clock, store }),
      sql: async <R>(text: string, values: unknown[] = []) => (await client.query(text, values)).rows as R[],
    };
  }
  private closed: Promise<void> | undefined;
  /**
   * Idempotent, and ends the member's own connection too (and the other members'): a file's
   * tests share one server, whose connections would run out if each test's CLI kept its own
   * until the file ends.
   */
  close(): Promise<void> {
    this.closed ??= (async () => {
      for (const other of this.others) await Promise.all([other.store.close(), other.client.end()]);
      await Promise.all([this.store.close(), this.member.end()]);
    })();
    return this.closed;
  }
}

let database: Promise<TestDatabase> | undefined;
let teams = 0;
let members = 0;

async function newPgCli(): Promise<PgBackendCli> {
  database ??= createTestDatabase();
  const db = await database;
  teams += 1;
  const team = `Team ${teams}`;
  const login = await db.createRole(`manager${teams}`);
  const owner = await db.connect(db.owner);
  await owner.query(`SELECT crm.crm_create_team($1)`, [team]);
  await owner.query(`SELECT crm.crm_team_add($1, true, $2)`, [login, team]);
  await owner.end();
  const member = await db.connect(login);
  await member.query('SET search_path = crm, public');
  const store = await openStore(db.socketUrl(login));
  return new PgBackendCli(store, member, db, team, login);
}

export async function newBackendCli(backend: BackendName, options: FreshOptions = {}): Promise<BackendCli> {
  if (backend === 'postgres') return newPgCli();
  if (!options.file) return new SqliteBackendCli();
  const dir = tempDir();
  return new SqliteBackendCli({ dir, path: path.join(dir, 'crm.db') });
}

/**
 * `describe` once per backend; `body` gets the backend's name and a factory of fresh CRMs.
 * The PostgreSQL server is started (once per run) before the first test that needs it.
 */
export function describeBackends(
  name: string,
  body: (backend: BackendName, fresh: (options?: FreshOptions) => Promise<BackendCli>) => void,
): void {
  for (const backend of BACKENDS) {
    describe(`${name} [${backend}]`, () => {
      const opened: BackendCli[] = [];
      if (backend === 'postgres') {
        beforeAll(async () => {
          database ??= createTestDatabase();
          await database;
        }, SERVER_START_TIMEOUT_MS);
      }
      afterAll(async () => {
        await Promise.all(opened.map((cli) => cli.close()));
      });
      body(backend, async (options) => {
        const cli = await newBackendCli(backend, options);
        opened.push(cli);
        return cli;
      });
    });
  }
}

/**
 * The column that orders a table's rows as they were written, for SQL that checks an import kept
 * its file's order: SQLite's rowid; on PostgreSQL, which has none, the `position` each crm table
 * has for the same purpose (drizzle/pg/0007_transfer.sql). Not for customer_tags, which has no
 * rowid on SQLite.
 */
export function insertionOrder(backend: BackendName): string {
  return backend === 'sqlite' ? 'rowid' : 'position';
}

/**
 * Rows read with `cli.sql` as the sqlite3 shell shows them, so one expectation fits both
 * backends: node-postgres gives an instant as a Date (here its ISO text, as SQLite stores it)
 * and a boolean as true/false (here 1/0). A count is left alone: use countOf.
 */
export function asStored<R>(rows: R[]): R[] {
  const plain = (value: unknown): unknown => {
    if (value instanceof Date) return value.toISOString();
    if (typeof value === 'boolean') return value ? 1 : 0;
    return value;
  };
  return rows.map((row) => Object.fromEntries(Object.entries(row as Record<string, unknown>).map(([key, value]) => [key, plain(value)])) as R);
}

/** How many rows a query counts (`SELECT count(*) AS n ...`), as a number on either backend. */
export async function countOf(cli: Pick<BackendCli, 'sql'>, text: string, values: unknown[] = []): Promise<number> {
  const [row] = await cli.sql<{ n: number | string }>(text, values);
  return Number(row!.n);
}

/** The SQLite file under a CLI of the SQLite backend, for tests about SQLite itself; undefined on PostgreSQL. */
export function sqliteDatabaseOf(cli: BackendCli): CrmDatabase | undefined {
  return cli instanceof SqliteBackendCli ? cli.database : undefined;
}
