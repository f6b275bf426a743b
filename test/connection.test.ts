import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BUSY_TIMEOUT_MS, DEFAULT_MIGRATIONS_FOLDER, knownMigrations, openDatabase } from '../src/db/connection.js';
import { resolveDatabasePath } from '../src/db/location.js';
import { SchemaTooNewError } from '../src/domain/errors.js';
import { runCli, startCrm, tempDir } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const mode = (file: string) => fs.statSync(file).mode & 0o777;
const digest = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('opening a file', () => {
  it('creates the file and its missing folders for the user alone', () => {
    const file = path.join(dir, 'nested', 'data', 'crm.db');
    const previousUmask = process.umask(0o022);
    try {
      const db = openDatabase(file);
      expect(mode(path.join(dir, 'nested'))).toBe(0o700);
      expect(mode(path.join(dir, 'nested', 'data'))).toBe(0o700);
      expect(mode(file)).toBe(0o600);
      // SQLite gives the write-ahead log the main file's permissions.
      db.sqlite.exec(`INSERT INTO products (name) VALUES ('Audit')`);
      expect(mode(`${file}-wal`)).toBe(0o600);
      db.close();
    } finally {
      process.umask(previousUmask);
    }
  });

  it('sets WAL, foreign keys and the busy timeout on every connection, not only the one that created the file', () => {
    const file = path.join(dir, 'crm.db');
    openDatabase(file).close();
    const cases: Array<[Database.Database, number]> = [
      [openDatabase(file).sqlite, DEFAULT_BUSY_TIMEOUT_MS],
      [openDatabase(file, { busyTimeoutMs: 1234 }).sqlite, 1234],
    ];
    for (const [sqlite, timeout] of cases) {
      expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(sqlite.pragma('busy_timeout', { simple: true })).toBe(timeout);
      sqlite.close();
    }
  });

  it('applies the migrations on first open, records them, and applies nothing the second time', () => {
    const file = path.join(dir, 'crm.db');
    const first = openDatabase(file);
    expect(first.appliedMigrations).toEqual(knownMigrations().tags);
    first.close();
    const second = openDatabase(file);
    expect(second.appliedMigrations).toEqual([]);
    expect(second.sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get()).toEqual({
      n: knownMigrations().metas.length,
    });
    expect(second.sqlite.pragma('user_version', { simple: true })).toBe(knownMigrations().metas.length);
    second.close();
  });

  it('reads no migration file to open an up-to-date file: the journal says all it needs', () => {
    const file = path.join(dir, 'crm.db');
    openDatabase(file).close();
    const journalOnly = path.join(dir, 'journal-only');
    fs.mkdirSync(path.join(journalOnly, 'meta'), { recursive: true });
    fs.copyFileSync(path.join(DEFAULT_MIGRATIONS_FOLDER, 'meta', '_journal.json'), path.join(journalOnly, 'meta', '_journal.json'));
    const reopened = openDatabase(file, { migrationsFolder: journalOnly });
    expect(reopened.appliedMigrations).toEqual([]);
    expect(reopened.sqlite.prepare('SELECT count(*) AS n FROM products').get()).toEqual({ n: 0 });
    reopened.close();
  });
});

describe('a folder that cannot be created', () => {
  it('is one line naming the folder, without hanging (Node\'s recursive mkdir loops forever under /proc)', async () => {
    const result = await startCrm(['--db', '/proc/nope/x.db', 'product', 'add', 'Audit']).exit(15_000);
    expect(result).toMatchObject({
      code: 1,
      signal: null,
      stdout: '',
      stderr: 'error: cannot create folder /proc/nope: no such file or directory\n',
    });
  });

  it('names the file standing where a folder is needed, and creates nothing', async () => {
    const file = path.join(dir, 'notes.txt');
    fs.writeFileSync(file, 'keep me');
    const below = await runCli(['--db', path.join(file, 'sub', 'crm.db'), 'product', 'add', 'Audit']);
    expect(below).toMatchObject({ code: 1, stdout: '', stderr: `error: cannot create folder ${path.join(file, 'sub')}: ${file} is a file\n` });
    const beside = await runCli(['--db', path.join(file, 'crm.db'), 'product', 'add', 'Audit']);
    expect(beside).toMatchObject({ code: 1, stderr: `error: cannot create folder ${file}: a file has that name\n` });
    expect(fs.readdirSync(dir)).toEqual(['notes.txt']);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep me');
  });

  it('reports a file that cannot be created in an existing folder', async () => {
    const result = await runCli(['--db', '/proc/crm.db', 'db', 'init']);
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: 'error: cannot create file /proc/crm.db: no such file or directory\n' });
  });
});

