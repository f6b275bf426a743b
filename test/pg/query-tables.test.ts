import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PgStore } from '../../src/repositories/pg/store.js';
import { Services } from '../../src/services/index.js';
import { systemClock } from '../../src/domain/types.js';
import { createTeams, sqlState, SERVER_START_TIMEOUT_MS, type Teams } from './helpers.js';

/**
 * customer_activity, customer_counts and customer_values on a team's server
 * (drizzle/pg/0008_query_tables.sql): kept right by the server's triggers for writes made with
 * plain SQL by members, read only through row-level security, written by nobody but the
 * triggers, checked by `db check`, and what followups, pipeline and a list's total answer from.
 */
let teams: Teams;
let ann: PgStore;
let dan: PgStore;

beforeAll(async () => {
  teams = await createTeams();
  ann = await PgStore.open(teams.db.socketUrl(teams.names.ann));
  dan = await PgStore.open(teams.db.socketUrl(teams.names.dan));
}, SERVER_START_TIMEOUT_MS);
afterAll(async () => {
  await Promise.all([ann, dan].map((store) => store?.close()));
  await teams?.db.close();
});

beforeEach(async () => {
  // The owner starts every test from empty teams (members may not delete others' rows).
  await teams.owner.query(`DELETE FROM crm.customers; DELETE FROM crm.products`);
});

/** db check's verdict on the three tables, as `role` sees them. */
async function kept(store: PgStore): Promise<Record<string, { ok: boolean; detail: string }>> {
  const { checks } = await store.maintenance.check();
  return Object.fromEntries(
    checks.filter((check) => ['customer_activity', 'customer_counts', 'customer_values'].includes(check.name)).map(({ name, ok, detail }) => [name, { ok, detail }]),
  );
}

const allRight = {
  customer_activity: { ok: true, detail: 'matches the interactions and customers' },
  customer_counts: { ok: true, detail: 'matches the customers' },
  customer_values: { ok: true, detail: 'matches the customers' },
};

async function counts(): Promise<Array<Record<string, unknown>>> {
  const { rows } = await teams.ann.query(
    `SELECT is_archived, status, product_id, owner, n FROM crm.customer_counts ORDER BY is_archived, status, product_id NULLS FIRST, owner NULLS FIRST`,
  );
  return rows;
}

