import type Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import BetterSqlite from 'better-sqlite3';
import { DEFAULT_MIGRATIONS_FOLDER, knownMigrations, openDatabase } from '../src/db/connection.js';
import { EXPECTED_TRIGGERS } from '../src/db/expected.js';
import { runCli, tempDir } from './helpers.js';

/**
 * A later migration that rebuilds `customers` the way drizzle-kit writes one (it cannot ALTER
 * a column in SQLite): new table, copy, drop, rename. Run against a file holding products,
 * customers and interactions, through the same loop that opens every file.
 */
const REBUILD_TAG = '0099_rebuild_customers';

let dir: string;
let file: string;
beforeEach(() => {
  dir = tempDir();
  file = path.join(dir, 'crm.db');
  const db = openDatabase(file);
  db.sqlite.exec(`
    INSERT INTO products (id, name) VALUES ('p1', 'Audit');
    INSERT INTO customers (id, name, product_id, status) VALUES ('c1', 'Ada', 'p1', 'proposal'), ('c2', 'Bob', NULL, 'lead');
    INSERT INTO customer_interactions (id, customer_id, type, channel, note) VALUES
      ('i1', 'c1', 'Call', 'phone', 'first'), ('i2', 'c1', 'Mail', 'email', 'second'), ('i3', 'c2', 'Call', 'phone', 'third');
  `);
  db.close();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Schema {
  table: string;
  indexes: string[];
  ownTriggers: Array<{ name: string; sql: string }>;
  /** Triggers of other tables whose body names the table (SQLite refuses the RENAME while they exist). */
  dependentTriggers: Array<{ name: string; sql: string }>;
  columns: string[];
}

function readSchema(sqlite: Database.Database, table: string): Schema {
  const objects = (type: string) =>
    sqlite.prepare(`SELECT name, tbl_name, sql FROM sqlite_master WHERE type = ? AND sql IS NOT NULL`).all(type) as Array<{
      name: string;
      tbl_name: string;
      sql: string;
    }>;
  const triggers = objects('trigger');
  return {
    table: (sqlite.prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table) as { sql: string }).sql,
    indexes: objects('index').filter((o) => o.tbl_name === table).map((o) => o.sql),
    ownTriggers: triggers.filter((o) => o.tbl_name === table),
    dependentTriggers: triggers.filter((o) => o.tbl_name !== table && o.sql.includes(`\`${table}\``)),
    columns: (sqlite.pragma(`table_info(${table})`) as Array<{ name: string }>).map((c) => `"${c.name}"`),
  };
}

type Repair = 'none' | 'dependent-triggers' | 'all-triggers';

/** The statements drizzle-kit generates for a rebuild, plus the hand-written repair the README asks for. */
function rebuildMigration(schema: Schema, repair: Repair): string[] {
  const columns = schema.columns.join(', ');
  const generated = [
    'PRAGMA foreign_keys=OFF;',
    schema.table.replace('CREATE TABLE `customers`', 'CREATE TABLE `__new_customers`').replaceAll('"customers".', '"__new_customers".'),
    `INSERT INTO \`__new_customers\`(${columns}) SELECT ${columns} FROM \`customers\`;`,
    'DROP TABLE `customers`;',
    'ALTER TABLE `__new_customers` RENAME TO `customers`;',
    'PRAGMA foreign_keys=ON;',
    ...schema.indexes,
  ];
  if (repair === 'none') return generated;
  const dropDependents = schema.dependentTriggers.map((t) => `DROP TRIGGER \`${t.name}\`;`);
  const recreate = [...schema.dependentTriggers.map((t) => t.sql), ...(repair === 'all-triggers' ? schema.ownTriggers.map((t) => t.sql) : [])];
  return [...dropDependents, ...generated, ...recreate];
}

/** The program's migrations plus the rebuild, in a folder laid out like drizzle/. */
function migrationsWithRebuild(repair: Repair): string {
  const folder = path.join(dir, `migrations-${repair}`);
  fs.cpSync(DEFAULT_MIGRATIONS_FOLDER, folder, { recursive: true });
  const journalFile = path.join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as {
    entries: Array<{ idx: number; version: string; when: number; tag: string; breakpoints: boolean }>;
  };
  const last = journal.entries.at(-1)!;
  journal.entries.push({ idx: last.idx + 1, version: last.version, when: last.when + 1000, tag: REBUILD_TAG, breakpoints: true });
  fs.writeFileSync(journalFile, JSON.stringify(journal, null, 2));

  const scratch = openDatabase(':memory:');
  const statements = rebuildMigration(readSchema(scratch.sqlite, 'customers'), repair);
  scratch.close();
  fs.writeFileSync(path.join(folder, `${REBUILD_TAG}.sql`), statements.join('\n--> statement-breakpoint\n'));
  return folder;
}

function contents(sqlite: Database.Database) {
  return {
    products: sqlite.prepare('SELECT * FROM products ORDER BY id').all(),
    customers: sqlite.prepare('SELECT * FROM customers ORDER BY id').all(),
    interactions: sqlite.prepare('SELECT * FROM customer_interactions ORDER BY id').all(),
    migrations: sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get(),
    schema: sqlite.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY type, name').all(),
  };
}

function snapshotFile() {
  const db = openDatabase(file);
  const snapshot = contents(db.sqlite);
  db.close();
  return snapshot;
}

describe('a migration that rebuilds a parent table', () => {
  it('keeps every child row, because foreign keys are off around the migration', async () => {
    const before = snapshotFile();
    const db = openDatabase(file, { migrationsFolder: migrationsWithRebuild('all-triggers') });
    expect(db.appliedMigrations).toEqual([REBUILD_TAG]);
    const after = contents(db.sqlite);
    // With foreign keys on, DROP TABLE customers would have cascaded into the interactions.
    expect(after.interactions).toEqual(before.interactions);
    expect(after.customers).toEqual(before.customers);
    expect(after.products).toEqual(before.products);

    const check = await runCli(['db', 'check'], { database: db });
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/^ok +triggers +all \d+ present$/m);
    // The re-created triggers still hold on the rebuilt table.
    expect(() => db.sqlite.exec(`UPDATE customer_interactions SET note = 'x' WHERE id = 'i1'`)).toThrow(/immutable/);
    db.sqlite.exec(`DELETE FROM customers WHERE id = 'c1'`);
    expect(db.sqlite.prepare('SELECT id FROM customer_interactions').all()).toEqual([{ id: 'i3' }]);
    db.close();
  });

  it('is refused whole, file unchanged, when it forgets to re-create the rebuilt table\'s triggers', () => {
    const before = snapshotFile();
    const scratch = openDatabase(':memory:');
    const { ownTriggers } = readSchema(scratch.sqlite, 'customers');
    scratch.close();
    const lost = EXPECTED_TRIGGERS.filter((name) => ownTriggers.some((trigger) => trigger.name === name));
    expect(lost).toContain('customers_touch_updated_at');
    expect(() => openDatabase(file, { migrationsFolder: migrationsWithRebuild('dependent-triggers') })).toThrow(
      `migration ${REBUILD_TAG} aborted: it would drop ${lost.join(', ')} without re-creating them; the file is unchanged`,
    );
    expect(snapshotFile()).toEqual(before);
  });

  it('is refused whole, file unchanged, when run exactly as drizzle-kit generates it', () => {
    const before = snapshotFile();
    // SQLite refuses the rename while a trigger of another table (customer_interactions_immutable) names customers.
    expect(() => openDatabase(file, { migrationsFolder: migrationsWithRebuild('none') })).toThrow(
      new RegExp(`^migration ${REBUILD_TAG} failed: error in trigger \\w+: no such table: main\\.customers; the file is unchanged$`),
    );
    expect(snapshotFile()).toEqual(before);
  });
});

