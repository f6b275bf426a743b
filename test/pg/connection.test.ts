import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SchemaTooNewError, ServerError } from '../../src/domain/errors.js';
import {
  describeTarget,
  isoInstant,
  isPostgresUrl,
  openPgPool,
  parsePostgresUrl,
  pgpassPassword,
  redactPasswords,
} from '../../src/db/pg/connection.js';
import { knownPgMigrations, migratePg } from '../../src/db/pg/migrate.js';
import { createTestDatabase, SERVER_START_TIMEOUT_MS, type TestDatabase } from './helpers.js';

const root = path.resolve(import.meta.dirname, '..', '..');
let db: TestDatabase;
let alice: string;
const PASSWORD = 'p@ss:w/rd s3cret';
let scratch: string;

beforeAll(async () => {
  db = await createTestDatabase();
  alice = await db.createRole('alice', PASSWORD);
  await db.asSuperuser(`GRANT CONNECT ON DATABASE ${db.name} TO ${alice}`);
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-pgpass-'));
}, SERVER_START_TIMEOUT_MS);
afterAll(async () => {
  await db?.close();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
});

/** The message of the error `run` fails with. */
async function failure(run: Promise<unknown>): Promise<Error> {
  try {
    await run;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('postgres URLs', () => {
  it('are told apart from file paths', () => {
    expect(isPostgresUrl('postgres://alice@host/agency')).toBe(true);
    expect(isPostgresUrl('postgresql://alice@host/agency')).toBe(true);
    expect(isPostgresUrl('./postgres.db')).toBe(false);
    expect(isPostgresUrl('/tmp/postgres://x')).toBe(false);
  });

  it('are read like libpq: user, password, host, port, database, query parameters, then PG* variables', () => {
    vi.stubEnv('PGSSLMODE', 'require');
    expect(parsePostgresUrl('postgresql://alice:se%40cret@db.example:6543/agency?application_name=x')).toEqual({
      user: 'alice',
      password: 'se@cret',
      host: 'db.example',
      port: 6543,
      database: 'agency',
      sslmode: 'require',
      applicationName: 'x',
    });
    expect(parsePostgresUrl('postgres:///agency?host=%2Fvar%2Frun%2Fpostgresql&sslmode=disable')).toMatchObject({
      host: '/var/run/postgresql',
      database: 'agency',
      sslmode: 'disable',
    });
    vi.stubEnv('PGHOST', 'env-host');
    vi.stubEnv('PGUSER', 'env-user');
    vi.stubEnv('PGPORT', '7777');
    expect(describeTarget(parsePostgresUrl('postgres:///agency'))).toBe('postgres://env-user@env-host:7777/agency');
  });

  it('refuse an unknown sslmode and a bad port with a message that holds no password', async () => {
    expect((await failure(Promise.resolve().then(() => parsePostgresUrl('postgres://a:hunter2@h/d?sslmode=always')))).message).toMatch(
      /invalid sslmode "always"/,
    );
    const badPort = await failure(Promise.resolve().then(() => parsePostgresUrl('postgres://a:hunter2@h:99x/d')));
    expect(badPort).toBeInstanceOf(ServerError);
    expect(badPort.message).not.toContain('hunter2');
  });
});

describe('redactPasswords', () => {
  it('removes the password part of URLs and every known password, plain or URL-encoded', () => {
    expect(redactPasswords('cannot reach postgres://alice:hunter2@host/db', [])).toBe('cannot reach postgres://alice:***@host/db');
    expect(redactPasswords('said p@ss and p%40ss', ['p@ss'])).toBe('said *** and ***');
  });
});

describe('values come back as SQLite gives them', () => {
  it('instants as ISO text with milliseconds and Z, from any offset', () => {
    expect(isoInstant('2026-12-01 04:00:00.12+00')).toBe('2026-12-01T04:00:00.120Z');
    expect(isoInstant('2026-12-01 04:00:00+00')).toBe('2026-12-01T04:00:00.000Z');
    expect(isoInstant('2026-12-01 09:30:00.5+05:30')).toBe('2026-12-01T04:00:00.500Z');
    expect(isoInstant('2026-11-30 23:00:00-05')).toBe('2026-12-01T04:00:00.000Z');
    expect(isoInstant('0099-01-01 00:00:00+00')).toBe('0099-01-01T00:00:00.000Z');
    expect(isoInstant('infinity')).toBe('infinity');
  });

  it('through a pool: timestamptz, timestamp, int8, boolean and date', async () => {
    const pool = await openPgPool(db.socketUrl(db.owner));
    try {
      const { rows } = await pool.pool.query(
        `SELECT '2026-12-01T04:00:00.000Z'::timestamptz(3) AS at, '2026-12-01 04:00:00.25'::timestamp AS local,
                count(*) AS n, 9007199254740993::int8 AS huge, true AS yes, '2026-12-01'::date AS day
           FROM (VALUES (1), (2)) AS v(x)`,
      );
      expect(rows).toEqual([
        { at: '2026-12-01T04:00:00.000Z', local: '2026-12-01T04:00:00.250Z', n: 2, huge: '9007199254740993', yes: true, day: '2026-12-01' },
      ]);
    } finally {
      await pool.close();
    }
  });
});

describe('passwords (libpq conventions)', () => {
  it('from the URL', async () => {
    const pool = await openPgPool(db.tcpUrl(alice, PASSWORD));
    expect((await pool.pool.query(`SELECT session_user AS who`)).rows).toEqual([{ who: alice }]);
    await pool.close();
  });

  it('from PGPASSWORD', async () => {
    vi.stubEnv('PGPASSWORD', PASSWORD);
    const pool = await openPgPool(db.tcpUrl(alice));
    expect((await pool.pool.query(`SELECT 1 AS ok`)).rows).toEqual([{ ok: 1 }]);
    await pool.close();
  });

  it('from ~/.pgpass (PGPASSFILE), escapes and wildcards included, but not from a file others can read', async () => {
    vi.stubEnv('PGPASSWORD', '');
    const file = path.join(scratch, 'pgpass');
    const escaped = PASSWORD.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
    fs.writeFileSync(file, `# comment\nother:*:*:*:wrong\n127.0.0.1:${db.server.port}:*:${alice}:${escaped}\n`, { mode: 0o600 });
    fs.chmodSync(file, 0o600);
    vi.stubEnv('PGPASSFILE', file);
    const pool = await openPgPool(db.tcpUrl(alice));
    expect((await pool.pool.query(`SELECT session_user AS who`)).rows).toEqual([{ who: alice }]);
    await pool.close();
    expect(pgpassPassword({ host: '127.0.0.1', port: db.server.port, database: 'any', user: alice }, file)).toBe(PASSWORD);
    expect(pgpassPassword({ host: 'other', port: 1, database: 'x', user: 'y' }, file)).toBe('wrong');
    fs.chmodSync(file, 0o644);
    expect(pgpassPassword({ host: '127.0.0.1', port: db.server.port, database: 'any', user: alice }, file)).toBeUndefined();
  });

  it('a wrong password fails with one line that names the server and holds no password', async () => {
    const error = await failure(openPgPool(db.tcpUrl(alice, 'not-the-password')));
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).sqlState).toBe('28P01');
    expect(error.message).toMatch(new RegExp(`^cannot connect to postgres://${alice}@127\\.0\\.0\\.1:${db.server.port}/${db.name}: .*password authentication failed`));
    expect(error.message).not.toContain('not-the-password');
    expect(error.message).not.toContain('\n');
  });

  it('no password anywhere: says where to put one', async () => {
    vi.stubEnv('PGPASSWORD', '');
    vi.stubEnv('PGPASSFILE', path.join(scratch, 'missing'));
    const error = await failure(openPgPool(db.tcpUrl(alice)));
    expect(error.message).toMatch(/asks for a password: set PGPASSWORD, or add a line for it to ~\/\.pgpass/);
  });

  it('a server that is not there: a clear error, nothing secret in it', async () => {
    const error = await failure(openPgPool(`postgres://alice:${encodeURIComponent(PASSWORD)}@127.0.0.1:1/none?sslmode=disable`));
    expect(error).toBeInstanceOf(ServerError);
    expect(error.message).toMatch(/^cannot connect to postgres:\/\/alice@127\.0\.0\.1:1\/none: /);
    expect(error.message).not.toContain(PASSWORD);
    expect(error.message).not.toContain(encodeURIComponent(PASSWORD));
  });
});

