import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { knownPgMigrations, migratePg } from '../../src/db/pg/migrate.js';
import { openPgPool } from '../../src/db/pg/connection.js';
import { createTestDatabase, SERVER_START_TIMEOUT_MS, type TestDatabase } from './helpers.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
}, SERVER_START_TIMEOUT_MS);
afterAll(async () => db?.close());

describe('PostgreSQL schema (drizzle/pg)', () => {
  it('creates the tables with the SQLite column names, plus team_id', async () => {
    const { rows } = await db.asSuperuser(
      `SELECT table_name, string_agg(column_name, ',' ORDER BY ordinal_position) AS columns
         FROM information_schema.columns WHERE table_schema = 'crm' AND table_name IN ('products', 'customers', 'customer_interactions', 'audit_log')
        GROUP BY table_name ORDER BY table_name`,
    );
    expect(rows).toEqual([
      { table_name: 'audit_log', columns: 'id,team_id,table_name,record_id,action,old_values,new_values,actor,created_at' },
      { table_name: 'customer_interactions', columns: 'id,team_id,customer_id,type,channel,note,follow_up_date,created_at' },
      { table_name: 'customers', columns: 'id,team_id,name,email,phone,product_id,status,acquisition_source,owner,is_archived,created_at,updated_at' },
      { table_name: 'products', columns: 'id,team_id,name,description,is_active,created_at,updated_at' },
    ]);
  });
});
