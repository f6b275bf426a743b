import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeWithAuditSummary } from '../src/db/audit.js';
import { knownMigrations, openDatabase } from '../src/db/connection.js';
import { EXPECTED_INDEXES, EXPECTED_TRIGGERS } from '../src/db/expected.js';
import { SqliteAuditRepository } from '../src/repositories/sqlite/audit.js';
import { Services } from '../src/services/index.js';
import { describeBackends, type BackendCli } from './backends.js';
import { expectRefused, TestCli, tempDir } from './helpers.js';

let cli: TestCli;
beforeEach(() => {
  cli = new TestCli();
});
afterEach(() => cli.close());

interface AuditRow {
  id: number;
  table_name: string;
  record_id: string | null;
  action: string;
  old_values: string | null;
  new_values: string | null;
  actor: string;
  created_at: string;
}

function auditRows(): Array<Omit<AuditRow, 'old_values' | 'new_values'> & { old: any; new: any }> {
  const rows = cli.db.sqlite.prepare('SELECT * FROM audit_log ORDER BY id').all() as AuditRow[];
  return rows.map(({ old_values, new_values, ...rest }) => ({
    ...rest,
    old: old_values === null ? null : JSON.parse(old_values),
    new: new_values === null ? null : JSON.parse(new_values),
  }));
}

const raw = (sql: string) => cli.db.sqlite.exec(sql);

function seedRaw(): void {
  raw(`INSERT INTO products (id, name) VALUES ('p1', 'Audit');
       INSERT INTO customers (id, name, product_id) VALUES ('c1', 'Ada', 'p1');
       INSERT INTO customer_interactions (id, customer_id, type, channel, note) VALUES ('i1', 'c1', 'Intro call', 'phone', 'hello'), ('i2', 'c1', 'Quote', 'email', 'sent');`);
}