describe('sslmode (libpq meanings)', () => {
  it('prefer, the default, settles for a plain connection on a server without TLS; require refuses it', async () => {
    const plain = db.tcpUrl(alice, PASSWORD).replace('?sslmode=disable', '');
    const preferred = await openPgPool(plain);
    expect((await preferred.pool.query(`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`)).rows).toEqual([{ ssl: false }]);
    await preferred.close();
    const required = await failure(openPgPool(`${plain}?sslmode=require`));
    expect(required.message).toMatch(/^cannot connect to .*: The server does not support SSL connections$/);
    vi.stubEnv('PGSSLMODE', 'require');
    expect((await failure(openPgPool(plain))).message).toMatch(/does not support SSL/);
  });
});

describe('the pool', () => {
  it('ends on close, so the process exits', () => {
    const built = path.join(root, 'dist', 'src', 'db', 'pg', 'connection.js');
    const script = `import(${JSON.stringify(built)}).then(async (m) => {
      const db = await m.openPgPool(process.argv[1]);
      await db.pool.query('SELECT 1');
      await db.close();
      // Fires only if something still holds the process open after close().
      setTimeout(() => process.exit(3), 3000).unref();
    });`;
    const result = spawnSync(process.execPath, ['-e', script, db.socketUrl(db.owner)], { encoding: 'utf8', timeout: 60_000 });
    expect(result.stderr).toBe('');
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
  });
});

describe('migratePg', () => {
  it('two processes migrating a new database at once: one applies everything, the other waits and finds it done', async () => {
    const fresh = `${db.name}_fresh`;
    await db.asSuperuser(`CREATE DATABASE ${fresh} OWNER ${db.owner}`);
    const url = db.socketUrl(db.owner).replace(`/${db.name}?`, `/${fresh}?`);
    const [one, two] = await Promise.all([openPgPool(url), openPgPool(url)]);
    try {
      const applied = await Promise.all([migratePg(one.pool), migratePg(two.pool)]);
      const tags = knownPgMigrations().tags;
      expect(applied.map((list) => list.length).sort()).toEqual([0, tags.length]);
      expect(await migratePg(one.pool)).toEqual([]);
      await one.pool.query(`INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('future', 99999999999999)`);
      const tooNew = await failure(migratePg(two.pool));
      expect(tooNew).toBeInstanceOf(SchemaTooNewError);
    } finally {
      await one.close();
      await two.close();
    }
  });
});
