import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { knownMigrations, openDatabase } from '../src/db/connection.js';
import { EXPECTED_INDEXES, EXPECTED_TRIGGERS } from '../src/db/expected.js';
import { describeBackends, type BackendCli } from './backends.js';
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

/**
 * The same rules as a member of a team types them in psql, and on SQLite through the app's own
 * connection (the routes above cover the shell): every rule the file enforces holds on the
 * server too. test/pg/rules.test.ts covers the rest (CHECKs on INSERT, the interaction
 * immutability in every form, TRUNCATE, the audit log, updated_at). Ids are random: on
 * PostgreSQL every test's team shares one database, whose keys are global.
 */
describeBackends('the data-model rules as SQL a user types', (backend, fresh) => {
  let cli: BackendCli;
  beforeEach(async () => {
    cli = await fresh();
  });
  afterEach(() => cli.close());

  const pg = backend === 'postgres';
  const [yes, no] = pg ? [true, false] : [1, 0];
  const uid = (tag: string) => `${tag}-${randomUUID()}`;
  const refusal = async (sql: string, values: unknown[] = []): Promise<string> => {
    try {
      await cli.sql(sql, values);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error(`not refused: ${sql}`);
  };
  const FOREIGN_KEY = pg ? /names no (product|customer|company) of this team|violates foreign key constraint/ : /FOREIGN KEY constraint failed/;

  it('gives a raw INSERT a UUID, ISO-8601 UTC timestamps and the documented defaults', async () => {
    await cli.sql(`INSERT INTO products (name) VALUES ('Audit')`);
    const [product] = await cli.sql(`SELECT id, name, description, is_active, created_at, updated_at FROM products`);
    expect(product).toMatchObject({ name: 'Audit', is_active: yes, description: null });
    expect(product!.id).toMatch(UUID_V4);
    expect(product!.created_at).toMatch(ISO_UTC_MILLIS);
    expect(product!.updated_at).toBe(product!.created_at);

    await cli.sql(`INSERT INTO customers (name) VALUES ('Ada')`);
    const [customer] = await cli.sql(`SELECT id, status, is_archived, product_id, created_at FROM customers`);
    expect(customer).toMatchObject({ status: 'lead', is_archived: no, product_id: null });
    expect(customer!.id).toMatch(UUID_V4);
    expect(customer!.created_at).toMatch(ISO_UTC_MILLIS);

    await cli.sql(`INSERT INTO customer_interactions (customer_id, type, channel, note) VALUES ($1, 'Call', 'phone', 'hi')`, [customer!.id]);
    const [interaction] = await cli.sql(`SELECT id, created_at FROM customer_interactions`);
    expect(interaction!.id).toMatch(UUID_V4);
    expect(interaction!.created_at).toMatch(ISO_UTC_MILLIS);
  });

  it('refuses a fourth active product on INSERT and on UPDATE, and accepts inactive ones', async () => {
    const [p1, p2, p3, p4] = [uid('p1'), uid('p2'), uid('p3'), uid('p4')];
    await cli.sql(`INSERT INTO products (id, name) VALUES ($1, 'A'), ($2, 'B'), ($3, 'C')`, [p1, p2, p3]);
    expect(await refusal(`INSERT INTO products (id, name) VALUES ($1, 'D')`, [p4])).toMatch(/active product limit: at most 3 products can be active/);
    await cli.sql(`INSERT INTO products (id, name, is_active) VALUES ($1, 'D', $2)`, [p4, no]);
    expect(await refusal(`UPDATE products SET is_active = $1 WHERE id = $2`, [yes, p4])).toMatch(/active product limit/);
    expect(await cli.sql(`SELECT id FROM products WHERE is_active = $1`, [yes])).toHaveLength(3);
    // Editing an active product is not an activation and stays allowed.
    await cli.sql(`UPDATE products SET name = 'A2' WHERE id = $1`, [p1]);
    await cli.sql(`UPDATE products SET is_active = $1 WHERE id = $2`, [no, p2]);
    await cli.sql(`UPDATE products SET is_active = $1 WHERE id = $2`, [yes, p4]);
    const active = (await cli.sql<{ id: string }>(`SELECT id FROM products WHERE is_active = $1`, [yes])).map((row) => row.id);
    expect(active.sort()).toEqual([p1, p3, p4].sort());
  });

  it('refuses renaming a product to the name of another, ignoring case, and lets a product change its own case', async () => {
    const [p1, p2] = [uid('p1'), uid('p2')];
    await cli.sql(`INSERT INTO products (id, name) VALUES ($1, 'Audit'), ($2, 'Coaching')`, [p1, p2]);
    expect(await refusal(`UPDATE products SET name = 'audit' WHERE id = $1`, [p2])).toMatch(/products_name_unique_idx/);
    await cli.sql(`UPDATE products SET name = 'AUDIT' WHERE id = $1`, [p1]);
    expect(await cli.sql(`SELECT name FROM products WHERE id IN ($1, $2) ORDER BY name`, [p1, p2])).toEqual([{ name: 'AUDIT' }, { name: 'Coaching' }]);
  });

  it('refuses an UPDATE onto the id of another row, which would replace it', async () => {
    const [p1, p2, c1, c2] = [uid('p1'), uid('p2'), uid('c1'), uid('c2')];
    await cli.sql(`INSERT INTO products (id, name) VALUES ($1, 'Audit'), ($2, 'Coaching')`, [p1, p2]);
    await cli.sql(`INSERT INTO customers (id, name) VALUES ($1, 'Ada'), ($2, 'Bob')`, [c1, c2]);
    const before = await cli.snapshot();
    expect(await refusal(`UPDATE products SET id = $1 WHERE id = $2`, [p1, p2])).toMatch(pg ? /products_pkey/ : /UNIQUE constraint failed: products\.id/);
    expect(await refusal(`UPDATE customers SET id = $1 WHERE id = $2`, [c1, c2])).toMatch(pg ? /customers_pkey/ : /UNIQUE constraint failed: customers\.id/);
    expect(await cli.snapshot()).toEqual(before);
  });

  it('cascades a product id change to its customers, and a customer id change to its interactions', async () => {
    const [p1, c1] = [uid('p1'), uid('c1')];
    await cli.sql(`INSERT INTO products (id, name) VALUES ($1, 'Audit')`, [p1]);
    await cli.sql(`INSERT INTO customers (id, name, product_id) VALUES ($1, 'Ada', $2)`, [c1, p1]);
    await cli.sql(`INSERT INTO customer_interactions (customer_id, type, channel, note) VALUES ($1, 'Call', 'phone', 'n')`, [c1]);
    await cli.sql(`UPDATE products SET id = $1 WHERE id = $2`, [`${p1}-renamed`, p1]);
    expect(await cli.sql(`SELECT product_id FROM customers`)).toEqual([{ product_id: `${p1}-renamed` }]);
    await cli.sql(`UPDATE customers SET id = $1 WHERE id = $2`, [`${c1}-renamed`, c1]);
    expect(await cli.sql(`SELECT customer_id FROM customer_interactions`)).toEqual([{ customer_id: `${c1}-renamed` }]);
  });

  it('refuses an UPDATE to a product or company that does not exist, an unknown status and a blank name', async () => {
    const c1 = uid('c1');
    await cli.sql(`INSERT INTO customers (id, name) VALUES ($1, 'Ada')`, [c1]);
    const before = await cli.snapshot();
    expect(await refusal(`UPDATE customers SET product_id = 'ghost' WHERE id = $1`, [c1])).toMatch(FOREIGN_KEY);
    expect(await refusal(`UPDATE customers SET company_id = 'ghost' WHERE id = $1`, [c1])).toMatch(FOREIGN_KEY);
    expect(await refusal(`UPDATE customers SET status = 'Lead' WHERE id = $1`, [c1])).toMatch(/customers_status_valid/);
    expect(await refusal(`UPDATE customers SET name = '  ' WHERE id = $1`, [c1])).toMatch(/customers_name_not_blank/);
    expect(await refusal(`INSERT INTO companies (name) VALUES ('  ')`)).toMatch(/companies_name_not_blank/);
    expect(await cli.snapshot()).toEqual(before);
  });

  it('refuses a DELETE of interactions whose customer stays, and deletes them with their customer, audited', async () => {
    const [c1, c2, i1, i2] = [uid('c1'), uid('c2'), uid('i1'), uid('i2')];
    await cli.sql(`INSERT INTO customers (id, name) VALUES ($1, 'Ada'), ($2, 'Bob')`, [c1, c2]);
    await cli.sql(`INSERT INTO customer_interactions (id, customer_id, type, channel, note) VALUES ($1, $2, 'Call', 'phone', 'n'), ($3, $4, 'Mail', 'email', 'n')`, [i1, c1, i2, c2]);
    const before = await cli.snapshot();
    for (const [statement, values] of [
      [`DELETE FROM customer_interactions WHERE id = $1`, [i1]],
      [`DELETE FROM customer_interactions`, []],
      [`DELETE FROM customer_interactions WHERE customer_id = $1 RETURNING id`, [c2]],
    ] as Array<[string, unknown[]]>) {
      expect(await refusal(statement, values), statement).toMatch(/interactions are immutable: an interaction is deleted only with its customer/);
    }
    expect(await cli.snapshot()).toEqual(before);
    await cli.sql(`DELETE FROM customers WHERE id = $1`, [c1]);
    expect(await cli.sql(`SELECT id FROM customer_interactions`)).toEqual([{ id: i2 }]);
    const deleted = await cli.sql<{ record_id: string }>(`SELECT record_id FROM audit_log WHERE action = 'delete'`);
    expect(deleted.map((row) => row.record_id).sort()).toEqual([c1, i1].sort());
  });

  it('refuses a follow-up in any but its two canonical forms, and keeps an all-day one as its day', async () => {
    const c1 = uid('c1');
    await cli.sql(`INSERT INTO customers (id, name) VALUES ($1, 'Ada')`, [c1]);
    for (const followUp of ['2026-12-01T09:00+05:00', '2026-02-30', '2026-12-20T00:00', '2026-12-01T04:00:00Z', 'soon']) {
      const message = await refusal(
        `INSERT INTO customer_interactions (customer_id, type, channel, note, follow_up_date) VALUES ($1, 'Call', 'phone', 'n', $2)`,
        [c1, followUp],
      );
      expect(message, followUp).toMatch(pg ? /customer_interactions_follow_up_date_canonical/ : /timestamps are stored in UTC as YYYY-MM-DDTHH:MM:SS\.sssZ/);
    }
    await cli.sql(
      `INSERT INTO customer_interactions (customer_id, type, channel, note, follow_up_date) VALUES ($1, 'Call', 'phone', 'n', '2026-12-20'), ($1, 'Call', 'phone', 'n', '2026-12-01T04:00:00.000Z')`,
      [c1],
    );
    const stored = (await cli.sql<{ follow_up_date: string }>(`SELECT follow_up_date FROM customer_interactions`)).map((row) => row.follow_up_date);
    expect(stored.sort()).toEqual(['2026-12-01T04:00:00.000Z', '2026-12-20']);
  });

  if (pg) {
    // Instants are timestamptz on the server: a value with an offset is that instant (read back
    // in the canonical form), and what names no instant is refused by the type. SQLite keeps
    // text, so there the canonical form itself is the rule (the routes above).
    it('stores an instant written with any offset as that instant, and refuses what is no instant', async () => {
      const p1 = uid('p1');
      await cli.sql(`INSERT INTO products (id, name, is_active, created_at) VALUES ($1, 'Audit', false, '2026-12-01T09:00+05:00')`, [p1]);
      expect(await cli.sql(`SELECT created_at FROM products WHERE id = $1`, [p1])).toEqual([{ created_at: '2026-12-01T04:00:00.000Z' }]);
      const before = await cli.snapshot();
      expect(await refusal(`UPDATE products SET updated_at = '2026-02-30T10:00:00.000Z' WHERE id = $1`, [p1])).toMatch(/out of range/);
      expect(await refusal(`INSERT INTO customers (name, updated_at) VALUES ('X', 'soon')`)).toMatch(/invalid input syntax for type timestamp/);
      expect(await cli.snapshot()).toEqual(before);
    });

    // PostgreSQL has no REPLACE: the conflict clauses either update the row in place, through
    // the update triggers (rules, updated_at, the audit log), or do nothing. No row is deleted
    // unseen, which is what the SQLite rules above refuse the REPLACE forms for.
    it('turns INSERT ... ON CONFLICT over a product or customer into an ordinary, audited UPDATE', async () => {
      const [p1, c1] = [uid('p1'), uid('c1')];
      const old = '2020-01-01T00:00:00.000Z';
      await cli.sql(`INSERT INTO products (id, name, created_at, updated_at) VALUES ($1, 'Audit', $2, $2), ($3, 'Coaching', $2, $2)`, [p1, old, uid('p2')]);
      await cli.sql(`INSERT INTO customers (id, name) VALUES ($1, 'Ada')`, [c1]);
      await cli.sql(`INSERT INTO products (id, name) VALUES ($1, 'Replaced') ON CONFLICT (id) DO UPDATE SET name = excluded.name`, [p1]);
      const [product] = await cli.sql<{ name: string; created_at: string; updated_at: string }>(`SELECT name, created_at, updated_at FROM products WHERE id = $1`, [p1]);
      expect(product).toMatchObject({ name: 'Replaced', created_at: old });
      expect(product!.updated_at > old).toBe(true);
      expect(await refusal(`INSERT INTO products (id, name) VALUES ($1, 'coaching') ON CONFLICT (id) DO UPDATE SET name = excluded.name`, [p1])).toMatch(
        /products_name_unique_idx/,
      );
      await cli.sql(`INSERT INTO customers (id, name) VALUES ($1, 'Other') ON CONFLICT DO NOTHING`, [c1]);
      expect(await cli.sql(`SELECT name FROM customers WHERE id = $1`, [c1])).toEqual([{ name: 'Ada' }]);
      const audited = await cli.sql(`SELECT action FROM audit_log WHERE record_id = $1 ORDER BY id`, [p1]);
      expect(audited).toEqual([{ action: 'insert' }, { action: 'update' }]);
    });
  }
});
