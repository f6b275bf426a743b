import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_FOLDER, openDatabase, type CrmDatabase } from '../src/db/connection.js';
import { deferSearchIndex, REBUILD_SEARCH_INDEX } from '../src/db/search-index.js';
import { runCli, tempDir, TestClock, type RunOptions } from './helpers.js';

/**
 * Tags, notes and the search index on a SQLite file: what the plain sqlite3 shell (the one
 * installed, older than better-sqlite3's SQLite) writes is indexed by the file's own triggers;
 * db check sees an index that drifted; export, import, archive moves and migrations keep it.
 */
let dir: string;
let file: string;
let db: CrmDatabase;
const clock = new TestClock();

beforeEach(() => {
  dir = tempDir('crm-search-');
  file = path.join(dir, 'crm.db');
  db = openDatabase(file);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const crm = (argv: string[], options: RunOptions = {}) => runCli(argv, { ...options, clock, database: db });

async function names(...words: string[]): Promise<string[]> {
  const result = await crm(['search', ...words, '--json', '--include-archived']);
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as Array<{ name: string }>).map((hit) => hit.name);
}

function shell(sql: string, foreignKeys: 'ON' | 'OFF' = 'OFF'): { status: number | null; stderr: string; stdout: string } {
  const result = spawnSync('sqlite3', ['-bail', file], { input: `PRAGMA foreign_keys = ${foreignKeys};\n${sql}\n`, encoding: 'utf8' });
  if (result.error) throw new Error(`the sqlite3 shell is needed for these tests (apt-get install sqlite3): ${result.error.message}`);
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

describe('writes made with the sqlite3 shell', () => {
  for (const foreignKeys of ['ON', 'OFF'] as const) {
    it(`are indexed by the file's triggers (foreign keys ${foreignKeys})`, async () => {
      const written = shell(
        `INSERT INTO customers (name, email) VALUES ('Marie Curie', 'marie@radium.example');
         INSERT INTO customer_interactions (customer_id, type, channel, note) SELECT id, 'Call', 'phone', 'Wants a quote for pitchblende' FROM customers;
         INSERT INTO customer_tags (customer_id, tag) SELECT id, 'Nobel' FROM customers;
         UPDATE customers SET note = 'Two prizes, two sciences';`,
        foreignKeys,
      );
      expect(written).toMatchObject({ status: 0, stderr: '' });
      expect(await names('curie', 'quo', 'nobel', 'sciences', 'radium')).toEqual(['Marie Curie']);
      expect(shell(`UPDATE customers SET name = 'Marie Skłodowska-Curie';`, foreignKeys).status).toBe(0);
      expect(await names('sklodowska')).toEqual(['Marie Skłodowska-Curie']);
      expect(shell(`DELETE FROM customers;`, foreignKeys).status).toBe(0);
      expect(await names('pitchblende')).toEqual([]);
      expect(db.sqlite.prepare('SELECT count(*) FROM customer_search').pluck().get()).toBe(0);
      expect((await crm(['db', 'check'])).code).toBe(0);
    });
  }

  it('are held to the tag rules', () => {
    shell(`INSERT INTO customers (name) VALUES ('Ada');`);
    expect(shell(`INSERT INTO customer_tags (customer_id, tag) SELECT id, 'a,b' FROM customers;`).stderr).toContain('CHECK constraint failed: customer_tags_tag_valid');
    expect(shell(`INSERT INTO customer_tags (customer_id, tag) SELECT id, 'x' || char(10) FROM customers;`).stderr).toContain('customer_tags_tag_valid');
    expect(shell(`INSERT INTO customer_tags (customer_id, tag) SELECT id, 'vip' FROM customers;`).status).toBe(0);
    expect(shell(`INSERT OR REPLACE INTO customer_tags (customer_id, tag) SELECT id, 'VIP' FROM customers;`).stderr).toContain(
      'the customer has this tag, in some case; REPLACE and upserts are refused outside crm',
    );
    expect(shell(`INSERT INTO customer_tags (customer_id, tag) VALUES ('nobody', 'x');`).stderr).toContain('FOREIGN KEY constraint failed');
    expect(shell(`INSERT INTO customer_tags (customer_id, tag, created_at) SELECT id, 'late', '2026-11-25 10:00' FROM customers;`).stderr).toContain(
      'customer_tags_created_at_canonical',
    );
  });
});

describe('db check and the search index', () => {
  it('names the customers whose document is missing or stale, and is content again once the index is rebuilt', async () => {
    await crm(['customer', 'add', 'Ada Lovelace']);
    await crm(['customer', 'add', 'Grace Hopper']);
    const ada = db.sqlite.prepare(`SELECT id, rowid FROM customers WHERE name = 'Ada Lovelace'`).get() as { id: string; rowid: number };
    expect(shell(`DELETE FROM customer_search WHERE rowid = ${ada.rowid};`).status).toBe(0);
    expect(await names('lovelace')).toEqual([]);
    const check = await crm(['db', 'check']);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(new RegExp(`^FAIL +customer_search +1 customer\\(s\\) whose document is missing or stale: ${ada.id}; rebuild it as the README says \\(Performance\\)$`, 'm'));
    expect(shell(`${REBUILD_SEARCH_INDEX.join(';\n')};`).status).toBe(0);
    expect(await names('lovelace')).toEqual(['Ada Lovelace']);
    expect((await crm(['db', 'check'])).code).toBe(0);
  });

  it('leaves no customer pending after a bulk write, and checks the index after an import', async () => {
    const export1 = path.join(dir, 'export');
    await crm(['customer', 'add', 'Ada', '--note', 'first']);
    await crm(['interaction', 'log', 'ada', '-c', 'phone', '-t', 'Call', '--note', 'About the engine']);
    await crm(['tag', 'ada', 'add', 'vip']);
    expect((await crm(['export', '--dir', export1])).code).toBe(0);
    db.close();
    fs.rmSync(file);
    db = openDatabase(file);
    expect((await crm(['import', '--dir', export1])).code).toBe(0);
    expect(db.sqlite.prepare('SELECT count(*) FROM customer_search_pending').pluck().get()).toBe(0);
    expect(await names('ada', 'engine', 'vip', 'first')).toEqual(['Ada']);
    expect((await crm(['db', 'check'])).code).toBe(0);
  });
});

describe('export and import', () => {
  it('round-trips tags and notes byte for byte through customer_tags.csv and the note column', async () => {
    await crm(['customer', 'add', 'Ada', '--note', 'Line one\nLine "two", with a comma']);
    await crm(['customer', 'add', 'Grace']);
    await crm(['tag', 'ada', 'add', 'vip', 'big client']);
    await crm(['tag', 'grace', 'add', 'VIP']);
    const first = path.join(dir, 'first');
    const second = path.join(dir, 'second');
    expect((await crm(['export', '--dir', first])).code).toBe(0);
    expect(fs.readdirSync(first).sort()).toEqual([
      'companies.csv', 'customer_external_ids.csv', 'customer_interactions.csv', 'customer_tags.csv', 'customers.csv', 'products.csv', 'settings.csv',
    ]);
    const tags = fs.readFileSync(path.join(first, 'customer_tags.csv'), 'utf8').split('\n');
    expect(tags[0]).toBe('customer_id,tag,created_at');
    expect(tags.slice(1, 4).map((line) => line.split(',')[1])).toEqual(['vip', 'big client', 'vip']);
    expect(fs.readFileSync(path.join(first, 'customers.csv'), 'utf8').split('\n')[0]).toBe(
      'id,name,email,phone,product_id,status,acquisition_source,owner,is_archived,created_at,updated_at,company_id,deal_value_minor,deal_currency,closed_at,note',
    );
    db.close();
    fs.rmSync(file);
    db = openDatabase(file);
    const restored = await crm(['import', '--dir', first]);
    expect(restored.code).toBe(0);
    expect(restored.stderr).toContain('✓ imported first/customer_tags.csv'.replace('first/', `${first}/`));
    expect((await crm(['export', '--dir', second])).code).toBe(0);
    for (const name of fs.readdirSync(first)) {
      expect(fs.readFileSync(path.join(second, name), 'utf8')).toBe(fs.readFileSync(path.join(first, name), 'utf8'));
    }
    const again = await crm(['import', '--dir', first, '--json']);
    const counts = (JSON.parse(again.stdout) as { files: Array<{ table: string; inserted: number; unchanged: number }> }).files;
    expect(counts.find((count) => count.table === 'customer_tags')).toMatchObject({ inserted: 0, unchanged: 3 });
  });

  it('restores an export made before tags and notes: no customer_tags.csv, customers.csv without note', async () => {
    const old = path.join(dir, 'old');
    fs.mkdirSync(old);
    fs.writeFileSync(path.join(old, 'products.csv'), 'id,name,description,is_active,created_at,updated_at\n');
    fs.writeFileSync(
      path.join(old, 'customers.csv'),
      'id,name,email,phone,product_id,status,acquisition_source,owner,is_archived,created_at,updated_at\n' +
        'c0ffee00-0000-4000-8000-000000000001, Ada ,,,,lead,,,0,2026-01-01T00:00:00.000Z,2026-01-01T00:00:00.000Z\n',
    );
    fs.writeFileSync(path.join(old, 'customer_interactions.csv'), 'id,customer_id,type,channel,note,follow_up_date,created_at\n');
    expect((await crm(['import', '--dir', old])).code).toBe(0);
    const row = db.sqlite.prepare('SELECT name, note FROM customers').get();
    // A crm export is restored byte for byte, spaces included: the old header is still crm's own.
    expect(row).toEqual({ name: ' Ada ', note: null });
  });

  it('refuses bad tag rows by line, like any other row', async () => {
    await crm(['customer', 'add', 'Ada']);
    const id = db.sqlite.prepare('SELECT id FROM customers').pluck().get() as string;
    const csv = path.join(dir, 'tags.csv');
    fs.writeFileSync(csv, `customer_id,tag\n${id},ok\n${id},"a,b"\nnobody,x\n`);
    const result = await crm(['import', 'tags', csv]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: ${csv}: 2 invalid rows; nothing was imported (--skip-invalid imports the valid rows):\n` +
        '  line 3, tag: invalid tag "a,b": a tag cannot contain commas, line breaks or tabs\n' +
        '  line 4, customer_id: no customer with id "nobody"\n',
    );
    expect(db.sqlite.prepare('SELECT count(*) FROM customer_tags').pluck().get()).toBe(0);
  });
});

describe('archive --to', () => {
  it('moves an archived customer with its tags and note, out of the main index and into the archive\'s', async () => {
    await crm(['customer', 'add', 'Ada', '--note', 'Old friend']);
    await crm(['customer', 'add', 'Grace']);
    await crm(['tag', 'ada', 'add', 'alumni']);
    await crm(['interaction', 'log', 'ada', '-c', 'phone', '-t', 'Call', '--note', 'Farewell']);
    await crm(['customer', 'archive', 'ada']);
    clock.advanceDays(400);
    const archiveFile = path.join(dir, 'archive.db');
    expect((await crm(['archive', '--to', archiveFile, '--older-than', '1y'])).code).toBe(0);
    expect(await names('alumni')).toEqual([]);
    expect(db.sqlite.prepare('SELECT count(*) FROM customer_tags').pluck().get()).toBe(0);
    const archive = openDatabase(archiveFile);
    try {
      const archived = await runCli(['search', 'alumni', 'friend', 'farewell', '--json', '--include-archived'], { clock, database: archive });
      expect(JSON.parse(archived.stdout)).toMatchObject([{ name: 'Ada', note: 'Old friend', tags: ['alumni'] }]);
      expect((await runCli(['db', 'check'], { clock, database: archive })).code).toBe(0);
    } finally {
      archive.close();
    }
    expect((await crm(['db', 'check'])).code).toBe(0);
  });
});

describe('migrations', () => {
  const journalTags = (
    JSON.parse(fs.readFileSync(path.join(DEFAULT_MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> }
  ).entries.map((entry) => entry.tag);

  /** The program's migrations up to `last` (a tag), plus any extra ones, in a folder of their own. */
  function migrationsFolder(name: string, last: string, extra: Array<{ tag: string; sql: string }> = []): string {
    const folder = path.join(dir, name);
    fs.cpSync(DEFAULT_MIGRATIONS_FOLDER, folder, { recursive: true });
    const journalFile = path.join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as { entries: Array<{ idx: number; version: string; when: number; tag: string; breakpoints: boolean }> };
    journal.entries = journal.entries.slice(0, journal.entries.findIndex((entry) => entry.tag === last) + 1);
    for (const { tag, sql } of extra) {
      const previous = journal.entries.at(-1)!;
      journal.entries.push({ ...previous, idx: previous.idx + 1, when: previous.when + 1000, tag });
      fs.writeFileSync(path.join(folder, `${tag}.sql`), sql);
    }
    fs.writeFileSync(journalFile, JSON.stringify(journal, null, 2));
    return folder;
  }

  it('0012 indexes the customers, interactions and names a file already had', async () => {
    db.close();
    fs.rmSync(file);
    const older = openDatabase(file, { migrationsFolder: migrationsFolder('until-0010', '0010_customer_counts') });
    older.sqlite.exec(`INSERT INTO customers (id, name) VALUES ('c1', 'Søren Kierkegaard');
      INSERT INTO customer_interactions (customer_id, type, channel, note) VALUES ('c1', 'Letter', 'other', 'Either/Or draft');`);
    older.close();
    db = openDatabase(file);
    expect(db.appliedMigrations).toContain('0012_tags_notes_search');
    expect(db.appliedMigrations).toEqual(journalTags.slice(journalTags.indexOf('0010_customer_counts') + 1));
    expect(await names('soren', 'either')).toEqual(['Søren Kierkegaard']);
    expect((await crm(['db', 'check'])).code).toBe(0);
  });

  it('a later migration that renumbers the customers (as a table rebuild does) leaves the index realigned', async () => {
    await crm(['customer', 'add', 'Ada Lovelace']);
    await crm(['customer', 'add', 'Grace Hopper']);
    db.sqlite.exec('UPDATE customers SET rowid = rowid + 100');
    expect(await names('lovelace')).toEqual([]);
    db.close();
    db = openDatabase(file, { migrationsFolder: migrationsFolder('later', journalTags.at(-1)!, [{ tag: '0099_noop', sql: 'SELECT 1;' }]) });
    expect(db.appliedMigrations).toEqual(['0099_noop']);
    expect(await names('lovelace')).toEqual(['Ada Lovelace']);
    expect((await crm(['db', 'check'])).code).toBe(0);
  });
});

describe('a large deferred write', () => {
  it('builds its documents as the triggers would, with FTS5 settings set back afterwards', async () => {
    const settings = () => db.sqlite.prepare(`SELECT k, v FROM customer_search_config WHERE k IN ('automerge', 'hashsize') ORDER BY k`).raw().all();
    db.sqlite.exec(`INSERT INTO customer_search (customer_search, rank) VALUES ('automerge', 8)`);
    expect(settings()).toEqual([['automerge', 8]]);
    // Above the bulk threshold (10,000 documents), with a name and notes that need spelling out.
    db.write(() => {
      deferSearchIndex(db.sqlite);
      db.sqlite.exec(`
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12000)
        INSERT INTO customers (name, email) SELECT 'Customer number ' || i, 'customer' || i || '@example.com' FROM n;
        INSERT INTO customers (id, name, note) VALUES ('aaaaaaaa-0000-4000-8000-000000000000', 'Søren Kierkegaard', 'Wrote on Æsthetics');
        INSERT INTO customer_interactions (customer_id, type, channel, note)
          VALUES ('aaaaaaaa-0000-4000-8000-000000000000', 'Call', 'phone', 'Asked about Œuvres'),
                 ('aaaaaaaa-0000-4000-8000-000000000000', 'Email', 'email', 'Plain text only');`);
    });
    expect(db.sqlite.prepare('SELECT count(*) FROM customer_search').pluck().get()).toBe(12001);
    // The one the file had, and FTS5's default where it had none (1 MB).
    expect(settings()).toEqual([['automerge', 8], ['hashsize', 1048576]]);
    expect(await names('soren', 'aesthetics', 'oeuvres', 'plain')).toEqual(['Søren Kierkegaard']);
    expect(await names('customer', 'number', '11999')).toEqual(['Customer number 11999']);
    expect((await crm(['db', 'check'])).code).toBe(0);
  });
});
