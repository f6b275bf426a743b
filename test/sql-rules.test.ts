import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { knownMigrations, openDatabase } from '../src/db/connection.js';
import { EXPECTED_INDEXES, EXPECTED_TRIGGERS } from '../src/db/expected.js';
import { tempDir } from './helpers.js';

/**
 * The rules live in the file, not in the app: these tests write with raw SQL, once through
 * better-sqlite3 and once through the plain `sqlite3` shell, on a file the app created.
 */
interface RawSql {
  /** Runs statements; throws with SQLite's message when one is refused. */
  exec(sql: string): void;
  all<Row = Record<string, unknown>>(sql: string): Row[];
  close(): void;
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_UTC_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function betterSqlite(file: string): RawSql {
  const sqlite = new Database(file);
  sqlite.pragma('foreign_keys = ON');
  return {
    exec: (sql) => void sqlite.exec(sql),
    all: <Row>(sql: string) => sqlite.prepare(sql).all() as Row[],
    close: () => sqlite.close(),
  };
}

function sqliteShell(args: string[], input: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('sqlite3', args, { input, encoding: 'utf8' });
  if (result.error) throw new Error(`the sqlite3 shell is needed for these tests (apt-get install sqlite3): ${result.error.message}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The shell leaves foreign keys off unless asked (as in a ~/.sqliterc); the rules must hold
 * both ways, so the shell route runs once with its default and once with them on.
 */
function shell(file: string, foreignKeys: 'ON' | 'OFF'): RawSql {
  const run = (sql: string, mode: string[] = []) => {
    const result = sqliteShell(['-bail', ...mode, '-cmd', `PRAGMA foreign_keys = ${foreignKeys}`, file], sql);
    if (result.status !== 0) throw new Error(result.stderr.trim());
    return result.stdout;
  };
  return {
    exec: (sql) => void run(sql),
    all: <Row>(sql: string) => {
      const out = run(sql, ['-json']).trim();
      return (out ? JSON.parse(out) : []) as Row[];
    },
    close: () => {},
  };
}

let dir: string;
let file: string;
beforeEach(() => {
  dir = tempDir();
  file = path.join(dir, 'crm.db');
  openDatabase(file).close();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.each([
  ['better-sqlite3', betterSqlite],
  ['the sqlite3 shell with foreign keys on', (file: string) => shell(file, 'ON')],
  ['the sqlite3 shell as installed (foreign keys off)', (file: string) => shell(file, 'OFF')],
])('rules enforced by the file itself, written through %s', (_route, connect) => {
  let raw: RawSql;
  beforeEach(() => {
    raw = connect(file);
  });
  afterEach(() => raw.close());

  const count = (sql: string) => Number(Object.values(raw.all(sql)[0]!)[0]);

  it('gives a raw INSERT a UUID, ISO-8601 UTC timestamps and the documented defaults', () => {
    raw.exec(`INSERT INTO products (name) VALUES ('Audit')`);
    const [product] = raw.all<Record<string, unknown>>(`SELECT * FROM products`);
    expect(product).toMatchObject({ name: 'Audit', is_active: 1, description: null });
    expect(product!.id).toMatch(UUID_V4);
    expect(product!.created_at).toMatch(ISO_UTC_MILLIS);
    expect(product!.updated_at).toBe(product!.created_at);

    raw.exec(`INSERT INTO customers (name) VALUES ('Ada')`);
    const [customer] = raw.all<Record<string, unknown>>(`SELECT * FROM customers`);
    expect(customer).toMatchObject({ status: 'lead', is_archived: 0, product_id: null });
    expect(customer!.id).toMatch(UUID_V4);
    expect(customer!.created_at).toMatch(ISO_UTC_MILLIS);

    raw.exec(`INSERT INTO customer_interactions (customer_id, type, channel, note) VALUES ('${customer!.id}', 'Call', 'phone', 'hi')`);
    const [interaction] = raw.all<Record<string, unknown>>(`SELECT * FROM customer_interactions`);
    expect(interaction!.id).toMatch(UUID_V4);
    expect(interaction!.created_at).toMatch(ISO_UTC_MILLIS);
  });

  it('refuses a fourth active product on INSERT and on UPDATE, and accepts inactive ones', () => {
    raw.exec(`INSERT INTO products (id, name) VALUES ('p1', 'A'), ('p2', 'B'), ('p3', 'C')`);
    expect(() => raw.exec(`INSERT INTO products (id, name) VALUES ('p4', 'D')`)).toThrow(
      /active product limit: at most 3 products can be active/,
    );
    raw.exec(`INSERT INTO products (id, name, is_active) VALUES ('p4', 'D', 0)`);
    expect(() => raw.exec(`UPDATE products SET is_active = 1 WHERE id = 'p4'`)).toThrow(/active product limit/);
    expect(count(`SELECT count(*) FROM products WHERE is_active = 1`)).toBe(3);
    // Editing an active product is not an activation and stays allowed.
    raw.exec(`UPDATE products SET name = 'A2' WHERE id = 'p1'`);
    raw.exec(`UPDATE products SET is_active = 0 WHERE id = 'p2'; UPDATE products SET is_active = 1 WHERE id = 'p4'`);
    expect(raw.all(`SELECT id FROM products WHERE is_active = 1 ORDER BY id`)).toEqual([
      { id: 'p1' },
      { id: 'p3' },
      { id: 'p4' },
    ]);
  });

  it('refuses a second product with the same name, ignoring case, on INSERT and on UPDATE', () => {
    raw.exec(`INSERT INTO products (id, name) VALUES ('p1', 'Audit'), ('p2', 'Coaching')`);
    expect(() => raw.exec(`INSERT INTO products (name, is_active) VALUES ('AUDIT', 0)`)).toThrow(
      /UNIQUE constraint failed: index 'products_name_unique_idx'/,
    );
    expect(() => raw.exec(`UPDATE products SET name = 'audit' WHERE id = 'p2'`)).toThrow(/products_name_unique_idx/);
    expect(raw.all(`SELECT id, name FROM products ORDER BY id`)).toEqual([
      { id: 'p1', name: 'Audit' },
      { id: 'p2', name: 'Coaching' },
    ]);
  });

  it('refuses any UPDATE of an interaction, including moving it to another customer', () => {
    raw.exec(`INSERT INTO customers (id, name) VALUES ('c1', 'Ada'), ('c2', 'Bob')`);
    raw.exec(`INSERT INTO customer_interactions (id, customer_id, type, channel, note) VALUES ('i1', 'c1', 'Call', 'phone', 'original')`);
    const before = raw.all(`SELECT * FROM customer_interactions`);
    for (const change of [`note = 'edited'`, `channel = 'email'`, `follow_up_date = '2027-01-01'`, `customer_id = 'c2'`]) {
      expect(() => raw.exec(`UPDATE customer_interactions SET ${change} WHERE id = 'i1'`)).toThrow(
        /interactions are immutable/,
      );
    }
    expect(raw.all(`SELECT * FROM customer_interactions`)).toEqual(before);
  });

  it('cascades a customer id change to its interactions, and a product id change to its customers', () => {
    raw.exec(`INSERT INTO products (id, name) VALUES ('p1', 'Audit')`);
    raw.exec(`INSERT INTO customers (id, name, product_id) VALUES ('c1', 'Ada', 'p1')`);
    raw.exec(`INSERT INTO customer_interactions (id, customer_id, type, channel, note) VALUES ('i1', 'c1', 'Call', 'phone', 'n')`);
    raw.exec(`UPDATE customers SET id = 'c1-renamed' WHERE id = 'c1'`);
    expect(raw.all(`SELECT customer_id FROM customer_interactions`)).toEqual([{ customer_id: 'c1-renamed' }]);
    raw.exec(`UPDATE products SET id = 'p1-renamed' WHERE id = 'p1'`);
    expect(raw.all(`SELECT product_id FROM customers`)).toEqual([{ product_id: 'p1-renamed' }]);
  });

  it('keeps the customers of a deleted product, with no product', () => {
    raw.exec(`INSERT INTO products (id, name) VALUES ('p1', 'Audit'), ('p2', 'Coaching')`);
    raw.exec(`INSERT INTO customers (id, name, product_id) VALUES ('c1', 'Ada', 'p1'), ('c2', 'Bob', 'p2')`);
    raw.exec(`DELETE FROM products WHERE id = 'p1'`);
    expect(raw.all(`SELECT id, product_id FROM customers ORDER BY id`)).toEqual([
      { id: 'c1', product_id: null },
      { id: 'c2', product_id: 'p2' },
    ]);
  });

  it('deletes the interactions of a deleted customer, and only those', () => {
    raw.exec(`INSERT INTO customers (id, name) VALUES ('c1', 'Ada'), ('c2', 'Bob')`);
    raw.exec(`INSERT INTO customer_interactions (id, customer_id, type, channel, note) VALUES
      ('i1', 'c1', 'Call', 'phone', 'n'), ('i2', 'c1', 'Mail', 'email', 'n'), ('i3', 'c2', 'Call', 'phone', 'n')`);
    raw.exec(`DELETE FROM customers WHERE id = 'c1'`);
    expect(raw.all(`SELECT id FROM customer_interactions`)).toEqual([{ id: 'i3' }]);
  });

  it('refuses an interaction for a customer that does not exist', () => {
    expect(() =>
      raw.exec(`INSERT INTO customer_interactions (customer_id, type, channel, note) VALUES ('ghost', 'Call', 'phone', 'n')`),
    ).toThrow(/FOREIGN KEY constraint failed/);
  });

  it('refuses a customer linked to a product that does not exist, on INSERT and on UPDATE', () => {
    raw.exec(`INSERT INTO customers (id, name) VALUES ('c1', 'Ada')`);
    expect(() => raw.exec(`INSERT INTO customers (name, product_id) VALUES ('Bob', 'ghost')`)).toThrow(
      /FOREIGN KEY constraint failed/,
    );
    expect(() => raw.exec(`UPDATE customers SET product_id = 'ghost' WHERE id = 'c1'`)).toThrow(
      /FOREIGN KEY constraint failed/,
    );
    expect(raw.all(`SELECT id, product_id FROM customers`)).toEqual([{ id: 'c1', product_id: null }]);
  });

  it('refuses unknown statuses and channels and blank names with CHECK constraints', () => {
    raw.exec(`INSERT INTO customers (id, name) VALUES ('c1', 'Ada')`);
    expect(() => raw.exec(`INSERT INTO customers (name, status) VALUES ('Bob', 'won')`)).toThrow(
      /CHECK constraint failed: customers_status_valid/,
    );
    expect(() => raw.exec(`UPDATE customers SET status = 'Lead' WHERE id = 'c1'`)).toThrow(
      /CHECK constraint failed: customers_status_valid/,
    );
    expect(() =>
      raw.exec(`INSERT INTO customer_interactions (customer_id, type, channel, note) VALUES ('c1', 'Call', 'fax', 'n')`),
    ).toThrow(/CHECK constraint failed: customer_interactions_channel_valid/);
    expect(() => raw.exec(`INSERT INTO products (name) VALUES ('   ')`)).toThrow(/CHECK constraint failed: products_name_not_blank/);
    expect(raw.all(`SELECT id, status FROM customers`)).toEqual([{ id: 'c1', status: 'lead' }]);
  });

  describe('every statement form that could delete or rewrite a row past the rules', () => {
    const seed = () => {
      raw.exec(`INSERT INTO products (id, name) VALUES ('p1', 'Audit'), ('p2', 'Coaching')`);
      raw.exec(`INSERT INTO customers (id, name, product_id) VALUES ('c1', 'Ada', 'p1'), ('c2', 'Bob', NULL)`);
      raw.exec(`INSERT INTO customer_interactions (id, customer_id, type, channel, note) VALUES ('i1', 'c1', 'Call', 'phone', 'original')`);
    };
    const everything = () => ({
      products: raw.all(`SELECT * FROM products ORDER BY id`),
      customers: raw.all(`SELECT * FROM customers ORDER BY id`),
      interactions: raw.all(`SELECT * FROM customer_interactions ORDER BY id`),
      audit: raw.all(`SELECT * FROM audit_log ORDER BY id`),
    });
    const conflictClauses = (table: string, columns: string, values: string, set: string) => [
      `INSERT OR REPLACE INTO ${table} (${columns}) VALUES (${values})`,
      `REPLACE INTO ${table} (${columns}) VALUES (${values})`,
      `INSERT INTO ${table} (${columns}) VALUES (${values}) ON CONFLICT DO UPDATE SET ${set}`,
      `INSERT INTO ${table} (${columns}) VALUES (${values}) ON CONFLICT (id) DO UPDATE SET ${set}`,
      `INSERT OR IGNORE INTO ${table} (${columns}) VALUES (${values})`,
      `INSERT INTO ${table} (${columns}) VALUES (${values}) ON CONFLICT DO NOTHING`,
    ];

    it.each([
      ['a product by id', 'products', `id, name`, `'p1', 'Replaced'`, `name = excluded.name`, /UNIQUE constraint failed: products\.id/],
      ['a product by name', 'products', `id, name`, `'p9', 'AUDIT'`, `name = excluded.name`, /products_name_unique_idx/],
      ['a customer', 'customers', `id, name`, `'c1', 'Replaced'`, `name = excluded.name`, /UNIQUE constraint failed: customers\.id/],
      [
        'an interaction',
        'customer_interactions',
        `id, customer_id, type, channel, note`,
        `'i1', 'c1', 'Call', 'phone', 'rewritten'`,
        `note = excluded.note`,
        /interactions are immutable/,
      ],
    ])('refuses every conflict clause of an INSERT over %s, and changes nothing', (_what, table, columns, values, set, refusal) => {
      seed();
      const before = everything();
      for (const statement of conflictClauses(table, columns, values, set)) {
        expect(() => raw.exec(statement), statement).toThrow(refusal);
      }
      expect(everything()).toEqual(before);
    });

    it('refuses UPDATE OR REPLACE onto another row, which would delete that row unseen', () => {
      seed();
      const before = everything();
      expect(() => raw.exec(`UPDATE OR REPLACE products SET id = 'p1' WHERE id = 'p2'`)).toThrow(/UNIQUE constraint failed: products\.id/);
      expect(() => raw.exec(`UPDATE OR REPLACE products SET name = 'audit' WHERE id = 'p2'`)).toThrow(/products_name_unique_idx/);
      expect(() => raw.exec(`UPDATE OR REPLACE customers SET id = 'c1' WHERE id = 'c2'`)).toThrow(/UNIQUE constraint failed: customers\.id/);
      expect(() => raw.exec(`UPDATE OR REPLACE customer_interactions SET id = 'i0' WHERE id = 'i1'`)).toThrow(/interactions are immutable/);
      expect(everything()).toEqual(before);
      // A product may still change the case of its own name.
      raw.exec(`UPDATE OR REPLACE products SET name = 'AUDIT' WHERE id = 'p1'`);
      expect(raw.all(`SELECT name FROM products WHERE id = 'p1'`)).toEqual([{ name: 'AUDIT' }]);
    });

    it('refuses a DELETE of interactions whose customer stays, and deletes them with their customer', () => {
      seed();
      raw.exec(`INSERT INTO customer_interactions (id, customer_id, type, channel, note) VALUES ('i2', 'c2', 'Mail', 'email', 'n')`);
      const before = everything();
      for (const statement of [
        `DELETE FROM customer_interactions WHERE id = 'i1'`,
        `DELETE FROM customer_interactions`,
        `DELETE FROM customer_interactions WHERE customer_id = 'c2' RETURNING id`,
      ]) {
        expect(() => raw.exec(statement), statement).toThrow(/interactions are immutable: an interaction is deleted only with its customer/);
      }
      expect(everything()).toEqual(before);
      raw.exec(`DELETE FROM customers WHERE id = 'c1'`);
      expect(raw.all(`SELECT id FROM customer_interactions`)).toEqual([{ id: 'i2' }]);
      expect(raw.all(`SELECT record_id FROM audit_log WHERE action = 'delete' ORDER BY record_id`)).toEqual([
        { record_id: 'c1' },
        { record_id: 'i1' },
      ]);
    });

    it('refuses to rewrite an audit entry with INSERT OR REPLACE', () => {
      seed();
      const before = everything();
      const [first] = raw.all<{ id: number }>(`SELECT min(id) AS id FROM audit_log`);
      expect(() =>
        raw.exec(`INSERT OR REPLACE INTO audit_log (id, table_name, action) VALUES (${first!.id}, 'customers', 'forged')`),
      ).toThrow(/audit_log is append-only/);
      expect(everything()).toEqual(before);
    });
  });

  it('refuses a timestamp in any but the canonical UTC form, on INSERT and on UPDATE', () => {
    const canonical = '2026-12-01T04:00:00.000Z';
    raw.exec(`INSERT INTO products (id, name, created_at, updated_at) VALUES ('p1', 'Audit', '${canonical}', '${canonical}')`);
    raw.exec(`INSERT INTO customers (id, name) VALUES ('c1', 'Ada')`);
    const before = raw.all(`SELECT * FROM products`);
    const refusal = /timestamps are stored in UTC as YYYY-MM-DDTHH:MM:SS\.sssZ/;
    for (const value of ['2026-12-01T09:00+05:00', '2026-12-01T04:00Z', '2026-12-01 04:00:00', '2026-12-01', '2026-02-30T10:00:00.000Z', 'soon']) {
      expect(() => raw.exec(`INSERT INTO products (name, is_active, created_at) VALUES ('X', 0, '${value}')`), value).toThrow(refusal);
      expect(() => raw.exec(`INSERT INTO customers (name, updated_at) VALUES ('X', '${value}')`), value).toThrow(refusal);
      expect(() => raw.exec(`UPDATE products SET updated_at = '${value}' WHERE id = 'p1'`), value).toThrow(refusal);
      expect(() => raw.exec(`UPDATE customers SET created_at = '${value}' WHERE id = 'c1'`), value).toThrow(refusal);
      expect(() =>
        raw.exec(`INSERT INTO customer_interactions (customer_id, type, channel, note, created_at) VALUES ('c1', 'Call', 'phone', 'n', '${value}')`),
      ).toThrow(refusal);
    }
    for (const followUp of ['2026-12-01T09:00+05:00', '2026-02-30', '2026-12-20T00:00']) {
      expect(() =>
        raw.exec(`INSERT INTO customer_interactions (customer_id, type, channel, note, follow_up_date) VALUES ('c1', 'Call', 'phone', 'n', '${followUp}')`),
      ).toThrow(refusal);
    }
    expect(raw.all(`SELECT * FROM products`)).toEqual(before);
    expect(count(`SELECT count(*) FROM customer_interactions`)).toBe(0);
    // The canonical form, written directly or by strftime, and an all-day follow-up are accepted.
    raw.exec(`INSERT INTO customer_interactions (id, customer_id, type, channel, note, follow_up_date, created_at) VALUES
      ('i1', 'c1', 'Call', 'phone', 'n', '2026-12-20', strftime('%Y-%m-%dT%H:%M:%fZ', '2026-12-01T09:00+05:00')),
      ('i2', 'c1', 'Call', 'phone', 'n', '${canonical}', '${canonical}')`);
    expect(raw.all(`SELECT id, follow_up_date, created_at FROM customer_interactions ORDER BY id`)).toEqual([
      { id: 'i1', follow_up_date: '2026-12-20', created_at: canonical },
      { id: 'i2', follow_up_date: canonical, created_at: canonical },
    ]);
  });

  it('moves updated_at on a raw UPDATE that does not set it, and keeps one that does', () => {
    const old = '2020-01-01T00:00:00.000Z';
    raw.exec(`INSERT INTO products (id, name, created_at, updated_at) VALUES ('p1', 'Audit', '${old}', '${old}')`);
    raw.exec(`INSERT INTO customers (id, name, created_at, updated_at) VALUES ('c1', 'Ada', '${old}', '${old}')`);
    raw.exec(`UPDATE products SET description = 'two days' WHERE id = 'p1'`);
    raw.exec(`UPDATE customers SET status = 'qualified' WHERE id = 'c1'`);
    for (const table of ['products', 'customers']) {
      const [row] = raw.all<{ created_at: string; updated_at: string }>(`SELECT created_at, updated_at FROM ${table}`);
      expect(row!.created_at).toBe(old);
      expect(row!.updated_at).toMatch(ISO_UTC_MILLIS);
      expect(row!.updated_at > old).toBe(true);
    }
    const chosen = '2030-06-01T12:00:00.000Z';
    raw.exec(`UPDATE customers SET owner = 'me', updated_at = '${chosen}' WHERE id = 'c1'`);
    expect(raw.all(`SELECT updated_at FROM customers`)).toEqual([{ updated_at: chosen }]);
  });
});

describe('the schema as the sqlite3 shell sees it', () => {
  it('has every expected trigger and index, the CHECK constraints and the FK actions', () => {
    const { status, stdout } = sqliteShell([file, '.schema'], '');
    expect(status).toBe(0);
    for (const name of EXPECTED_TRIGGERS) expect(stdout).toContain(`CREATE TRIGGER \`${name}\``);
    for (const name of EXPECTED_INDEXES) expect(stdout).toMatch(new RegExp(`CREATE (UNIQUE )?INDEX \`${name}\``));
    expect(stdout).toMatch(/REFERENCES `products`\(`id`\) ON UPDATE cascade ON DELETE set null/);
    expect(stdout).toMatch(/REFERENCES `customers`\(`id`\) ON UPDATE cascade ON DELETE cascade/);
    expect(stdout).toContain('CONSTRAINT "customers_status_valid" CHECK');
    expect(stdout).toContain('CONSTRAINT "customer_interactions_channel_valid" CHECK');
  });

  it('records the schema version in user_version and the journal mode as WAL', () => {
    const { stdout } = sqliteShell([file], 'PRAGMA user_version; PRAGMA journal_mode;');
    expect(stdout.trim().split('\n')).toEqual([String(knownMigrations().metas.length), 'wal']);
  });
});