describe('db check on a file that lost a rule', () => {
  it('reports each missing trigger and index, prints every check, and exits 1', async () => {
    const db = openDatabase(file);
    db.sqlite.exec('DROP TRIGGER customers_touch_updated_at; DROP TRIGGER products_active_limit_update; DROP INDEX customers_status_idx');
    const result = await runCli(['db', 'check'], { database: db });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^FAIL +triggers +missing: products_active_limit_update, customers_touch_updated_at$/m);
    expect(result.stdout).toMatch(/^FAIL +indexes +missing: customers_status_idx$/m);
    expect(result.stdout).toMatch(/^ok +integrity +ok$/m);
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(12);
    expect(result.stderr).toBe('error: database check failed: triggers, indexes\n');
    db.close();
  });

  it('reports rows whose parent is gone (a delete made with foreign keys off and the cascade trigger missing)', async () => {
    const db = openDatabase(file);
    const cascade = 'customers_delete_cascades_interactions';
    const { sql } = db.sqlite.prepare(`SELECT sql FROM sqlite_master WHERE name = ?`).get(cascade) as { sql: string };
    db.sqlite.pragma('foreign_keys = OFF');
    db.sqlite.exec(`DROP TRIGGER ${cascade}; DELETE FROM customers WHERE id = 'c2'; ${sql};`);
    db.sqlite.pragma('foreign_keys = ON');
    const result = await runCli(['db', 'check', '--json'], { database: db });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { ok: boolean; checks: Array<{ name: string; ok: boolean; detail: string }> };
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.name === 'foreign_key_check')).toEqual({
      name: 'foreign_key_check',
      ok: false,
      detail: expect.stringMatching(/^1 broken reference\(s\): customer_interactions row \d+ points to a missing customers row$/),
    });
    expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['foreign_key_check']);
    db.close();
  });
});

