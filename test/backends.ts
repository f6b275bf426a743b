import { afterAll, beforeAll, describe } from 'vitest';
import type pg from 'pg';
import { openStore } from '../src/repositories/open.js';
import type { Store } from '../src/repositories/ports.js';
import { runCli, TestCli, TestClock, type RunOptions, type RunResult } from './helpers.js';
import { createTestDatabase, SERVER_START_TIMEOUT_MS, type TestDatabase } from './pg/helpers.js';

/**
 * Command tests that run on both backends: the embedded SQLite file and a team's PostgreSQL
 * server (a real one, test/pg/server.ts). Each test gets an empty CRM of its own: a new
 * in-memory SQLite file, or a new team on the file's one PostgreSQL database (row-level
 * security keeps the teams apart), used by a manager of that team.
 */
export type BackendName = 'sqlite' | 'postgres';
export const BACKENDS: readonly BackendName[] = ['sqlite', 'postgres'];

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
  close(): Promise<void>;
}

class SqliteBackendCli implements BackendCli {
  readonly backend = 'sqlite';
  private readonly cli = new TestCli();
  get clock(): TestClock {
    return this.cli.clock;
  }
  get store(): Store {
    return this.cli.store;
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
    const statement = this.cli.db.sqlite.prepare(text.replace(/\$\d+/g, '?'));
    if (statement.reader) return statement.all(...values) as R[];
    statement.run(...values);
    return [];
  }
  private closed = false;
  /** Idempotent: a test closes its CLI, and describeBackends closes whatever is left. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cli.close();
  }
}

const TEAM_TABLES = ['products', 'customers', 'customer_interactions', 'audit_log'] as const;

class PgBackendCli implements BackendCli {
  readonly backend = 'postgres';
  readonly clock = new TestClock();
  constructor(
    readonly store: Store,
    private readonly member: pg.Client,
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
      tables[table] = (await this.member.query(`SELECT * FROM crm.${table} ORDER BY ${table === 'audit_log' ? 'id' : 'id'}`)).rows;
    }
    return tables;
  }
  async sql<R>(text: string, values: unknown[] = []): Promise<R[]> {
    return (await this.member.query(text, values)).rows as R[];
  }
  private closed: Promise<void> | undefined;
  /**
   * Idempotent, and ends the member's own connection too: a file's tests share one server,
   * whose connections would run out if each test's CLI kept its own until the file ends.
   */
  close(): Promise<void> {
    this.closed ??= Promise.all([this.store.close(), this.member.end()]).then(() => undefined);
    return this.closed;
  }
}

let database: Promise<TestDatabase> | undefined;
let teams = 0;

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
  return new PgBackendCli(store, member);
}

export async function newBackendCli(backend: BackendName): Promise<BackendCli> {
  return backend === 'sqlite' ? new SqliteBackendCli() : newPgCli();
}

/**
 * `describe` once per backend; `body` gets the backend's name and a factory of fresh CRMs.
 * The PostgreSQL server is started (once per run) before the first test that needs it.
 */
export function describeBackends(name: string, body: (backend: BackendName, fresh: () => Promise<BackendCli>) => void): void {
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
      body(backend, async () => {
        const cli = await newBackendCli(backend);
        opened.push(cli);
        return cli;
      });
    });
  }
}
