import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { foldCase, openDatabase } from '../src/db/connection.js';
import { Services } from '../src/services/index.js';
import { collect, FIXED_NOW, sqliteStoreOf, tempDir, TestCli } from './helpers.js';

/**
 * customer_activity and customer_name_folds (drizzle/0009_query_indexes.sql): kept right by
 * triggers for every writer, checked by `db check`, and what the reads answer from.
 */
let cli: TestCli;
let services: Services;
beforeEach(() => {
  cli = new TestCli();
  services = new Services(cli.store, cli.clock);
});
afterEach(() => cli.close());

type Activity = { customer_id: string; last_interaction_id: string; last_interaction_at: string; follow_up_date: string | null };

function activity(): Activity[] {
  return cli.db.sqlite
    .prepare('SELECT customer_id, last_interaction_id, last_interaction_at, follow_up_date FROM customer_activity ORDER BY customer_id')
    .all() as Activity[];
}

/** Each row's copy of its customer's archived flag and owner (drizzle/0015). */
function carried(): Array<{ customer_id: string; is_archived: number; owner: string | null }> {
  return cli.db.sqlite.prepare('SELECT customer_id, is_archived, owner FROM customer_activity ORDER BY customer_id').all() as Array<{
    customer_id: string;
    is_archived: number;
    owner: string | null;
  }>;
}

function folds(): Array<{ customer_id: string; name_fold: string | null }> {
  return cli.db.sqlite.prepare('SELECT customer_id, name_fold FROM customer_name_folds ORDER BY customer_id').all() as Array<{
    customer_id: string;
    name_fold: string | null;
  }>;
}

async function check(): Promise<Record<string, { ok: boolean; detail: string }>> {
  const result = await cli.run(['db', 'check', '--json']);
  const report = JSON.parse(result.stdout) as { checks: Array<{ name: string; ok: boolean; detail: string }> };
  return Object.fromEntries(report.checks.map(({ name, ok, detail }) => [name, { ok, detail }]));
}

const sql = (text: string) => cli.db.sqlite.exec(text);

