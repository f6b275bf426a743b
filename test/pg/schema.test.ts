import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED_PG_INDEXES, EXPECTED_PG_POLICIES, EXPECTED_PG_TRIGGERS, RLS_TABLES } from '../../src/db/pg/expected.js';
import { createTestDatabase, SERVER_START_TIMEOUT_MS, type TestDatabase } from './helpers.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
}, SERVER_START_TIMEOUT_MS);
afterAll(async () => db?.close());

describe('PostgreSQL schema (drizzle/pg)', () => {
  it('creates the tables with the SQLite column names, plus team_id and the insertion order (position)', async () => {
    const { rows } = await db.asSuperuser(
      `SELECT table_name, string_agg(column_name, ',' ORDER BY ordinal_position) AS columns
         FROM information_schema.columns WHERE table_schema = 'crm' AND table_name IN ('products', 'companies', 'customers', 'customer_interactions', 'audit_log', 'settings', 'customer_external_ids')
        GROUP BY table_name ORDER BY table_name`,
    );
    expect(rows).toEqual([
      { table_name: 'audit_log', columns: 'id,team_id,table_name,record_id,action,old_values,new_values,actor,created_at,change_set,origin' },
      { table_name: 'companies', columns: 'id,team_id,name,created_at,updated_at,position' },
      { table_name: 'customer_external_ids', columns: 'team_id,source,external_id,customer_id,created_at,position' },
      { table_name: 'customer_interactions', columns: 'id,team_id,customer_id,type,channel,note,follow_up_date,created_at,position' },
      {
        table_name: 'customers',
        columns:
          'id,team_id,name,email,phone,product_id,status,acquisition_source,owner,is_archived,created_at,updated_at,company_id,deal_value_minor,deal_currency,closed_at,note,position',
      },
      { table_name: 'products', columns: 'id,team_id,name,description,is_active,created_at,updated_at,position' },
      { table_name: 'settings', columns: 'team_id,key,value,updated_at,position' },
    ]);
  });

  it('has every expected trigger, policy and index, and row-level security on every team table', async () => {
    const triggers = await db.asSuperuser(
      `SELECT tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'crm' AND NOT t.tgisinternal AND t.tgenabled = 'O'`,
    );
    expect(triggers.rows.map((row) => row.name).sort()).toEqual([...EXPECTED_PG_TRIGGERS].sort());
    const policies = await db.asSuperuser(`SELECT policyname AS name FROM pg_policies WHERE schemaname = 'crm'`);
    expect(policies.rows.map((row) => row.name).sort()).toEqual([...EXPECTED_PG_POLICIES].sort());
    const indexes = await db.asSuperuser(`SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'crm'`);
    expect(indexes.rows.map((row) => row.name)).toEqual(expect.arrayContaining([...EXPECTED_PG_INDEXES]));
    const secured = await db.asSuperuser(
      `SELECT relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'crm' AND c.relkind = 'r' AND c.relrowsecurity ORDER BY relname`,
    );
    expect(secured.rows.map((row) => row.name)).toEqual([...RLS_TABLES].sort());
  });

  it('is owned by the role that migrated it; no member owns anything', async () => {
    const { rows } = await db.asSuperuser(
      `SELECT DISTINCT pg_get_userbyid(c.relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'crm'`,
    );
    expect(rows).toEqual([{ owner: db.owner }]);
  });
});