describe('kept by the server for plain SQL', () => {
  it("follows each customer's latest interaction through inserts, deletes, an id change and a delete", async () => {
    const { ann: client } = teams;
    await client.query(`INSERT INTO crm.customers (id, name, owner) VALUES ('c1', 'Ada', $1), ('c2', 'Bob', $1)`, [teams.names.ann]);
    await client.query(`INSERT INTO crm.customer_interactions (id, customer_id, type, channel, note, follow_up_date, created_at) VALUES
      ('i1', 'c1', 'Call', 'phone', 'one', '2026-12-01T09:00:00.000Z', '2026-11-01T00:00:00.000Z'),
      ('i2', 'c1', 'Call', 'phone', 'two', NULL, '2026-11-02T00:00:00.000Z'),
      ('i3', 'c2', 'Call', 'phone', 'three', '2026-12-05', '2026-11-01T00:00:00.000Z')`);
    // An older interaction logged later does not replace the latest.
    await client.query(`INSERT INTO crm.customer_interactions (id, customer_id, type, channel, note, created_at)
      VALUES ('i0', 'c1', 'Call', 'phone', 'zero', '2026-10-01T00:00:00.000Z')`);
    const activity = async () =>
      (await client.query(`SELECT customer_id, last_interaction_id, follow_up_date FROM crm.customer_activity ORDER BY customer_id`)).rows;
    expect(await activity()).toEqual([
      { customer_id: 'c1', last_interaction_id: 'i2', follow_up_date: null },
      { customer_id: 'c2', last_interaction_id: 'i3', follow_up_date: '2026-12-05' },
    ]);
    // An interaction goes alone only through crm's permit (0009): the latest goes, the one before it is latest again.
    await client.query(`SELECT crm.crm_delete_interactions(ARRAY['i2'])`);
    expect((await activity())[0]).toEqual({ customer_id: 'c1', last_interaction_id: 'i1', follow_up_date: '2026-12-01T09:00:00.000Z' });
    await client.query(`UPDATE crm.customers SET id = 'c1-new' WHERE id = 'c1'`);
    expect((await activity()).map((row) => row.customer_id)).toEqual(['c1-new', 'c2']);
    await client.query(`DELETE FROM crm.customers WHERE id = 'c2'`);
    expect(await activity()).toEqual([{ customer_id: 'c1-new', last_interaction_id: 'i1', follow_up_date: '2026-12-01T09:00:00.000Z' }]);
    expect(await kept(ann)).toEqual(allRight);
  });

  it("carries each customer's archived flag and owner through archive, restore, a new owner and a new id", async () => {
    const { ann: client } = teams;
    const me = teams.names.ann;
    await client.query(`INSERT INTO crm.customers (id, name, owner) VALUES ('c1', 'Ada', $1), ('c2', 'Bob', NULL)`, [me]);
    await client.query(`INSERT INTO crm.customer_interactions (id, customer_id, type, channel, note, follow_up_date) VALUES
      ('i1', 'c1', 'Call', 'phone', 'one', '2026-12-01'), ('i2', 'c2', 'Call', 'phone', 'two', '2026-12-02')`);
    const carried = async () =>
      (await client.query(`SELECT customer_id, is_archived, owner FROM crm.customer_activity ORDER BY customer_id`)).rows;
    expect(await carried()).toEqual([
      { customer_id: 'c1', is_archived: false, owner: me },
      { customer_id: 'c2', is_archived: false, owner: null },
    ]);
    await client.query(`UPDATE crm.customers SET is_archived = true WHERE id = 'c2'`);
    // An interaction logged for an archived customer keeps the flag.
    await client.query(`INSERT INTO crm.customer_interactions (id, customer_id, type, channel, note, follow_up_date) VALUES ('i3', 'c2', 'Call', 'phone', 'three', '2026-12-03')`);
    expect((await carried())[1]).toEqual({ customer_id: 'c2', is_archived: true, owner: null });
    await client.query(`UPDATE crm.customers SET is_archived = false, owner = 'ada' WHERE id = 'c2'`);
    await client.query(`UPDATE crm.customers SET id = 'c9', is_archived = true WHERE id = 'c1'`);
    expect(await carried()).toEqual([
      { customer_id: 'c2', is_archived: false, owner: 'ada' },
      { customer_id: 'c9', is_archived: true, owner: me },
    ]);
    expect(await kept(ann)).toEqual(allRight);
  });

  it('counts customers and sums values per group through inserts, edits, a product delete and deletes, leaving no empty group', async () => {
    const { ann: client } = teams;
    const me = teams.names.ann;
    await client.query(`INSERT INTO crm.products (id, name) VALUES ('p1', 'Audit')`);
    await client.query(
      `INSERT INTO crm.customers (id, name, owner, product_id, status, deal_value_minor, deal_currency) VALUES
        ('c1', 'Ada', $1, 'p1', 'lead', 1000, 'EUR'), ('c2', 'Bob', $1, 'p1', 'lead', 2500, 'EUR'),
        ('c3', 'Cy', $1, NULL, 'lead', NULL, NULL), ('c4', 'Di', NULL, NULL, 'lead', NULL, NULL), ('c5', 'Ed', '', NULL, 'lead', NULL, NULL)`,
      [me],
    );
    expect(await counts()).toEqual([
      { is_archived: false, status: 'lead', product_id: null, owner: null, n: 1 },
      { is_archived: false, status: 'lead', product_id: null, owner: '', n: 1 },
      { is_archived: false, status: 'lead', product_id: null, owner: me, n: 1 },
      { is_archived: false, status: 'lead', product_id: 'p1', owner: me, n: 2 },
    ]);
    await client.query(`UPDATE crm.customers SET status = 'proposal', deal_value_minor = 4000 WHERE id = 'c2'`);
    await client.query(`UPDATE crm.customers SET name = 'Ada L.' WHERE id = 'c1'`);
    await client.query(`UPDATE crm.customers SET is_archived = true WHERE id = 'c3'`);
    // A product's delete sets its customers' product to NULL: they move group.
    await client.query(`DELETE FROM crm.products WHERE id = 'p1'`);
    expect(await counts()).toEqual([
      { is_archived: false, status: 'lead', product_id: null, owner: null, n: 1 },
      { is_archived: false, status: 'lead', product_id: null, owner: '', n: 1 },
      { is_archived: false, status: 'lead', product_id: null, owner: me, n: 1 },
      { is_archived: false, status: 'proposal', product_id: null, owner: me, n: 1 },
      { is_archived: true, status: 'lead', product_id: null, owner: me, n: 1 },
    ]);
    const values = await client.query(`SELECT status, deal_currency, n, total_minor FROM crm.customer_values ORDER BY status`);
    expect(values.rows).toEqual([
      { status: 'lead', deal_currency: 'EUR', n: 1, total_minor: '1000' },
      { status: 'proposal', deal_currency: 'EUR', n: 1, total_minor: '4000' },
    ]);
    await client.query(`DELETE FROM crm.customers WHERE id IN ('c1', 'c3', 'c4')`);
    expect((await counts()).map((row) => [row.status, row.owner, row.n])).toEqual([
      ['lead', '', 1],
      ['proposal', me, 1],
    ]);
    expect((await client.query(`SELECT status FROM crm.customer_values`)).rows).toEqual([{ status: 'proposal' }]);
    expect(await kept(ann)).toEqual(allRight);
  });

  it('stays right for a bulk insert of many customers and interactions in one statement each', async () => {
    await teams.ann.query(
      `INSERT INTO crm.customers (id, name, owner, status, deal_value_minor, deal_currency)
       SELECT 'b' || n, 'Bulk ' || n, CASE WHEN n % 3 = 0 THEN 'x' END, (ARRAY['lead', 'qualified', 'closed_won'])[1 + n % 3],
         CASE WHEN n % 2 = 0 THEN n * 100 END, CASE WHEN n % 2 = 0 THEN (ARRAY['EUR', 'USD'])[1 + n % 4 / 2] END
       FROM generate_series(1, 2000) AS n`,
    );
    await teams.ann.query(
      `INSERT INTO crm.customer_interactions (customer_id, type, channel, note, follow_up_date, created_at)
       SELECT 'b' || (1 + n % 2000), 'Call', 'phone', 'n ' || n, CASE WHEN n % 5 = 0 THEN '2027-01-0' || (1 + n % 9) END,
         timestamptz '2026-01-01' + n * interval '1 minute'
       FROM generate_series(1, 6000) AS n`,
    );
    expect(await kept(ann)).toEqual(allRight);
    const services = new Services(ann, systemClock);
    expect((await services.customers.list({}, { limit: 1 })).total).toBe(2000);
    const pipeline = await services.reports.pipeline();
    expect(pipeline.stages.map((stage) => stage.count)).toEqual([666, 667, 0, 0, 667, 0]);
  });

  it("two members logging at once for the same customer leave the later interaction as its latest", async () => {
    await teams.ann.query(`INSERT INTO crm.customers (id, name, owner) VALUES ('c1', 'Ada', $1)`, [teams.names.ann]);
    const bob = teams.bob;
    await teams.ann.query('BEGIN');
    await bob.query('BEGIN');
    try {
      await bob.query(`INSERT INTO crm.customer_interactions (id, customer_id, type, channel, note, created_at)
        VALUES ('late', 'c1', 'Call', 'phone', 'later', '2026-11-02T00:00:00.000Z')`);
      // ann's statement waits in its trigger for bob's row of customer_activity until bob commits.
      const annInsert = teams.ann.query(`INSERT INTO crm.customer_interactions (id, customer_id, type, channel, note, created_at)
        VALUES ('early', 'c1', 'Call', 'phone', 'earlier', '2026-11-01T00:00:00.000Z')`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await bob.query('COMMIT');
      await annInsert;
      await teams.ann.query('COMMIT');
    } finally {
      await teams.ann.query('ROLLBACK').catch(() => undefined);
      await bob.query('ROLLBACK').catch(() => undefined);
    }
    const { rows } = await teams.ann.query(`SELECT last_interaction_id FROM crm.customer_activity`);
    expect(rows).toEqual([{ last_interaction_id: 'late' }]);
    expect(await kept(ann)).toEqual(allRight);
  });
});

describe('read and written as the policies say', () => {
  it('a member reads only their team’s rows and may write none of them; db check names a group counted wrong', async () => {
    await teams.ann.query(`INSERT INTO crm.customers (id, name, owner) VALUES ('c1', 'Ada', $1)`, [teams.names.ann]);
    await teams.ann.query(`INSERT INTO crm.customer_interactions (id, customer_id, type, channel, note) VALUES ('i1', 'c1', 'Call', 'phone', 'x')`);
    for (const table of ['customer_activity', 'customer_counts', 'customer_values']) {
      expect((await teams.dan.query(`SELECT count(*)::integer AS n FROM crm.${table}`)).rows[0].n).toBe(0);
    }
    expect((await teams.ann.query(`SELECT count(*)::integer AS n FROM crm.customer_counts`)).rows[0].n).toBe(1);
    expect(await sqlState(teams.ann.query(`UPDATE crm.customer_counts SET n = 5`))).toBe('42501');
    expect(await sqlState(teams.ann.query(`DELETE FROM crm.customer_activity`))).toBe('42501');
    expect(await sqlState(teams.ann.query(`INSERT INTO crm.customer_values (team_id, is_archived, status, deal_currency, n, total_minor) VALUES ($1, false, 'lead', 'EUR', 1, 1)`, [teams.acme]))).toBe('42501');
    // Only the owner can make them wrong, and db check then says where, to the member too.
    await teams.owner.query(`UPDATE crm.customer_counts SET n = 5`);
    await teams.owner.query(`UPDATE crm.customer_activity SET follow_up_date = '2030-01-01'`);
    const report = await kept(ann);
    expect(report.customer_counts).toEqual({ ok: false, detail: `1 group(s) counted wrong: active lead product none owner ${teams.names.ann}` });
    expect(report.customer_activity).toEqual({
      ok: false,
      detail: '1 customer(s) whose latest interaction, pending follow-up, archived flag or owner is recorded wrong: c1',
    });
    // A row that still names the latest interaction but the wrong archived flag or owner is caught too.
    await teams.owner.query(`UPDATE crm.customer_activity SET follow_up_date = NULL, is_archived = true`);
    expect((await kept(ann)).customer_activity?.ok).toBe(false);
    await teams.owner.query(`UPDATE crm.customer_activity SET is_archived = false, owner = 'someone else'`);
    expect((await kept(ann)).customer_activity?.ok).toBe(false);
    await teams.owner.query(`UPDATE crm.customer_activity SET owner = $1`, [teams.names.ann]);
    expect((await kept(ann)).customer_activity?.ok).toBe(true);
    expect((await kept(dan)).customer_counts?.ok).toBe(true);
  });
});