describe('customer_activity', () => {
  beforeEach(() => {
    sql(`INSERT INTO customers (id, name) VALUES ('c1', 'Ada'), ('c2', 'Bob');`);
  });

  it("follows each customer's latest interaction and its follow-up, for writes from the plain shell", () => {
    sql(`INSERT INTO customer_interactions (id, customer_id, type, channel, note, follow_up_date, created_at) VALUES
      ('i1', 'c1', 'Call', 'phone', 'one', '2026-12-01T09:00:00.000Z', '2026-11-01T00:00:00.000Z')`);
    expect(activity()).toEqual([
      { customer_id: 'c1', last_interaction_id: 'i1', last_interaction_at: '2026-11-01T00:00:00.000Z', follow_up_date: '2026-12-01T09:00:00.000Z' },
    ]);
    // An older interaction logged late changes nothing; a newer one settles the follow-up.
    sql(`INSERT INTO customer_interactions (id, customer_id, type, channel, note, created_at) VALUES
      ('i0', 'c1', 'Call', 'phone', 'zero', '2026-10-01T00:00:00.000Z')`);
    expect(activity()[0]!.last_interaction_id).toBe('i1');
    sql(`INSERT INTO customer_interactions (id, customer_id, type, channel, note, created_at) VALUES
      ('i2', 'c1', 'Mail', 'email', 'two', '2026-11-02T00:00:00.000Z')`);
    expect(activity()).toEqual([
      { customer_id: 'c1', last_interaction_id: 'i2', last_interaction_at: '2026-11-02T00:00:00.000Z', follow_up_date: null },
    ]);
    // The shell can neither delete an interaction nor replace one (0007), so the row stays right.
    expect(() => sql(`DELETE FROM customer_interactions WHERE id = 'i2'`)).toThrow(/immutable/);
    expect(() =>
      sql(`INSERT OR REPLACE INTO customer_interactions (id, customer_id, type, channel, note, created_at) VALUES
        ('i2', 'c1', 'Call', 'phone', 'two again', '2026-09-01T00:00:00.000Z')`),
    ).toThrow();
    expect(activity()[0]).toMatchObject({ last_interaction_id: 'i2', follow_up_date: null });
  });

  it("moves with a customer's new id and goes with a deleted customer, foreign keys on or off", async () => {
    sql(`INSERT INTO customer_interactions (id, customer_id, type, channel, note, follow_up_date) VALUES
      ('i1', 'c1', 'Call', 'phone', 'one', '2026-12-01T09:00:00.000Z'), ('i2', 'c2', 'Call', 'phone', 'two', NULL)`);
    sql(`UPDATE customers SET id = 'c9' WHERE id = 'c1'`);
    expect(activity().map((row) => [row.customer_id, row.last_interaction_id])).toEqual([['c2', 'i2'], ['c9', 'i1']]);
    cli.db.sqlite.pragma('foreign_keys = OFF');
    sql(`UPDATE customers SET id = 'c8' WHERE id = 'c9'`);
    sql(`DELETE FROM customers WHERE id = 'c2'`);
    cli.db.sqlite.pragma('foreign_keys = ON');
    expect(activity().map((row) => [row.customer_id, row.last_interaction_id])).toEqual([['c8', 'i1']]);
    await services.customers.delete('c8');
    expect(activity()).toEqual([]);
  });

  it('is what followups report: the latest interaction of each customer, not an earlier one', async () => {
    cli.clock.set('2026-11-20T10:00:00.000Z');
    await services.interactions.log({ customer: 'c1', type: 'Call', channel: 'phone', note: 'settled', followUp: '2026-11-22' });
    cli.clock.set('2026-11-21T10:00:00.000Z');
    await services.interactions.log({ customer: 'c1', type: 'Call', channel: 'phone', note: 'pending', followUp: '2026-11-24' });
    await services.interactions.log({ customer: 'c2', type: 'Call', channel: 'phone', note: 'none' });
    cli.clock.set(FIXED_NOW);
    const rows = await cli.json(['followups']);
    expect(rows.map((row: { note: string; overdue: boolean }) => [row.note, row.overdue])).toEqual([['pending', true]]);
  });

  it("carries its customer's archived flag and owner through archive, restore, a new owner and a new id, from the plain shell", async () => {
    sql(`INSERT INTO customer_interactions (id, customer_id, type, channel, note, follow_up_date) VALUES
      ('i1', 'c1', 'Call', 'phone', 'one', '2026-12-01'), ('i2', 'c2', 'Call', 'phone', 'two', '2026-12-02')`);
    sql(`UPDATE customers SET owner = 'Grace' WHERE id = 'c1'`);
    expect(carried()).toEqual([
      { customer_id: 'c1', is_archived: 0, owner: 'Grace' },
      { customer_id: 'c2', is_archived: 0, owner: null },
    ]);
    sql(`UPDATE customers SET is_archived = 1 WHERE id = 'c2'`);
    expect(carried()[1]).toEqual({ customer_id: 'c2', is_archived: 1, owner: null });
    // An interaction logged for an archived customer keeps the flag.
    sql(`INSERT INTO customer_interactions (id, customer_id, type, channel, note, follow_up_date) VALUES ('i3', 'c2', 'Call', 'phone', 'three', '2026-12-03')`);
    expect(carried()[1]).toEqual({ customer_id: 'c2', is_archived: 1, owner: null });
    sql(`UPDATE customers SET is_archived = 0, owner = 'ada' WHERE id = 'c2'`);
    sql(`UPDATE customers SET id = 'c9', is_archived = 1 WHERE id = 'c1'`);
    expect(carried()).toEqual([
      { customer_id: 'c2', is_archived: 0, owner: 'ada' },
      { customer_id: 'c9', is_archived: 1, owner: 'Grace' },
    ]);
    await services.customers.setArchived(['c9'], false);
    expect(carried()[1]).toEqual({ customer_id: 'c9', is_archived: 0, owner: 'Grace' });
    expect((await check()).customer_activity).toEqual({ ok: true, detail: 'matches the interactions and customers' });
  });

  it('db check reports a row that no longer matches the interactions or its customer, in one line', async () => {
    sql(`INSERT INTO customers (id, name) VALUES ('c3', 'Cy');
      INSERT INTO customer_interactions (id, customer_id, type, channel, note) VALUES ('i1', 'c1', 'Call', 'phone', 'one'), ('i3', 'c3', 'Call', 'phone', 'three')`);
    expect((await check()).customer_activity).toEqual({ ok: true, detail: 'matches the interactions and customers' });
    sql(`UPDATE customer_activity SET follow_up_date = '2030-01-01' WHERE customer_id = 'c1';
      UPDATE customer_activity SET is_archived = 1 WHERE customer_id = 'c3';
      INSERT INTO customer_activity (customer_id, last_interaction_id, last_interaction_at, follow_up_date) VALUES ('c2', 'gone', '2026-01-01', NULL)`);
    const result = await cli.run(['db', 'check']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^FAIL +customer_activity +3 customer\(s\) whose latest interaction, pending follow-up, archived flag or owner is recorded wrong: c1; c2; c3$/m,
    );
    sql(`UPDATE customer_activity SET is_archived = 0, owner = 'nobody' WHERE customer_id = 'c3'`);
    expect((await check()).customer_activity?.detail).toMatch(/: c1; c2; c3$/);
  });
});