describe('where the file is', () => {
  const cwd = '/work/here';

  it('uses $XDG_DATA_HOME/crm/crm.db, else ~/.local/share/crm/crm.db', () => {
    expect(resolveDatabasePath(undefined, { XDG_DATA_HOME: '/x/data', HOME: '/home/u' }, cwd, 'linux')).toBe(
      '/x/data/crm/crm.db',
    );
    expect(resolveDatabasePath(undefined, { HOME: '/home/u' }, cwd, 'linux')).toBe('/home/u/.local/share/crm/crm.db');
    expect(resolveDatabasePath(undefined, { XDG_DATA_HOME: '', HOME: '/home/u' }, cwd, 'linux')).toBe(
      '/home/u/.local/share/crm/crm.db',
    );
    // The XDG spec says a relative value is invalid and must be ignored.
    expect(resolveDatabasePath(undefined, { XDG_DATA_HOME: 'rel/data', HOME: '/home/u' }, cwd, 'linux')).toBe(
      '/home/u/.local/share/crm/crm.db',
    );
  });

  it('prefers --db over CRM_DB over the data directory, resolving relative paths from the cwd', () => {
    const env = { CRM_DB: 'env.db', XDG_DATA_HOME: '/x/data' };
    expect(resolveDatabasePath('flag.db', env, cwd, 'linux')).toBe('/work/here/flag.db');
    expect(resolveDatabasePath(undefined, env, cwd, 'linux')).toBe('/work/here/env.db');
    expect(resolveDatabasePath(undefined, { CRM_DB: '/abs/env.db' }, cwd, 'linux')).toBe('/abs/env.db');
    expect(resolveDatabasePath(':memory:', env, cwd, 'linux')).toBe(':memory:');
  });

  it('is what `crm db path` prints, without creating or opening the file', async () => {
    const home = path.join(dir, 'home');
    const xdg = path.join(dir, 'xdg');
    const cases: Array<[string[], Record<string, string>, string]> = [
      [[], { HOME: home }, path.join(home, '.local/share/crm/crm.db')],
      [[], { HOME: home, XDG_DATA_HOME: xdg }, path.join(xdg, 'crm/crm.db')],
      [[], { HOME: home, XDG_DATA_HOME: xdg, CRM_DB: 'env.db' }, path.join(dir, 'env.db')],
      [['--db', 'flag.db'], { HOME: home, XDG_DATA_HOME: xdg, CRM_DB: 'env.db' }, path.join(dir, 'flag.db')],
      [['--db', path.join(dir, 'abs.db')], { CRM_DB: 'env.db' }, path.join(dir, 'abs.db')],
    ];
    for (const [flags, env, expected] of cases) {
      const result = await runCli([...flags, 'db', 'path'], { env, cwd: dir });
      expect(result).toMatchObject({ code: 0, stdout: `${expected}\n`, stderr: '' });
    }
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('takes a PostgreSQL URL for a server, never a file: no folder named "postgres:", one line without the password', async () => {
    // Nothing listens on port 1, so the connection is refused at once, with no network needed.
    for (const [flags, env] of [
      [['--db', 'postgres://alice@127.0.0.1:1/agency'], {}],
      [[], { CRM_DB: 'postgresql://alice:secret@127.0.0.1:1/agency' }],
    ] as Array<[string[], Record<string, string>]>) {
      for (const argv of [['customer', 'add', 'Ada'], ['customer', 'list']]) {
        const result = await runCli([...flags, ...argv], { env, cwd: dir });
        expect(result.code).toBe(1);
        expect(result.stdout).toBe('');
        expect(result.stderr).toMatch(/^error: cannot connect to postgres:\/\/alice@127\.0\.0\.1:1\/agency: [^\n]+\n$/);
        expect(result.stderr).not.toContain('secret');
      }
    }
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('a file written by a newer crm', () => {
  function makeNewerFile(): string {
    const file = path.join(dir, 'crm.db');
    const db = openDatabase(file);
    db.sqlite.exec(`INSERT INTO products (id, name) VALUES ('p1', 'Audit')`);
    const newest = knownMigrations().metas.at(-1)!.folderMillis;
    db.sqlite.prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)').run('from-the-future', newest + 60_000);
    db.close();
    return file;
  }

  const known = knownMigrations().metas.length;

  it('is refused with a clear message and left untouched', () => {
    const file = makeNewerFile();
    const before = digest(file);
    expect(() => openDatabase(file)).toThrow(SchemaTooNewError);
    expect(() => openDatabase(file)).toThrow(
      `${file} was written by a newer version of crm (schema migration ${known + 1}, this program knows ${known}); upgrade crm to open it`,
    );
    expect(digest(file)).toBe(before);
  });

  it('makes every command exit 1 with that one line, db status included', async () => {
    const file = makeNewerFile();
    const before = digest(file);
    for (const argv of [['product', 'list'], ['db', 'status'], ['db', 'migrate']]) {
      const result = await runCli(['--db', file, ...argv]);
      expect(result).toMatchObject({
        code: 1,
        stdout: '',
        stderr: `error: ${file} was written by a newer version of crm (schema migration ${known + 1}, this program knows ${known}); upgrade crm to open it\n`,
      });
    }
    expect(digest(file)).toBe(before);
  });
});

describe('two processes opening a fresh file at once', () => {
  it('both succeed and the schema is created exactly once', async () => {
    const file = path.join(dir, 'shared', 'crm.db');
    const results = await Promise.all([startCrm(['--db', file, 'db', 'migrate']).exit(), startCrm(['--db', file, 'db', 'migrate']).exit()]);
    expect(results.map((result) => result.code)).toEqual([0, 0]);
    // Whichever took the write lock first created the schema; the other found it done.
    const messages = results.map((result) => result.stderr);
    const { tags } = knownMigrations();
    const version = `schema version ${tags.length} of ${tags.length}`;
    expect(messages).toContain(`✓ applied ${tags.length} migration(s): ${tags.join(', ')} (${version})\n`);
    expect(messages).toContain(`database is up to date (${version})\n`);
    const sqlite = new Database(file, { readonly: true });
    expect(sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get()).toEqual({ n: tags.length });
    sqlite.close();
  });
});