describe('audit triggers', () => {
  it('record a CLI insert, update and delete with the CRM_OWNER actor, the clock time and typed JSON', async () => {
    const env = { CRM_OWNER: 'alice' };
    const product = await cli.json(['product', 'add', 'Audit', '-d', 'Two days'], { env });
    cli.clock.advance(60_000);
    await cli.run(['product', 'deactivate', 'audit'], { env });
    await cli.run(['product', 'delete', 'audit', '--yes'], { env: { CRM_OWNER: 'bob' } });

    const rows = auditRows();
    expect(rows.map((row) => [row.table_name, row.record_id, row.action, row.actor, row.created_at])).toEqual([
      ['products', product.id, 'insert', 'alice', '2026-11-25T10:00:00.000Z'],
      ['products', product.id, 'update', 'alice', '2026-11-25T10:01:00.000Z'],
      ['products', product.id, 'delete', 'bob', '2026-11-25T10:01:00.000Z'],
    ]);
    expect(rows[0]!.old).toBeNull();
    expect(rows[0]!.new).toEqual(product);
    expect(rows[1]!.old).toEqual(product);
    expect(rows[1]!.new).toEqual({ ...product, is_active: false, updated_at: '2026-11-25T10:01:00.000Z' });
    expect(rows[2]!.old).toEqual(rows[1]!.new);
    expect(rows[2]!.new).toBeNull();
  });

  it('name the OS user when CRM_OWNER is not set', async () => {
    await cli.run(['product', 'add', 'Audit']);
    expect(auditRows()[0]!.actor).toBe(os.userInfo().username);
  });

  it('record raw SQL writes with an empty actor, one entry per UPDATE despite the updated_at touch', () => {
    seedRaw();
    raw(`UPDATE customers SET status = 'qualified', owner = 'bob' WHERE id = 'c1'`);
    const rows = auditRows();
    expect(rows.map((row) => `${row.table_name}:${row.action}:${row.actor}`)).toEqual([
      'products:insert:',
      'customers:insert:',
      'customer_interactions:insert:',
      'customer_interactions:insert:',
      'customers:update:',
    ]);
    const update = rows[4]!;
    const stored = cli.db.sqlite.prepare(`SELECT updated_at FROM customers WHERE id = 'c1'`).get() as { updated_at: string };
    expect(update.old).toMatchObject({ status: 'lead', owner: null, is_archived: false });
    // The entry shows the updated_at the touch trigger wrote, not the stale one.
    expect(update.new).toMatchObject({ status: 'qualified', owner: 'bob', updated_at: stored.updated_at });
  });

  it('record the rows a cascade deletes or nulls', () => {
    seedRaw();
    raw(`DELETE FROM products WHERE id = 'p1'`);
    raw(`DELETE FROM customers WHERE id = 'c1'`);
    const rows = auditRows().slice(4);
    expect(rows.map((row) => `${row.table_name}:${row.record_id}:${row.action}`)).toEqual([
      'customers:c1:update',
      'products:p1:delete',
      'customer_interactions:i1:delete',
      'customer_interactions:i2:delete',
      'customers:c1:delete',
    ]);
    expect(rows[0]!.old.product_id).toBe('p1');
    expect(rows[0]!.new.product_id).toBeNull();
    expect(rows[2]!.old).toMatchObject({ id: 'i1', customer_id: 'c1', note: 'hello' });
  });

  it('put every column of each table in the JSON, so a new column cannot be forgotten', () => {
    seedRaw();
    const entries = auditRows();
    for (const table of ['products', 'customers', 'customer_interactions']) {
      const columns = (cli.db.sqlite.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map(
        (column) => column.name,
      );
      const entry = entries.find((row) => row.table_name === table)!;
      expect(Object.keys(entry.new)).toEqual(columns);
    }
  });

  it('leave no actor behind: a raw write after a CLI write is still anonymous', async () => {
    await cli.run(['product', 'add', 'Audit'], { env: { CRM_OWNER: 'alice' } });
    expect(cli.db.sqlite.prepare('SELECT count(*) AS n FROM audit_context').get()).toEqual({ n: 0 });
    raw(`UPDATE products SET description = 'raw' WHERE name = 'Audit'`);
    expect(auditRows().map((row) => row.actor)).toEqual(['alice', '']);
  });

  it('write nothing for a refused command', async () => {
    for (const name of ['A1', 'A2', 'A3']) await cli.run(['product', 'add', name]);
    const before = cli.snapshot();
    expect((await cli.run(['product', 'add', 'A4'])).code).toBe(1);
    expect(cli.snapshot()).toEqual(before);
  });

  it('exist in the file, with their indexes, as db check expects', () => {
    const names = (type: string) =>
      (cli.db.sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = ?`).all(type) as Array<{ name: string }>).map(
        (row) => row.name,
      );
    expect(names('trigger')).toEqual(expect.arrayContaining([...EXPECTED_TRIGGERS]));
    expect(names('index')).toEqual(expect.arrayContaining([...EXPECTED_INDEXES]));
  });

  it("let history find a customer's entries through the index, not a scan", () => {
    const { sql, params } = new SqliteAuditRepository(cli.db.orm).forCustomersQuery(['c1']).toSQL();
    const plan = cli.db.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>;
    expect(plan.map((step) => step.detail).join('\n')).toContain('USING INDEX audit_log_customer_idx');
  });
});

describe('updated_at and its audit entry', () => {
  const T0 = '2026-11-25T10:00:00.000Z';
  const stored = (table: string) =>
    (cli.db.sqlite.prepare(`SELECT updated_at FROM ${table}`).get() as { updated_at: string }).updated_at;
  const updates = (table: string) => auditRows().filter((row) => row.table_name === table && row.action === 'update');

  it('come from the clock for a crm write, even when the clock has not moved since the last one', async () => {
    await cli.run(['product', 'add', 'Audit']);
    const product = await cli.json(['product', 'edit', 'audit', '-d', 'Two days']);
    expect(product.updated_at).toBe(T0);
    expect(stored('products')).toBe(T0);

    await cli.run(['customer', 'add', 'Ada']);
    const moved = await cli.json(['customer', 'move', 'ada', 'qualified']);
    expect(moved.updated_at).toBe(T0);
    const edited = await cli.json(['customer', 'edit', 'ada', '--owner', 'bob']);
    expect(edited.updated_at).toBe(T0);
    expect(stored('customers')).toBe(T0);

    expect(updates('products').map((row) => row.new.updated_at)).toEqual([T0]);
    expect(updates('customers').map((row) => [row.new.status, row.new.owner, row.new.updated_at])).toEqual([
      ['qualified', null, T0],
      ['qualified', 'bob', T0],
    ]);
  });

  it('move with the wall clock for a raw UPDATE after a crm write, logged once with the stored value', async () => {
    await cli.run(['customer', 'add', 'Ada']);
    raw(`UPDATE customers SET phone = '123'`);
    const moved = stored('customers');
    expect(moved).not.toBe(T0);
    expect(updates('customers').map((row) => [row.actor, row.new.phone, row.new.updated_at])).toEqual([['', '123', moved]]);
  });

  it('of customers unlinked by a product delete come from the clock, one entry each', async () => {
    await cli.run(['product', 'add', 'Audit']);
    await cli.run(['customer', 'add', 'Ada', '--product', 'audit']);
    cli.clock.advance(60_000);
    await cli.run(['product', 'delete', 'audit', '--yes']);
    expect(stored('customers')).toBe('2026-11-25T10:01:00.000Z');
    expect(updates('customers').map((row) => [row.new.product_id, row.new.updated_at])).toEqual([
      [null, '2026-11-25T10:01:00.000Z'],
    ]);
  });
});

describe('the audit log is append-only', () => {
  beforeEach(seedRaw);

  it('refuses UPDATE and DELETE from the sqlite3 shell and keeps every entry', () => {
    const before = cli.snapshot();
    expect(() => raw(`UPDATE audit_log SET actor = 'mallory'`)).toThrow(/audit_log is append-only: entries cannot be changed/);
    expect(() => raw(`DELETE FROM audit_log`)).toThrow(/removed only by crm db prune-audit/);
    expect(() => raw(`DELETE FROM audit_log WHERE id = 1`)).toThrow(/append-only/);
    expect(cli.snapshot()).toEqual(before);
  });

  it('refuses a delete even inside a crm write transaction', () => {
    expect(() => cli.db.write(() => raw(`DELETE FROM audit_log`))).toThrow(/append-only/);
    expect(auditRows()).toHaveLength(4);
  });
});

describeBackends('crm db prune-audit', (backend, fresh) => {
  let cli: BackendCli;
  const auditRows = async () =>
    (await cli.sql<AuditRow>('SELECT * FROM audit_log ORDER BY id')).map(({ new_values, ...rest }) => ({
      ...rest,
      new: new_values === null ? null : JSON.parse(new_values),
    }));
  // The seed's 4 entries are raw writes, stamped with the real time (before 2029), which on
  // PostgreSQL is the server's.
  beforeEach(async () => {
    cli = await fresh();
    const [product] = await cli.sql<{ id: string }>(`INSERT INTO products (name) VALUES ('Audit') RETURNING id`);
    const [customer] = await cli.sql<{ id: string }>(`INSERT INTO customers (name, product_id) VALUES ('Ada', $1) RETURNING id`, [product!.id]);
    await cli.sql(
      `INSERT INTO customer_interactions (customer_id, type, channel, note) VALUES ($1, 'Intro call', 'phone', 'hello'), ($1, 'Quote', 'email', 'sent')`,
      [customer!.id],
    );
  });
  afterEach(() => cli.close());

  it('needs --yes when there is no terminal, and changes nothing without it', async () => {
    cli.clock.set('3000-01-01T00:00:00.000Z');
    const before = await cli.snapshot();
    const result = await cli.run(['db', 'prune-audit', '--before', '2999-01-01']);
    expect(result).toMatchObject({
      code: 2,
      stderr: 'error: pruning 4 audit entries needs confirmation: pass --yes (no terminal to ask on)\n',
    });
    expect(await cli.snapshot()).toEqual(before);
  });

  it('asks on a terminal and keeps everything when the answer is no', async () => {
    cli.clock.set('3000-01-01T00:00:00.000Z');
    const before = await cli.snapshot();
    const result = await cli.run(['db', 'prune-audit', '--before', '2999-01-01'], { tty: true, answers: [false] });
    expect(result.code).toBe(1);
    expect(result.prompter.asked).toEqual([
      'Delete 4 audit entries recorded before 2999-01-01T00:00:00.000Z? This cannot be undone',
    ]);
    expect(await cli.snapshot()).toEqual(before);
  });

  it('deletes only entries older than the cut-off, records the prune, and leaves the guard armed', async () => {
    cli.clock.set('2030-01-01T00:00:00.000Z');
    // Entries made by crm are stamped by its clock on SQLite, by the server's on PostgreSQL:
    // the cut-off is the later entry's own time, a few milliseconds after the seed's.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await cli.run(['product', 'add', 'Later'], { env: { CRM_OWNER: 'alice' } });
    const cutOff = (await auditRows()).at(-1)!.created_at;
    if (backend === 'sqlite') expect(cutOff).toBe('2030-01-01T00:00:00.000Z');
    const result = await cli.run(['db', 'prune-audit', '--before', cutOff, '--yes', '--json'], {
      env: { CRM_OWNER: 'ops' },
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ before: cutOff, deleted: 4 });
    expect(result.stderr).toBe(`✓ pruned 4 audit entries recorded before ${cutOff}\n`);
    expect((await auditRows()).map((row) => [row.table_name, row.action, row.actor, row.new?.deleted])).toEqual([
      ['products', 'insert', cli.actorFor('alice'), undefined],
      ['audit_log', 'prune', cli.actorFor('ops'), 4],
    ]);
    // The guard stays armed: SQLite's trigger refuses; on PostgreSQL a member may not even try.
    await expect(cli.sql(`DELETE FROM audit_log`)).rejects.toThrow(backend === 'sqlite' ? /append-only/ : /permission denied/);
  });

  it('accepts a duration meaning that long ago', async () => {
    const result = await cli.run(['db', 'prune-audit', '--before', '90d', '--yes']);
    expect(result).toMatchObject({
      code: 0,
      stderr: 'no audit entries recorded before 2026-08-27T10:00:00.000Z; nothing to prune\n',
    });
  });

  it('refuses a cut-off in the future (it would empty the log) with exit 2, deleting nothing', async () => {
    // The seed's entries carry the real time; the cut-offs below are after them but after "now" too.
    cli.clock.set('2999-06-01T12:00:00.000Z');
    await expectRefused(cli, ['db', 'prune-audit', '--before', 'tomorrow', '--yes'], {
      code: 2,
      stderr: `error: the cut-off "tomorrow" (2999-06-02T00:00:00.000Z) is in the future; give a past date or a duration ago, like 2026-01-01 or 90d\n`,
    });
    await expectRefused(cli, ['db', 'prune-audit', '--before', '2999-06-01T12:00:00.001Z', '--yes'], {
      code: 2,
      stderr: 'error: the cut-off 2999-06-01T12:00:00.001Z is in the future; give a past date or a duration ago, like 2026-01-01 or 90d\n',
    });
    const today = await cli.run(['db', 'prune-audit', '--before', 'today', '--yes']);
    expect(today.code).toBe(0);
  });

  it('refuses a malformed date with exit 2 and a missing --before as a usage error', async () => {
    const before = await cli.snapshot();
    const bad = await cli.run(['db', 'prune-audit', '--before', 'someday', '--yes']);
    expect(bad).toMatchObject({
      code: 2,
      stderr: 'error: invalid date "someday": use YYYY-MM-DD, an ISO date-time, today, or a duration ago like 90d, 6m, 1y\n',
    });
    const missing = await cli.run(['db', 'prune-audit', '--yes']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--before <date>' not specified");
    expect(await cli.snapshot()).toEqual(before);
  });

  if (backend === 'postgres') {
    it('refuses a member who is no manager in one line, deleting nothing', async () => {
      const member = await cli.otherMember('bob');
      cli.clock.set('3000-01-01T00:00:00.000Z');
      const before = await cli.snapshot();
      const result = await member.run(['db', 'prune-audit', '--before', '2999-01-01', '--yes']);
      expect(result).toMatchObject({ code: 1, stdout: '', stderr: 'error: the server refused: only a manager can prune the audit log\n' });
      expect(await cli.snapshot()).toEqual(before);
    });
  }
});

describe('summary mode for bulk writers', () => {
  it('records one entry for the whole batch, with the actor, instead of one per row', () => {
    cli.db.identifyWriter({ actor: 'importer', clock: cli.clock });
    const inserted = writeWithAuditSummary(
      cli.db,
      () => {
        const insert = cli.db.sqlite.prepare(`INSERT INTO customers (name) VALUES (?)`);
        for (let i = 0; i < 50; i++) insert.run(`Customer ${i}`);
        return 50;
      },
      (count) => ({ table_name: 'customers', action: 'import', details: { file: 'leads.csv', inserted: count } }),
    );
    expect(inserted).toBe(50);
    expect(cli.db.sqlite.prepare('SELECT count(*) AS n FROM customers').get()).toEqual({ n: 50 });
    expect(auditRows()).toEqual([
      {
        id: 1,
        table_name: 'customers',
        record_id: null,
        action: 'import',
        old: null,
        new: { file: 'leads.csv', inserted: 50 },
        actor: 'importer',
        created_at: '2026-11-25T10:00:00.000Z',
        // The summary belongs to the write's change set like any entry (crm undo --list).
        change_set: 1,
      },
    ]);
  });

  it('rolls the summary back with the data when the batch fails', () => {
    const before = cli.snapshot();
    expect(() =>
      writeWithAuditSummary(
        cli.db,
        () => {
          cli.db.sqlite.prepare(`INSERT INTO customers (name) VALUES ('kept?')`).run();
          throw new Error('row 2 is invalid');
        },
        () => ({ table_name: 'customers', action: 'import', details: {} }),
      ),
    ).toThrow('row 2 is invalid');
    expect(cli.snapshot()).toEqual(before);
  });

  it('goes back to one entry per row after the batch', async () => {
    writeWithAuditSummary(
      cli.db,
      () => cli.db.sqlite.exec(`INSERT INTO customers (name) VALUES ('batch')`),
      () => ({ table_name: 'customers', action: 'import', details: { inserted: 1 } }),
    );
    const services = new Services(cli.store, cli.clock);
    await services.customers.add({ name: 'Single' });
    expect(auditRows().map((row) => row.action)).toEqual(['import', 'insert']);
  });
});

describe('a file made before the audit log existed', () => {
  it('gains the audit log when opened, keeps its data, and audits from then on', () => {
    const dir = tempDir();
    const file = path.join(dir, 'old.db');
    try {
      // A file made by the program as it was before migration 0002 (the audit log): only the
      // first two migrations. (Winding a current file back cannot undo a later ADD COLUMN.)
      const later = knownMigrations();
      const oldFolder = path.join(dir, 'old-drizzle');
      fs.mkdirSync(path.join(oldFolder, 'meta'), { recursive: true });
      const journal = JSON.parse(fs.readFileSync(path.join(later.folder, 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
      journal.entries = journal.entries.slice(0, 2);
      fs.writeFileSync(path.join(oldFolder, 'meta', '_journal.json'), JSON.stringify(journal));
      for (const { tag } of journal.entries) fs.copyFileSync(path.join(later.folder, `${tag}.sql`), path.join(oldFolder, `${tag}.sql`));
      const made = openDatabase(file, { migrationsFolder: oldFolder });
      made.sqlite.exec(`INSERT INTO customers (id, name) VALUES ('c1', 'Before the audit log');`);
      expect(made.sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get()).toEqual({ n: 2 });
      made.close();

      const reopened = openDatabase(file);
      try {
        expect(reopened.appliedMigrations).toEqual(later.tags.slice(2));
        expect(later.tags.slice(2, 4)).toEqual(['0002_audit_log', '0003_audit_triggers']);
        reopened.sqlite.exec(`UPDATE customers SET owner = 'bob' WHERE id = 'c1'`);
        expect(
          reopened.sqlite.prepare('SELECT table_name, record_id, action FROM audit_log').all(),
        ).toEqual([{ table_name: 'customers', record_id: 'c1', action: 'update' }]);
      } finally {
        reopened.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
