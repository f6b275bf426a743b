import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/connection.js';
import { Services } from '../src/services/index.js';
import { describeBackends, type BackendCli } from './backends.js';
import { sqliteStoreOf, tempDir, TestClock } from './helpers.js';
import { createTeams, SERVER_START_TIMEOUT_MS, sqlState, type Teams } from './pg/helpers.js';

/**
 * The rules of companies, deal values and settings hold for every writer: raw SQL through
 * better-sqlite3 and the plain sqlite3 shell (foreign keys on and off) on a file crm created,
 * and psql-style SQL as members of a team on PostgreSQL.
 */
interface RawSql {
  exec(sql: string): void;
  all<Row = Record<string, unknown>>(sql: string): Row[];
  close(): void;
}

function betterSqlite(file: string): RawSql {
  const sqlite = new Database(file);
  sqlite.pragma('foreign_keys = ON');
  return {
    exec: (sql) => void sqlite.exec(sql),
    all: <Row>(sql: string) => sqlite.prepare(sql).all() as Row[],
    close: () => sqlite.close(),
  };
}

function shell(file: string, foreignKeys: 'ON' | 'OFF'): RawSql {
  const run = (sql: string, mode: string[] = []) => {
    const result = spawnSync('sqlite3', ['-bail', ...mode, '-cmd', `PRAGMA foreign_keys = ${foreignKeys}`, file], { input: sql, encoding: 'utf8' });
    if (result.error) throw new Error(`the sqlite3 shell is needed for these tests: ${result.error.message}`);
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

describe.each([
  ['better-sqlite3', betterSqlite],
  ['the sqlite3 shell with foreign keys on', (file: string) => shell(file, 'ON')],
  ['the sqlite3 shell as installed (foreign keys off)', (file: string) => shell(file, 'OFF')],
])('companies and deal values in the file itself, written through %s', (_route, connect) => {
  let dir: string;
  let file: string;
  let raw: RawSql;
  beforeEach(() => {
    dir = tempDir();
    file = path.join(dir, 'crm.db');
    openDatabase(file).close();
    raw = connect(file);
  });
  afterEach(() => {
    raw.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const one = <Row = Record<string, unknown>>(sql: string) => raw.all<Row>(sql)[0]!;

  it('refuses a currency that is no ISO code, a negative or fractional value, and a value without its currency', () => {
    raw.exec(`INSERT INTO customers (id, name) VALUES ('c1', 'Ada')`);
    expect(() => raw.exec(`UPDATE customers SET deal_value_minor = 100, deal_currency = 'eur' WHERE id = 'c1'`)).toThrow(/customers_deal_currency_valid/);
    expect(() => raw.exec(`UPDATE customers SET deal_value_minor = 100, deal_currency = 'EURO' WHERE id = 'c1'`)).toThrow(/customers_deal_currency_valid/);
    expect(() => raw.exec(`UPDATE customers SET deal_value_minor = -1, deal_currency = 'EUR' WHERE id = 'c1'`)).toThrow(/customers_deal_value_valid/);
    expect(() => raw.exec(`UPDATE customers SET deal_value_minor = 12.5, deal_currency = 'EUR' WHERE id = 'c1'`)).toThrow(/customers_deal_value_valid/);
    expect(() => raw.exec(`UPDATE customers SET deal_value_minor = 100 WHERE id = 'c1'`)).toThrow(/customers_deal_currency_valid/);
    expect(() => raw.exec(`INSERT INTO customers (name, deal_currency) VALUES ('Bob', 'EUR')`)).toThrow(/customers_deal_currency_valid/);
    raw.exec(`UPDATE customers SET deal_value_minor = 1200000, deal_currency = 'EUR' WHERE id = 'c1'`);
    expect(one(`SELECT deal_value_minor, deal_currency FROM customers`)).toEqual({ deal_value_minor: 1_200_000, deal_currency: 'EUR' });
  });

  it('refuses a company that does not exist, a second one with the same name, a blank name and REPLACE', () => {
    raw.exec(`INSERT INTO companies (id, name) VALUES ('co1', 'Acme')`);
    expect(() => raw.exec(`INSERT INTO customers (name, company_id) VALUES ('Ada', 'nope')`)).toThrow(/FOREIGN KEY constraint failed/);
    expect(() => raw.exec(`INSERT INTO companies (name) VALUES ('ACME')`)).toThrow(/companies_name_unique_idx/);
    expect(() => raw.exec(`INSERT INTO companies (name) VALUES ('  ')`)).toThrow(/companies_name_not_blank/);
    expect(() => raw.exec(`INSERT OR REPLACE INTO companies (id, name) VALUES ('co1', 'Acme 2')`)).toThrow(/UNIQUE constraint failed: companies.id/);
    expect(() => raw.exec(`INSERT INTO companies (name, created_at) VALUES ('Late', '2026-01-01 10:00')`)).toThrow(/timestamps are stored in UTC/);
    raw.exec(`INSERT INTO customers (id, name) VALUES ('c1', 'Ada')`);
    expect(() => raw.exec(`UPDATE customers SET closed_at = 'yesterday' WHERE id = 'c1'`)).toThrow(/timestamps are stored in UTC/);
  });

  it('deleting a company leaves its customers with none; a changed id follows into them; both are audited', () => {
    raw.exec(`INSERT INTO companies (id, name) VALUES ('co1', 'Acme')`);
    raw.exec(`INSERT INTO customers (id, name, company_id) VALUES ('c1', 'Ada', 'co1'), ('c2', 'Bob', 'co1')`);
    raw.exec(`UPDATE companies SET id = 'co2' WHERE id = 'co1'`);
    expect(raw.all(`SELECT company_id FROM customers ORDER BY id`)).toEqual([{ company_id: 'co2' }, { company_id: 'co2' }]);
    raw.exec(`DELETE FROM companies WHERE id = 'co2'`);
    expect(raw.all(`SELECT id, company_id FROM customers ORDER BY id`)).toEqual([
      { id: 'c1', company_id: null },
      { id: 'c2', company_id: null },
    ]);
    // By table and record: with foreign keys on, the key's SET NULL runs before the delete's
    // own triggers; with them off, the unlinking trigger runs among them.
    const entries = raw.all<{ table_name: string; record_id: string; action: string }>(
      `SELECT table_name, record_id, action FROM audit_log WHERE table_name = 'companies' OR (action = 'update' AND json_extract(new_values, '$.company_id') IS NULL)
       ORDER BY table_name, record_id, id`,
    );
    expect(entries).toEqual([
      { table_name: 'companies', record_id: 'co1', action: 'insert' },
      { table_name: 'companies', record_id: 'co2', action: 'update' },
      { table_name: 'companies', record_id: 'co2', action: 'delete' },
      { table_name: 'customers', record_id: 'c1', action: 'update' },
      { table_name: 'customers', record_id: 'c2', action: 'update' },
    ]);
  });

  it('keeps customer_values in step with raw writes, so db check and the pipeline agree', async () => {
    raw.exec(`INSERT INTO customers (id, name, status, deal_value_minor, deal_currency) VALUES
      ('c1', 'Ada', 'proposal', 100, 'EUR'), ('c2', 'Bob', 'proposal', 250, 'EUR'), ('c3', 'Cy', 'lead', 7, 'USD')`);
    raw.exec(`UPDATE customers SET status = 'negotiation' WHERE id = 'c2'`);
    raw.exec(`UPDATE customers SET deal_value_minor = NULL, deal_currency = NULL WHERE id = 'c3'`);
    raw.exec(`UPDATE customers SET is_archived = 1 WHERE id = 'c1'`);
    raw.exec(`INSERT INTO customers (id, name, status, deal_value_minor, deal_currency) VALUES ('c4', 'Di', 'negotiation', 50, 'EUR')`);
    raw.exec(`DELETE FROM customers WHERE id = 'c4'`);
    expect(raw.all(`SELECT is_archived, status, deal_currency, n, total_minor FROM customer_values ORDER BY is_archived, status`)).toEqual([
      { is_archived: 0, status: 'negotiation', deal_currency: 'EUR', n: 1, total_minor: 250 },
      { is_archived: 1, status: 'proposal', deal_currency: 'EUR', n: 1, total_minor: 100 },
    ]);
    raw.close();
    const db = openDatabase(file);
    try {
      const services = new Services(sqliteStoreOf(db), new TestClock());
      expect((await services.database.check()).checks.find((check) => check.name === 'customer_values')).toEqual({
        name: 'customer_values',
        ok: true,
        detail: 'matches the customers',
      });
      const report = await services.reports.pipeline();
      expect(report.values).toEqual([expect.objectContaining({ currency: 'EUR', value_minor: 250, open_minor: 250 })]);
    } finally {
      db.close();
    }
  });

  it('accepts only known settings in their canonical form, and audits them under their key', () => {
    raw.exec(`INSERT INTO settings (key, value) VALUES ('stage.proposal.probability', '0.4'), ('currency', 'EUR')`);
    expect(() => raw.exec(`INSERT INTO settings (key, value) VALUES ('colour', 'blue')`)).toThrow(/settings_value_valid/);
    expect(() => raw.exec(`UPDATE settings SET value = '1.5' WHERE key = 'stage.proposal.probability'`)).toThrow(/settings_value_valid/);
    expect(() => raw.exec(`UPDATE settings SET value = 'euro' WHERE key = 'currency'`)).toThrow(/settings_value_valid/);
    expect(() => raw.exec(`INSERT OR REPLACE INTO settings (key, value) VALUES ('currency', 'GBP')`)).toThrow(/UNIQUE constraint failed: settings.key/);
    raw.exec(`UPDATE settings SET value = 'GBP' WHERE key = 'currency'`);
    expect(raw.all(`SELECT record_id, action FROM audit_log WHERE table_name = 'settings' ORDER BY id`)).toEqual([
      { record_id: 'stage.proposal.probability', action: 'insert' },
      { record_id: 'currency', action: 'insert' },
      { record_id: 'currency', action: 'update' },
    ]);
  });
});

describe('companies, deal values and settings on PostgreSQL, as members write them with psql', () => {
  let teams: Teams;
  let ann: pg.Client;
  let bob: pg.Client;
  beforeAll(async () => {
    teams = await createTeams();
    ({ ann, bob } = teams);
  }, SERVER_START_TIMEOUT_MS);
  afterAll(async () => teams?.db.close());

  const newCompany = async (client: pg.Client, name: string) =>
    (await client.query<{ id: string }>(`INSERT INTO crm.companies (name) VALUES ($1) RETURNING id`, [name])).rows[0]!.id;

  it('refuse bad currencies and values, and a value without its currency', async () => {
    const owner = teams.names.bob;
    const insert = (value: unknown, currency: unknown) =>
      bob.query(`INSERT INTO crm.customers (name, owner, deal_value_minor, deal_currency) VALUES ('X', $1, $2, $3)`, [owner, value, currency]);
    expect(await sqlState(insert(100, 'eur'))).toBe('23514');
    expect(await sqlState(insert(-1, 'EUR'))).toBe('23514');
    expect(await sqlState(insert(100, null))).toBe('23514');
    expect(await sqlState(insert(null, 'EUR'))).toBe('23514');
    expect(await sqlState(insert(100, 'EUR'))).toBe('ok');
  });

  it('companies are per team: names unique within a team only, invisible and unnamable from another', async () => {
    const acme = await newCompany(bob, 'Initech');
    expect(await sqlState(ann.query(`INSERT INTO crm.companies (name) VALUES ('INITECH')`))).toBe('23505');
    expect(await sqlState(teams.dan.query(`INSERT INTO crm.companies (name) VALUES ('Initech')`))).toBe('ok');
    expect((await teams.dan.query(`SELECT id FROM crm.companies WHERE id = $1`, [acme])).rows).toEqual([]);
    expect(
      await sqlState(teams.dan.query(`INSERT INTO crm.customers (name, owner, company_id) VALUES ('Spy', $1, $2)`, [teams.names.dan, acme])),
    ).toBe('23503');
  });

  it('members add and rename companies; only a manager deletes one, which leaves its customers, audited', async () => {
    const company = await newCompany(bob, 'Hooli');
    await bob.query(`UPDATE crm.companies SET name = 'Hooli XYZ' WHERE id = $1`, [company]);
    const customer = (
      await bob.query<{ id: string }>(`INSERT INTO crm.customers (name, owner, company_id) VALUES ('Gavin', $1, $2) RETURNING id`, [teams.names.bob, company])
    ).rows[0]!.id;
    expect((await bob.query(`DELETE FROM crm.companies WHERE id = $1`, [company])).rowCount).toBe(0);
    expect((await ann.query(`DELETE FROM crm.companies WHERE id = $1`, [company])).rowCount).toBe(1);
    expect((await bob.query(`SELECT company_id FROM crm.customers WHERE id = $1`, [customer])).rows).toEqual([{ company_id: null }]);
    const log = await ann.query<{ table_name: string; action: string; actor: string }>(
      `SELECT table_name, action, actor FROM crm.audit_log WHERE record_id IN ($1, $2) ORDER BY id`,
      [company, customer],
    );
    expect(log.rows).toEqual([
      { table_name: 'companies', action: 'insert', actor: teams.names.bob },
      { table_name: 'companies', action: 'update', actor: teams.names.bob },
      { table_name: 'customers', action: 'insert', actor: teams.names.bob },
      { table_name: 'companies', action: 'delete', actor: teams.names.ann },
      { table_name: 'customers', action: 'update', actor: teams.names.ann },
    ]);
  });

  it('settings: every member reads the team’s, only a manager writes them, only known keys and canonical values', async () => {
    await ann.query(`INSERT INTO crm.settings (key, value) VALUES ('stage.proposal.probability', '0.4')`);
    expect((await bob.query(`SELECT key, value FROM crm.settings`)).rows).toEqual([{ key: 'stage.proposal.probability', value: '0.4' }]);
    expect((await teams.dan.query(`SELECT key FROM crm.settings`)).rows).toEqual([]);
    expect(await sqlState(bob.query(`INSERT INTO crm.settings (key, value) VALUES ('currency', 'EUR')`))).toBe('42501');
    expect((await bob.query(`UPDATE crm.settings SET value = '0.9'`)).rowCount).toBe(0);
    expect(await sqlState(ann.query(`INSERT INTO crm.settings (key, value) VALUES ('colour', 'blue')`))).toBe('23514');
    expect(await sqlState(ann.query(`UPDATE crm.settings SET value = '1.5'`))).toBe('23514');
    expect(await sqlState(ann.query(`TRUNCATE crm.settings`))).not.toBe('ok');
    const log = await ann.query(`SELECT record_id, action FROM crm.audit_log WHERE table_name = 'settings'`);
    expect(log.rows).toEqual([{ record_id: 'stage.proposal.probability', action: 'insert' }]);
  });

  it('psql sees the same rules as the driver', async () => {
    const result = teams.db.psql(teams.names.bob, `INSERT INTO crm.customers (name, owner, deal_value_minor, deal_currency) VALUES ('Y', current_user, 5, 'usd')`);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('customers_deal_currency_valid');
  });
});

/**
 * The rules above that the PostgreSQL block does not already show, as SQL a user types on
 * either backend: psql as a manager of a fresh team, or SQLite through crm's own connection.
 * Ids are random: on PostgreSQL every test's team shares one database, whose keys are global.
 */
describeBackends('companies, deal values and settings as SQL a user types', (backend, fresh) => {
  let cli: BackendCli;
  beforeEach(async () => {
    cli = await fresh();
  });
  afterEach(() => cli.close());

  const pg = backend === 'postgres';
  const uid = (tag: string) => `${tag}-${randomUUID()}`;
  const refusal = async (sql: string, values: unknown[] = []): Promise<string> => {
    try {
      await cli.sql(sql, values);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error(`not refused: ${sql}`);
  };

  it('refuses a fractional or negative deal value on UPDATE, and a value without its currency', async () => {
    const c1 = uid('c1');
    await cli.sql(`INSERT INTO customers (id, name) VALUES ($1, 'Ada')`, [c1]);
    const before = await cli.snapshot();
    // On the server the column is a bigint: a fraction given as a value is no bigint at all.
    expect(await refusal(`UPDATE customers SET deal_value_minor = $2, deal_currency = 'EUR' WHERE id = $1`, [c1, '12.5'])).toMatch(
      pg ? /invalid input syntax for type bigint: "12.5"/ : /customers_deal_value_valid/,
    );
    if (!pg) {
      expect(await refusal(`UPDATE customers SET deal_value_minor = 12.5, deal_currency = 'EUR' WHERE id = $1`, [c1])).toMatch(/customers_deal_value_valid/);
    }
    expect(await refusal(`UPDATE customers SET deal_value_minor = -1, deal_currency = 'EUR' WHERE id = $1`, [c1])).toMatch(/customers_deal_value_valid/);
    expect(await refusal(`UPDATE customers SET deal_value_minor = 100 WHERE id = $1`, [c1])).toMatch(/customers_deal_currency_valid/);
    expect(await refusal(`UPDATE customers SET deal_value_minor = 100, deal_currency = 'EURO' WHERE id = $1`, [c1])).toMatch(/customers_deal_currency_valid/);
    expect(await cli.snapshot()).toEqual(before);
  });

  if (pg) {
    // PostgreSQL's assignment cast rounds a numeric literal into a bigint column before any
    // check or trigger sees it: 12.5 typed into psql is stored as 13 (README, Team mode). A
    // rule could only see the fraction on a numeric column; noted as a known difference.
    it('rounds a fractional numeric literal into the bigint deal value, as PostgreSQL casts on assignment', async () => {
      const c1 = uid('c1');
      await cli.sql(`INSERT INTO customers (id, name) VALUES ($1, 'Ada')`, [c1]);
      await cli.sql(`UPDATE customers SET deal_value_minor = 12.5, deal_currency = 'EUR' WHERE id = $1`, [c1]);
      expect(await cli.sql(`SELECT deal_value_minor FROM customers WHERE id = $1`, [c1])).toEqual([{ deal_value_minor: 13 }]);
    });
  }

  it('a changed company id follows into its customers; deleting it leaves them with none; both are audited', async () => {
    const [co1, co2, c1, c2] = [uid('co1'), uid('co2'), uid('c1'), uid('c2')];
    await cli.sql(`INSERT INTO companies (id, name) VALUES ($1, 'Acme')`, [co1]);
    await cli.sql(`INSERT INTO customers (id, name, company_id) VALUES ($1, 'Ada', $3), ($2, 'Bob', $3)`, [c1, c2, co1]);
    expect(await refusal(`INSERT INTO customers (name, company_id) VALUES ('Cy', 'nope')`)).toMatch(
      pg ? /names no company of this team/ : /FOREIGN KEY constraint failed/,
    );
    await cli.sql(`UPDATE companies SET id = $1 WHERE id = $2`, [co2, co1]);
    expect(await cli.sql(`SELECT company_id FROM customers ORDER BY name`)).toEqual([{ company_id: co2 }, { company_id: co2 }]);
    await cli.sql(`DELETE FROM companies WHERE id = $1`, [co2]);
    expect(await cli.sql(`SELECT name, company_id FROM customers ORDER BY name`)).toEqual([
      { name: 'Ada', company_id: null },
      { name: 'Bob', company_id: null },
    ]);
    const companies = await cli.sql(`SELECT record_id, action FROM audit_log WHERE table_name = 'companies' ORDER BY id`);
    expect(companies).toEqual([
      { record_id: co1, action: 'insert' },
      { record_id: co2, action: 'update' },
      { record_id: co2, action: 'delete' },
    ]);
    const unlinked = await cli.sql<{ record_id: string }>(
      `SELECT record_id FROM audit_log WHERE table_name = 'customers' AND action = 'update' AND old_values IS NOT NULL
         AND ${pg ? `(new_values::json ->> 'company_id') IS NULL` : `json_extract(new_values, '$.company_id') IS NULL`}`,
    );
    expect(unlinked.map((row) => row.record_id).sort()).toEqual([c1, c2].sort());
  });

  it('keeps customer_values in step with raw writes, so db check and the pipeline agree', async () => {
    const [c1, c2, c3, c4] = [uid('c1'), uid('c2'), uid('c3'), uid('c4')];
    const [yes, no] = pg ? [true, false] : [1, 0];
    await cli.sql(
      `INSERT INTO customers (id, name, status, deal_value_minor, deal_currency) VALUES
        ($1, 'Ada', 'proposal', 100, 'EUR'), ($2, 'Bob', 'proposal', 250, 'EUR'), ($3, 'Cy', 'lead', 7, 'USD')`,
      [c1, c2, c3],
    );
    await cli.sql(`UPDATE customers SET status = 'negotiation' WHERE id = $1`, [c2]);
    await cli.sql(`UPDATE customers SET deal_value_minor = NULL, deal_currency = NULL WHERE id = $1`, [c3]);
    await cli.sql(`UPDATE customers SET is_archived = $1 WHERE id = $2`, [yes, c1]);
    await cli.sql(`INSERT INTO customers (id, name, status, deal_value_minor, deal_currency) VALUES ($1, 'Di', 'negotiation', 50, 'EUR')`, [c4]);
    await cli.sql(`DELETE FROM customers WHERE id = $1`, [c4]);
    // The server groups by product and owner too, and may keep a group that fell to 0.
    const groups = await cli.sql<Record<string, unknown>>(
      `SELECT is_archived, status, deal_currency, sum(n) AS n, sum(total_minor) AS total_minor FROM customer_values
        GROUP BY is_archived, status, deal_currency HAVING sum(n) > 0 ORDER BY is_archived, status`,
    );
    expect(groups.map((row) => ({ ...row, n: Number(row.n), total_minor: Number(row.total_minor) }))).toEqual([
      { is_archived: no, status: 'negotiation', deal_currency: 'EUR', n: 1, total_minor: 250 },
      { is_archived: yes, status: 'proposal', deal_currency: 'EUR', n: 1, total_minor: 100 },
    ]);
    const services = new Services(cli.store, cli.clock);
    expect((await services.database.check()).checks.find((check) => check.name === 'customer_values')).toEqual({
      name: 'customer_values',
      ok: true,
      detail: 'matches the customers',
    });
    const report = await services.reports.pipeline();
    expect(report.values).toEqual([expect.objectContaining({ currency: 'EUR', value_minor: 250, open_minor: 250 })]);
  });

  it('audits settings under their key, on insert and on update, and refuses an unknown key or a value out of form', async () => {
    await cli.sql(`INSERT INTO settings (key, value) VALUES ('stage.proposal.probability', '0.4'), ('currency', 'EUR')`);
    expect(await refusal(`INSERT INTO settings (key, value) VALUES ('colour', 'blue')`)).toMatch(/settings_value_valid/);
    expect(await refusal(`UPDATE settings SET value = 'euro' WHERE key = 'currency'`)).toMatch(/settings_value_valid/);
    await cli.sql(`UPDATE settings SET value = 'GBP' WHERE key = 'currency'`);
    expect(await cli.sql(`SELECT record_id, action FROM audit_log WHERE table_name = 'settings' ORDER BY id`)).toEqual([
      { record_id: 'stage.proposal.probability', action: 'insert' },
      { record_id: 'currency', action: 'insert' },
      { record_id: 'currency', action: 'update' },
    ]);
  });
});