type CountRow = { status: string; product_id: string | null; owner: string | null; is_archived: number; n: number };

const COUNT_KEY = 'is_archived, status, product_id, owner';

/** customer_counts as stored, and as a recount of the customers says it should be. */
function counts(): { stored: CountRow[]; recounted: CountRow[] } {
  return {
    stored: cli.db.sqlite.prepare(`SELECT status, product_id, owner, is_archived, n FROM customer_counts ORDER BY ${COUNT_KEY}`).all() as CountRow[],
    recounted: cli.db.sqlite
      .prepare(`SELECT status, product_id, owner, is_archived, count(*) AS n FROM customers GROUP BY ${COUNT_KEY} ORDER BY ${COUNT_KEY}`)
      .all() as CountRow[],
  };
}

function expectCountsRight(): CountRow[] {
  const { stored, recounted } = counts();
  expect(stored).toEqual(recounted);
  return stored;
}

describe('customer_counts', () => {
  beforeEach(() => {
    sql(`INSERT INTO products (id, name) VALUES ('p1', 'Audit'), ('p2', 'Payroll');
      INSERT INTO customers (id, name, status, product_id, owner) VALUES
        ('c1', 'Ada', 'lead', 'p1', 'Grace'), ('c2', 'Bob', 'lead', 'p1', 'Grace'), ('c3', 'Cy', 'lead', NULL, NULL),
        ('c4', 'Di', 'qualified', 'p2', ''), ('c5', 'Ed', 'qualified', NULL, '0');`);
  });

  it('counts customers per status, product, owner and archived flag, NULL kept apart from every text', () => {
    expect(expectCountsRight()).toEqual([
      { is_archived: 0, status: 'lead', product_id: null, owner: null, n: 1 },
      { is_archived: 0, status: 'lead', product_id: 'p1', owner: 'Grace', n: 2 },
      { is_archived: 0, status: 'qualified', product_id: null, owner: '0', n: 1 },
      { is_archived: 0, status: 'qualified', product_id: 'p2', owner: '', n: 1 },
    ]);
  });

  it('follows every write of the plain shell, foreign keys on or off, and leaves no empty group', () => {
    sql(`UPDATE customers SET status = 'proposal' WHERE id = 'c1';
      UPDATE customers SET owner = NULL WHERE id = 'c2';
      UPDATE customers SET product_id = 'p2', owner = 'Grace' WHERE id = 'c3';
      UPDATE customers SET is_archived = 1 WHERE id = 'c4';
      UPDATE customers SET id = 'c9', name = 'Ed E' WHERE id = 'c5';`);
    expectCountsRight();
    sql(`DELETE FROM products WHERE id = 'p1'`);
    sql(`DELETE FROM customers WHERE id = 'c9'`);
    expectCountsRight();
    cli.db.sqlite.pragma('foreign_keys = OFF');
    sql(`DELETE FROM products WHERE id = 'p2'`);
    sql(`DELETE FROM customers WHERE id = 'c2'`);
    sql(`INSERT INTO customers (id, name, status, owner) VALUES ('c6', 'Fay', 'negotiation', 'grace')`);
    cli.db.sqlite.pragma('foreign_keys = ON');
    expect(expectCountsRight().every((row) => row.n > 0)).toBe(true);
    sql(`DELETE FROM customers`);
    expect(counts().stored).toEqual([]);
  });

  it('stays right through crm itself, and is what pipeline and the list total report', async () => {
    const fay = await services.customers.add({ name: 'Fay', status: 'proposal', product: 'Audit', owner: 'GRACE' });
    await services.customers.edit(fay.id, { owner: 'grace', product: 'Payroll' });
    await services.customers.move(fay.id, 'closed_won');
    await services.customers.setArchived(['c1', 'c3'], true);
    await services.customers.delete('c4');
    expectCountsRight();
    const pipeline = await cli.json(['pipeline', '--owner', 'grace']);
    const byStatus = Object.fromEntries(pipeline.stages.map((stage: { status: string; count: number }) => [stage.status, stage.count]));
    expect(byStatus).toMatchObject({ lead: 1, closed_won: 1, qualified: 0 });
    const listed = await cli.run(['customer', 'list', '--owner', 'GRACE', '--include-archived', '-n', '1']);
    expect(listed.stderr).toMatch(/of 3\b/);
  });

  it('is not audited and leaves the customers untouched', () => {
    const before = cli.db.sqlite.prepare('SELECT count(*) FROM audit_log').pluck().get();
    const updatedAt = cli.db.sqlite.prepare(`SELECT updated_at FROM customers WHERE id = 'c3'`).pluck().get();
    sql(`UPDATE customer_counts SET n = n`);
    expect(cli.db.sqlite.prepare('SELECT count(*) FROM audit_log').pluck().get()).toBe(before);
    expect(cli.db.sqlite.prepare(`SELECT updated_at FROM customers WHERE id = 'c3'`).pluck().get()).toBe(updatedAt);
    expect(cli.db.sqlite.prepare(`SELECT count(*) FROM audit_log WHERE table_name = 'customer_counts'`).pluck().get()).toBe(0);
  });

  it('db check reports a count that no longer matches the customers, in one line', async () => {
    expect((await check()).customer_counts).toEqual({ ok: true, detail: 'matches the customers' });
    sql(`UPDATE customer_counts SET n = 5 WHERE status = 'lead' AND product_id = 'p1';
      DELETE FROM customer_counts WHERE owner = '';`);
    const result = await cli.run(['db', 'check']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^FAIL +customer_counts +2 group\(s\) counted wrong: active lead, product p1, owner Grace: 5 counted, 2 customers; active qualified, product p2, owner "": 0 counted, 1 customers$/m,
    );
  });
});