describe('the migration that makes product names unique', () => {
  it('refuses a file whose products already share a name, says what to do, and leaves it unchanged', () => {
    const tag = '0006_products_unique_names';
    const tags = knownMigrations().tags;
    const sqlite = new BetterSqlite(file);
    // Wind the file back to before the migration, as a file made by an older crm would be
    // (without the later trigger that refuses a duplicate name from outside crm, too).
    sqlite.exec(`DROP INDEX products_name_unique_idx;
      DROP TRIGGER products_insert_existing_name;
      DELETE FROM __drizzle_migrations WHERE rowid NOT IN
        (SELECT rowid FROM __drizzle_migrations ORDER BY created_at LIMIT ${tags.indexOf(tag)});
      INSERT INTO products (id, name, is_active) VALUES ('p2', 'AUDIT', 0);`);
    const before = contents(sqlite);
    sqlite.close();

    expect(() => openDatabase(file)).toThrow(
      `migration ${tag} failed: two or more products have the same name (ignoring case); rename them with the sqlite3 shell (see README, db) and run crm again; the file is unchanged`,
    );
    const after = new BetterSqlite(file);
    expect(contents(after)).toEqual(before);
    after.close();
  });
});

describe('the migration that makes every timestamp canonical (0007)', () => {
  /** The program's migrations up to and including `lastTag`, as an older crm shipped them. */
  function migrationsUpTo(lastTag: string): string {
    const folder = path.join(dir, 'old-drizzle');
    fs.mkdirSync(path.join(folder, 'meta'), { recursive: true });
    const journal = JSON.parse(fs.readFileSync(path.join(DEFAULT_MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as {
      entries: Array<{ tag: string }>;
    };
    journal.entries = journal.entries.slice(0, journal.entries.findIndex((entry) => entry.tag === lastTag) + 1);
    fs.writeFileSync(path.join(folder, 'meta', '_journal.json'), JSON.stringify(journal));
    for (const { tag } of journal.entries) {
      fs.copyFileSync(path.join(DEFAULT_MIGRATIONS_FOLDER, `${tag}.sql`), path.join(folder, `${tag}.sql`));
    }
    return folder;
  }

  it('converts timestamps written in other forms, keeps all-day follow-ups and unreadable text, and logs no edit', () => {
    const older = path.join(dir, 'older.db');
    openDatabase(older, { migrationsFolder: migrationsUpTo('0006_products_unique_names') }).close();
    const sqlite = new BetterSqlite(older);
    sqlite.exec(`
      INSERT INTO products (id, name, created_at, updated_at) VALUES ('p1', 'Audit', '2026-01-04T00:00:00+02:00', '2026-01-05T10:00Z');
      INSERT INTO customers (id, name, created_at, updated_at) VALUES ('c1', 'Ada', '2026-02-01', '2026-02-01T10:00:00.000Z');
      INSERT INTO customer_interactions (id, customer_id, type, channel, note, follow_up_date, created_at) VALUES
        ('i1', 'c1', 'Call', 'phone', 'n', '2026-12-01T09:00+05:00', '2026-11-01 10:00:00'),
        ('i2', 'c1', 'Call', 'phone', 'n', '2026-12-20', '2026-11-02T10:00:00.000Z'),
        ('i3', 'c1', 'Call', 'phone', 'n', 'next week', 'long ago');
    `);
    const auditEntries = (sqlite.prepare(`SELECT count(*) AS n FROM audit_log`).get() as { n: number }).n;
    sqlite.close();

    const db = openDatabase(older);
    try {
      expect(db.appliedMigrations).toContain('0007_raw_sql_rules');
      const rows = (sql: string) => db.sqlite.prepare(sql).all();
      expect(rows(`SELECT created_at, updated_at FROM products`)).toEqual([
        { created_at: '2026-01-03T22:00:00.000Z', updated_at: '2026-01-05T10:00:00.000Z' },
      ]);
      expect(rows(`SELECT created_at, updated_at FROM customers`)).toEqual([
        { created_at: '2026-02-01T00:00:00.000Z', updated_at: '2026-02-01T10:00:00.000Z' },
      ]);
      expect(rows(`SELECT id, follow_up_date, created_at FROM customer_interactions ORDER BY id`)).toEqual([
        { id: 'i1', follow_up_date: '2026-12-01T04:00:00.000Z', created_at: '2026-11-01T10:00:00.000Z' },
        { id: 'i2', follow_up_date: '2026-12-20', created_at: '2026-11-02T10:00:00.000Z' },
        { id: 'i3', follow_up_date: 'next week', created_at: 'long ago' },
      ]);
      expect(rows(`SELECT count(*) AS n FROM audit_log`)).toEqual([{ n: auditEntries }]);
      expect(rows(`SELECT count(*) AS n FROM audit_context`)).toEqual([{ n: 0 }]);
      expect(() => db.sqlite.exec(`UPDATE customer_interactions SET note = 'x' WHERE id = 'i2'`)).toThrow(/interactions are immutable/);
    } finally {
      db.close();
    }
  });
});
