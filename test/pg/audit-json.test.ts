import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTableConfig } from 'drizzle-orm/sqlite-core';
import { AUDITED_TABLES, normalizeSql } from '../../src/db/audit-triggers.js';
import { PG_BOOKKEEPING_COLUMNS, pgAuditedTables, pgAuditJsonBody } from '../../src/db/pg/audit-json.js';
import { createTeams, SERVER_START_TIMEOUT_MS, type Teams } from './helpers.js';

let teams: Teams;
beforeAll(async () => {
  teams = await createTeams();
}, SERVER_START_TIMEOUT_MS);
afterAll(async () => {
  for (const client of [teams?.ann, teams?.bob, teams?.cat, teams?.dan, teams?.owner]) await client?.end();
  await teams?.db.close();
});

describe('crm.crm_audit_json generated from the schemas (src/db/pg/audit-json.ts)', () => {
  it('is on a migrated server exactly as generated', async () => {
    const { rows } = await teams.db.asSuperuser(`SELECT prosrc FROM pg_proc WHERE oid = 'crm.crm_audit_json(text, record)'::regprocedure`);
    expect(normalizeSql(rows[0]!.prosrc as string)).toBe(normalizeSql(pgAuditJsonBody()));
  });

  it("records every user column of each audited table on the server, in SQLite's order", async () => {
    for (const audited of pgAuditedTables()) {
      const { rows } = await teams.db.asSuperuser(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'crm' AND table_name = $1 ORDER BY ordinal_position`,
        [audited.name],
      );
      const serverColumns = rows.map((row) => row.column_name as string).filter((name) => !PG_BOOKKEEPING_COLUMNS.includes(name));
      expect(audited.columns.map((column) => column.name), audited.name).toEqual(serverColumns);
    }
    expect(pgAuditedTables().map((table) => table.name)).toEqual(AUDITED_TABLES.map(({ table }) => getTableConfig(table).name));
  });

  it('writes instants as SQLite stores them, booleans and numbers as JSON values', async () => {
    await teams.ann.query(`INSERT INTO crm.products (id, name, is_active, created_at, updated_at) VALUES ('p-json', 'Audit', false, '2026-03-04T05:06:07.089Z', '2026-03-04T05:06:07.089Z')`);
    await teams.ann.query(
      `INSERT INTO crm.customers (id, name, product_id, deal_value_minor, deal_currency, closed_at, created_at, updated_at)
       VALUES ('c-json', 'Ada', 'p-json', 1200, 'EUR', '2026-03-04T05:06:07Z', '2026-03-04T05:06:07Z', '2026-03-04T05:06:07Z')`,
    );
    const { rows } = await teams.ann.query<{ table_name: string; new_values: string }>(
      `SELECT table_name, new_values FROM crm.audit_log WHERE record_id IN ('p-json', 'c-json') AND action = 'insert' ORDER BY id`,
    );
    const [product, customer] = rows.map((row) => JSON.parse(row.new_values) as Record<string, unknown>);
    expect(product).toEqual({
      id: 'p-json',
      name: 'Audit',
      description: null,
      is_active: false,
      created_at: '2026-03-04T05:06:07.089Z',
      updated_at: '2026-03-04T05:06:07.089Z',
    });
    expect(Object.keys(customer!)).toEqual(getTableConfig(AUDITED_TABLES.find(({ table }) => getTableConfig(table).name === 'customers')!.table).columns.map((column) => column.name));
    expect(customer).toMatchObject({ deal_value_minor: 1200, deal_currency: 'EUR', closed_at: '2026-03-04T05:06:07.000Z', is_archived: false });
  });

  it('gives settings their image from it too', async () => {
    await teams.ann.query(`INSERT INTO crm.settings (key, value, updated_at) VALUES ('currency', 'EUR', '2026-03-04T05:06:07Z')`);
    await teams.ann.query(`UPDATE crm.settings SET value = 'USD' WHERE key = 'currency'`);
    const { rows } = await teams.ann.query<{ action: string; record_id: string; old_values: string | null; new_values: string | null }>(
      `SELECT action, record_id, old_values, new_values FROM crm.audit_log WHERE table_name = 'settings' ORDER BY id`,
    );
    expect(rows.map((row) => [row.action, row.record_id])).toEqual([
      ['insert', 'currency'],
      ['update', 'currency'],
    ]);
    expect(rows[0]!.old_values).toBeNull();
    expect(JSON.parse(rows[0]!.new_values!)).toEqual({ key: 'currency', value: 'EUR', updated_at: '2026-03-04T05:06:07.000Z' });
    expect(JSON.parse(rows[1]!.old_values!)).toEqual({ key: 'currency', value: 'EUR', updated_at: '2026-03-04T05:06:07.000Z' });
    expect(JSON.parse(rows[1]!.new_values!)).toMatchObject({ key: 'currency', value: 'USD' });
  });

  it('refuses a table that is not audited instead of guessing its image', async () => {
    await expect(teams.db.asSuperuser(`SELECT crm.crm_audit_json('teams', t) FROM crm.teams AS t LIMIT 1`)).rejects.toMatchObject({ code: '20000' });
  });
});