describe('customer_name_folds', () => {
  it('holds the Unicode fold of every name crm writes, and a name written elsewhere is found before crm folds it', async () => {
    const ada = await services.customers.add({ name: 'ZOË Straße' });
    expect(folds()).toEqual([{ customer_id: ada.id, name_fold: foldCase('ZOË Straße') }]);
    expect((await services.customers.resolve('zoë strasse')).id).toBe(ada.id);

    // A rename from the plain shell: no fold until crm writes again, found by its new name meanwhile.
    sql(`UPDATE customers SET name = 'Ørjan Åberg' WHERE id = '${ada.id}'`);
    expect(folds()).toEqual([{ customer_id: ada.id, name_fold: null }]);
    expect((await services.customers.resolve('ØRJAN åberg')).id).toBe(ada.id);
    await expect(services.customers.resolve('zoë strasse')).rejects.toThrow(/no customer matches/);
    expect((await check()).customer_name_folds).toEqual({ ok: true, detail: "matches the names; 1 name(s) not folded yet (crm's next write folds them)" });

    await services.customers.add({ name: 'Someone Else' });
    expect(folds().find((row) => row.customer_id === ada.id)!.name_fold).toBe(foldCase('Ørjan Åberg'));
    expect((await check()).customer_name_folds).toEqual({ ok: true, detail: 'matches the names' });
  });

  it('db check reports a fold that is wrong or missing', async () => {
    const ada = await services.customers.add({ name: 'Ada' });
    sql(`UPDATE customer_name_folds SET name_fold = 'bob' WHERE customer_id = '${ada.id}'`);
    const result = await cli.run(['db', 'check']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^FAIL +customer_name_folds +1 customer\\(s\\) whose folded name is missing or wrong: ${ada.id}$`, 'm'));
  });

  it('is filled for customers an import adds, so they are found by name at once', async () => {
    const dir = tempDir();
    try {
      const csv = path.join(dir, 'customers.csv');
      fs.writeFileSync(csv, 'name,email\nÉlodie Dubois,elodie@example.com\nSøren Kierkegaard,\n');
      const imported = await cli.run(['import', 'customers', csv]);
      expect(imported.code, imported.stderr).toBe(0);
      expect(folds().map((row) => row.name_fold).sort()).toEqual(['søren kierkegaard', 'élodie dubois']);
      expect((await services.customers.resolve('ÉLODIE DUBOIS')).email).toBe('elodie@example.com');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('refs by id prefix', () => {
  it('find an id by a prefix in either case, and take % and _ literally', async () => {
    sql(`INSERT INTO customers (id, name) VALUES ('abcd1234-0000-4000-8000-000000000001', 'Ada'), ('ABCE1234-0000-4000-8000-000000000002', 'Bob'), ('ab%d0000', 'Cy')`);
    expect((await services.customers.resolve('ABCD12')).name).toBe('Ada');
    expect((await services.customers.resolve('abce12')).name).toBe('Bob');
    expect((await services.customers.resolve('ab%d')).name).toBe('Cy');
    await expect(services.customers.resolve('ab_d')).rejects.toThrow(/no customer matches/);
  });
});

describe('customer search pages', () => {
  beforeEach(async () => {
    for (const name of ['Smith A', 'Smith B', 'Smith C', 'Smithson', 'Jones']) await services.customers.add({ name });
  });

  it('shows a page at a time in name order, with a footer saying more match', async () => {
    const first = await cli.run(['customer', 'search', 'smith', '--limit', '2']);
    expect(first.stdout.split('\n').slice(1, -1).map((line) => line.split('\t')[1])).toEqual(['Smith A', 'Smith B']);
    expect(first.stderr).toBe('showing 1–2; more match: --page 2 for the next, --all for everything\n');
    const last = await cli.run(['customer', 'search', 'smith', '--limit', '2', '--page', '2']);
    expect(last.stdout.split('\n').slice(1, -1).map((line) => line.split('\t')[1])).toEqual(['Smith C', 'Smithson']);
    expect(last.stderr).toBe('showing 3–4\n');
    const past = await cli.run(['customer', 'search', 'smith', '--limit', '2', '--page', '4']);
    expect(past.stderr).toBe('page 4 is past the end: no more customers contain "smith"\n');
    expect((await cli.json(['customer', 'search', 'smith', '--all'])).length).toBe(4);
  });

  it('shows 20 by default', async () => {
    for (let n = 0; n < 20; n++) await services.customers.add({ name: `Smith ${String(n).padStart(2, '0')}` });
    const result = await cli.run(['customer', 'search', 'smith']);
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(21);
    expect(result.stderr).toBe('showing 1–20; more match: --page 2 for the next, --all for everything\n');
  });
});

describe('followups output', () => {
  it('prints JSON, CSV and TSV row by row exactly as a whole list would be printed', async () => {
    sql(`INSERT INTO customers (id, name, email) VALUES ('c1', 'Ada', 'ada@example.com'), ('c2', 'Bob "B"', NULL)`);
    sql(`INSERT INTO customer_interactions (id, customer_id, type, channel, note, follow_up_date, created_at) VALUES
      ('i1', 'c1', 'Call', 'phone', 'line one\nline, two', '2026-11-24T09:00:00.000Z', '2026-11-01T00:00:00.000Z'),
      ('i2', 'c2', 'Mail', 'email', 'tab\there', '2026-11-30T09:00:00.000Z', '2026-11-02T00:00:00.000Z')`);
    const json = await cli.run(['followups', '--json']);
    const parsed = JSON.parse(json.stdout) as unknown[];
    expect(json.stdout).toBe(`${JSON.stringify(parsed, null, 2)}\n`);
    expect(parsed).toHaveLength(2);
    const csv = await cli.run(['followups', '--format', 'csv']);
    expect(csv.stdout).toBe(
      'follow_up_date,customer_name,phone,email,note\n2026-11-24T09:00:00.000Z,Ada,,ada@example.com,"line one\nline, two"\n2026-11-30T09:00:00.000Z,"Bob ""B""",,,tab\there\n',
    );
    const tsv = await cli.run(['followups']);
    expect(tsv.stdout).toBe(
      'follow_up_date\tcustomer_name\tphone\temail\tnote\n2026-11-24T09:00:00.000Z\tAda\t\tada@example.com\tline one\\nline, two\n2026-11-30T09:00:00.000Z\tBob "B"\t\t\ttab\\there\n',
    );
  });
});

describe('followups read lazily', () => {
  it('leaves no statement open when the result is dropped unread, so the next query runs', async () => {
    sql(`INSERT INTO customers (id, name) VALUES ('c1', 'Ada')`);
    sql(`INSERT INTO customer_interactions (id, customer_id, type, channel, note, follow_up_date, created_at) VALUES
      ('i1', 'c1', 'Call', 'phone', 'one', '2026-11-24T09:00:00.000Z', '2026-11-01T00:00:00.000Z')`);
    const unread = services.reports.followups({});
    await unread.return?.(undefined);
    expect((await services.customers.list({})).total).toBe(1);
    expect((await collect(services.reports.followups({}))).map((row) => row.customer_name)).toEqual(['Ada']);
  });

  it('leaves no statement open when the reader stops after the first row or fails on one', async () => {
    sql(`INSERT INTO customers (id, name) VALUES ('c1', 'Ada'), ('c2', 'Bob'), ('c3', 'Cy')`);
    sql(`INSERT INTO customer_interactions (id, customer_id, type, channel, note, follow_up_date, created_at) VALUES
      ('i1', 'c1', 'Call', 'phone', 'one', '2026-11-24T09:00:00.000Z', '2026-11-01T00:00:00.000Z'),
      ('i2', 'c2', 'Call', 'phone', 'two', '2026-11-25T09:00:00.000Z', '2026-11-01T00:00:00.000Z'),
      ('i3', 'c3', 'Call', 'phone', 'three', '2026-11-26T09:00:00.000Z', '2026-11-01T00:00:00.000Z')`);
    for await (const row of services.reports.followups({})) {
      expect(row.customer_name).toBe('Ada');
      break;
    }
    expect((await services.customers.list({})).total).toBe(3);
    await expect(
      (async () => {
        for await (const _row of services.reports.followups({})) throw new Error('the reader went away');
      })(),
    ).rejects.toThrow('the reader went away');
    await services.customers.add({ name: 'Dee' });
    expect((await collect(services.reports.followups({}))).map((row) => row.customer_name)).toEqual(['Ada', 'Bob', 'Cy']);
  });
});

describe('archive --to', () => {
  it('leaves customer_counts right in both files after archived customers move', async () => {
    const dir = tempDir('crm-archive-');
    try {
      const mainPath = path.join(dir, 'crm.db');
      const archivePath = path.join(dir, 'archive.db');
      const main = new TestCli(mainPath);
      const mainServices = new Services(main.store, main.clock);
      const moving = [];
      for (const name of ['Ada', 'Bob']) moving.push(await mainServices.customers.add({ name, status: 'closed_lost', owner: 'Grace' }));
      await mainServices.customers.add({ name: 'Cy', status: 'closed_lost', owner: 'Grace' });
      await mainServices.customers.setArchived(moving.map((customer) => customer.id), true);
      const moved = await main.run(['archive', '--to', archivePath, '--json']);
      expect(moved.code, moved.stderr).toBe(0);
      const countsOf = (db: { sqlite: import('better-sqlite3').Database }) =>
        db.sqlite.prepare('SELECT is_archived, status, owner, n FROM customer_counts ORDER BY is_archived').all();
      expect(countsOf(main.db)).toEqual([{ is_archived: 0, status: 'closed_lost', owner: 'Grace', n: 1 }]);
      const archive = openDatabase(archivePath);
      expect(countsOf(archive)).toEqual([{ is_archived: 1, status: 'closed_lost', owner: 'Grace', n: 2 }]);
      for (const db of [main.db, archive]) {
        expect((await new Services(sqliteStoreOf(db), main.clock).database.check()).checks.find((c) => c.name === 'customer_counts')?.ok).toBe(true);
      }
      archive.close();
      main.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves customer_activity right in both files after interactions move', async () => {
    const dir = tempDir('crm-archive-');
    try {
      const mainPath = path.join(dir, 'crm.db');
      const archivePath = path.join(dir, 'archive.db');
      const main = new TestCli(mainPath);
      const mainServices = new Services(main.store, main.clock);
      const ada = await mainServices.customers.add({ name: 'Ada' });
      main.clock.set('2024-01-01T00:00:00.000Z');
      await mainServices.interactions.log({ customer: ada.id, type: 'Call', channel: 'phone', note: 'old' });
      main.clock.set(FIXED_NOW);
      await mainServices.interactions.log({ customer: ada.id, type: 'Call', channel: 'phone', note: 'new', followUp: '2026-12-01' });
      const moved = await main.run(['archive', '--to', archivePath, '--interactions-older-than', '1y', '--json']);
      expect(moved.code, moved.stderr).toBe(0);
      for (const file of [mainPath, archivePath]) {
        const db = file === mainPath ? main.db : openDatabase(file);
        const result = await new Services(sqliteStoreOf(db), main.clock).database.check();
        expect(result.checks.filter((c) => c.name === 'customer_activity' || c.name === 'customer_name_folds').every((c) => c.ok)).toBe(true);
        if (db !== main.db) db.close();
      }
      expect((await main.json(['followups'])).map((row: { note: string }) => row.note)).toEqual(['new']);
      main.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
