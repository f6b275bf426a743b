import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTeams, SERVER_START_TIMEOUT_MS, sqlState, type Teams } from './helpers.js';

/**
 * The rules the server enforces whoever writes: plain SQL as team members, as a user of psql
 * would send it. Ann manages Acme; Bob is a member of Acme.
 */
let teams: Teams;
let ann: pg.Client;
let bob: pg.Client;

beforeAll(async () => {
  teams = await createTeams();
  ({ ann, bob } = teams);
}, SERVER_START_TIMEOUT_MS);
afterAll(async () => teams?.db.close());

async function addProduct(name: string, active = false): Promise<string> {
  const { rows } = await ann.query<{ id: string }>(
    `INSERT INTO crm.products (name, is_active) VALUES ($1, $2) RETURNING id`,
    [name, active],
  );
  return rows[0]!.id;
}

async function addCustomer(client: pg.Client, owner: string, fields: Record<string, unknown> = {}): Promise<string> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO crm.customers (name, owner, product_id) VALUES ($1, $2, $3) RETURNING id`,
    [fields.name ?? 'Zoë Client', owner, fields.product_id ?? null],
  );
  return rows[0]!.id;
}

async function logInteraction(client: pg.Client, customerId: string): Promise<string> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO crm.customer_interactions (customer_id, type, channel, note, follow_up_date)
     VALUES ($1, 'call', 'phone', 'first call', '2026-12-01T04:00:00.000Z') RETURNING id`,
    [customerId],
  );
  return rows[0]!.id;
}

describe('CHECK constraints', () => {
  it('refuse blank names, unknown statuses and channels', async () => {
    expect(await sqlState(ann.query(`INSERT INTO crm.products (name) VALUES ('   ')`))).toBe('23514');
    expect(await sqlState(bob.query(`INSERT INTO crm.customers (name, owner) VALUES ('', $1)`, [teams.names.bob]))).toBe('23514');
    expect(
      await sqlState(bob.query(`INSERT INTO crm.customers (name, owner, status) VALUES ('X', $1, 'won')`, [teams.names.bob])),
    ).toBe('23514');
    const customer = await addCustomer(bob, teams.names.bob);
    expect(
      await sqlState(
        bob.query(`INSERT INTO crm.customer_interactions (customer_id, type, channel, note) VALUES ($1, 'call', 'fax', 'n')`, [customer]),
      ),
    ).toBe('23514');
    expect(
      await sqlState(
        bob.query(`INSERT INTO crm.customer_interactions (customer_id, type, channel, note) VALUES ($1, ' ', 'phone', 'n')`, [customer]),
      ),
    ).toBe('23514');
  });

  it('refuse a second product with the same name in any case, within a team only', async () => {
    await addProduct('Audit Pack');
    expect(await sqlState(ann.query(`INSERT INTO crm.products (name, is_active) VALUES ('AUDIT pack', false)`))).toBe('23505');
    expect(await sqlState(teams.dan.query(`INSERT INTO crm.products (name, is_active) VALUES ('Audit Pack', false)`))).toBe('ok');
  });
});

describe('foreign keys', () => {
  it('deleting a product sets its customers product_id to NULL', async () => {
    const product = await addProduct('Retainer');
    const customer = await addCustomer(bob, teams.names.bob, { product_id: product });
    await ann.query(`DELETE FROM crm.products WHERE id = $1`, [product]);
    const { rows } = await bob.query(`SELECT product_id FROM crm.customers WHERE id = $1`, [customer]);
    expect(rows).toEqual([{ product_id: null }]);
  });

  it('deleting a customer deletes its interactions; a changed id follows into them', async () => {
    const customer = await addCustomer(bob, teams.names.bob);
    const interaction = await logInteraction(bob, customer);
    await bob.query(`UPDATE crm.customers SET id = 'renamed-' || id WHERE id = $1`, [customer]);
    const moved = await bob.query(`SELECT customer_id FROM crm.customer_interactions WHERE id = $1`, [interaction]);
    expect(moved.rows).toEqual([{ customer_id: `renamed-${customer}` }]);
    await bob.query(`DELETE FROM crm.customers WHERE id = $1`, [`renamed-${customer}`]);
    const left = await teams.owner.query(`SELECT count(*) AS n FROM crm.customer_interactions WHERE id = $1`, [interaction]);
    expect(left.rows).toEqual([{ n: 0 }]);
  });

  it('refuse a product or customer that does not exist', async () => {
    expect(await sqlState(addCustomer(bob, teams.names.bob, { product_id: 'no-such-product' }))).toBe('23503');
    expect(await sqlState(logInteraction(bob, 'no-such-customer'))).toBe('23503');
  });

  it("refuse another team's product or customer even with its id", async () => {
    const globexProduct = (
      await teams.dan.query<{ id: string }>(`INSERT INTO crm.products (name, is_active) VALUES ('Globex only', false) RETURNING id`)
    ).rows[0]!.id;
    const globexCustomer = await addCustomer(teams.dan, teams.names.dan);
    expect(await sqlState(addCustomer(bob, teams.names.bob, { product_id: globexProduct }))).toBe('23503');
    expect(await sqlState(logInteraction(bob, globexCustomer))).toBe('23503');
  });
});

describe('interactions are immutable', () => {
  it('in every statement form: UPDATE, INSERT ... ON CONFLICT DO UPDATE, MERGE, and by the owner', async () => {
    const customer = await addCustomer(bob, teams.names.bob);
    const other = await addCustomer(bob, teams.names.bob, { name: 'Other' });
    const interaction = await logInteraction(bob, customer);
    expect(await sqlState(bob.query(`UPDATE crm.customer_interactions SET note = 'rewritten' WHERE id = $1`, [interaction]))).toBe('23514');
    expect(
      await sqlState(bob.query(`UPDATE crm.customer_interactions SET customer_id = $2 WHERE id = $1`, [interaction, other])),
    ).toBe('23514');
    expect(
      await sqlState(
        bob.query(
          `INSERT INTO crm.customer_interactions (id, customer_id, type, channel, note) VALUES ($1, $2, 'call', 'phone', 'x')
           ON CONFLICT (id) DO UPDATE SET note = EXCLUDED.note`,
          [interaction, customer],
        ),
      ),
    ).toBe('23514');
    expect(
      await sqlState(
        bob.query(
          `MERGE INTO crm.customer_interactions AS target USING (SELECT $1::text AS id) AS source ON target.id = source.id
           WHEN MATCHED THEN UPDATE SET note = 'merged'`,
          [interaction],
        ),
      ),
    ).toBe('23514');
    expect(
      await sqlState(teams.owner.query(`UPDATE crm.customer_interactions SET note = 'by the owner' WHERE id = $1`, [interaction])),
    ).toBe('23514');
    const { rows } = await bob.query(`SELECT note, customer_id FROM crm.customer_interactions WHERE id = $1`, [interaction]);
    expect(rows).toEqual([{ note: 'first call', customer_id: customer }]);
  });

  it('TRUNCATE is refused, for the owner too (it would skip the audit log)', async () => {
    for (const table of ['customer_interactions', 'customers', 'products', 'audit_log']) {
      expect(await sqlState(teams.owner.query(`TRUNCATE crm.${table} CASCADE`))).toBe('42501');
    }
  });
});

describe('updated_at', () => {
  it('is set by the server when a writer leaves it alone, and kept when the writer sets it', async () => {
    const customer = await addCustomer(bob, teams.names.bob);
    await bob.query(`UPDATE crm.customers SET updated_at = '2020-01-01T00:00:00Z' WHERE id = $1`, [customer]);
    const set = await bob.query(`SELECT updated_at FROM crm.customers WHERE id = $1`, [customer]);
    expect(set.rows).toEqual([{ updated_at: '2020-01-01T00:00:00.000Z' }]);
    await bob.query(`UPDATE crm.customers SET status = 'qualified' WHERE id = $1`, [customer]);
    const touched = await bob.query<{ updated_at: string; server_now: string }>(
      `SELECT updated_at, now() AS server_now FROM crm.customers WHERE id = $1`,
      [customer],
    );
    expect(touched.rows[0]!.updated_at > '2020-01-01T00:00:00.000Z').toBe(true);
    expect(Math.abs(Date.parse(touched.rows[0]!.updated_at) - Date.parse(touched.rows[0]!.server_now))).toBeLessThan(60_000);
  });

  it("is left as crm's write gives it inside a change set, even when that equals the old value", async () => {
    const customer = await addCustomer(bob, teams.names.bob);
    await bob.query(`UPDATE crm.customers SET updated_at = '2020-01-01T00:00:00Z' WHERE id = $1`, [customer]);
    await bob.query('BEGIN');
    await bob.query(`SELECT crm.crm_begin_change_set('customer edit', now(), NULL)`);
    await bob.query(`UPDATE crm.customers SET status = 'qualified', updated_at = '2020-01-01T00:00:00Z' WHERE id = $1`, [customer]);
    await bob.query('COMMIT');
    const kept = await bob.query(`SELECT status, updated_at FROM crm.customers WHERE id = $1`, [customer]);
    expect(kept.rows).toEqual([{ status: 'qualified', updated_at: '2020-01-01T00:00:00.000Z' }]);
    // The change set was the transaction's: the next plain UPDATE is touched again.
    await bob.query(`UPDATE crm.customers SET status = 'proposal' WHERE id = $1`, [customer]);
    const touched = await bob.query(`SELECT updated_at FROM crm.customers WHERE id = $1`, [customer]);
    expect(touched.rows[0]!.updated_at > '2020-01-01T00:00:00.000Z').toBe(true);
  });
});

describe('audit log', () => {
  it('records insert, update and delete with the rows as SQLite writes them and session_user as actor', async () => {
    const customer = await addCustomer(bob, teams.names.bob, { name: 'Audited' });
    await bob.query(`UPDATE crm.customers SET status = 'proposal', updated_at = '2026-12-01T04:00:00.000Z' WHERE id = $1`, [customer]);
    await bob.query(`DELETE FROM crm.customers WHERE id = $1`, [customer]);
    const { rows } = await bob.query(
      `SELECT action, actor, old_values, new_values FROM crm.audit_log WHERE record_id = $1 ORDER BY id`,
      [customer],
    );
    expect(rows.map((row) => [row.action, row.actor])).toEqual([
      ['insert', teams.names.bob],
      ['update', teams.names.bob],
      ['delete', teams.names.bob],
    ]);
    const updated = JSON.parse(rows[1].new_values);
    expect(Object.keys(updated)).toEqual([
      'id', 'name', 'email', 'phone', 'product_id', 'status', 'acquisition_source', 'owner', 'is_archived', 'created_at', 'updated_at',
      'company_id', 'deal_value_minor', 'deal_currency', 'closed_at', 'note',
    ]);
    expect(updated).toMatchObject({ id: customer, status: 'proposal', is_archived: false, updated_at: '2026-12-01T04:00:00.000Z' });
    expect(updated.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(JSON.parse(rows[1].old_values).status).toBe('lead');
    expect(rows[2].new_values).toBeNull();
  });

  it('records interactions with their instants in ISO form', async () => {
    const customer = await addCustomer(bob, teams.names.bob);
    const interaction = await logInteraction(bob, customer);
    const { rows } = await bob.query(`SELECT new_values FROM crm.audit_log WHERE record_id = $1`, [interaction]);
    expect(JSON.parse(rows[0].new_values)).toMatchObject({ customer_id: customer, follow_up_date: '2026-12-01T04:00:00.000Z' });
  });

  it('cannot be forged: members cannot write it, SET ROLE does not change the actor, entries cannot be changed', async () => {
    expect(
      await sqlState(
        bob.query(`INSERT INTO crm.audit_log (team_id, table_name, action, actor) VALUES ($1, 'customers', 'insert', 'someone')`, [teams.acme]),
      ),
    ).toBe('42501');
    expect(await sqlState(bob.query(`UPDATE crm.audit_log SET actor = 'someone'`))).toBe('42501');
    expect(await sqlState(bob.query(`DELETE FROM crm.audit_log`))).toBe('42501');
    expect(await sqlState(bob.query(`SET ROLE ${teams.names.ann}`))).toBe('42501');
    expect(await sqlState(bob.query(`SET SESSION AUTHORIZATION ${teams.names.ann}`))).toBe('42501');
    // Even a role allowed to SET ROLE to a member is recorded as itself.
    await teams.db.asSuperuser(`GRANT ${teams.names.cat} TO ${teams.names.ann}`);
    await ann.query(`SET ROLE ${teams.names.cat}`);
    const customer = await addCustomer(ann, teams.names.cat);
    await ann.query(`RESET ROLE`);
    const { rows } = await ann.query(`SELECT actor FROM crm.audit_log WHERE record_id = $1`, [customer]);
    expect(rows).toEqual([{ actor: teams.names.ann }]);
    expect(await sqlState(teams.owner.query(`UPDATE crm.audit_log SET actor = 'someone'`))).toBe('42501');
    expect(await sqlState(teams.owner.query(`DELETE FROM crm.audit_log`))).toBe('42501');
  });

  it('is pruned only by a manager through crm_prune_audit, which records the prune', async () => {
    const customer = await addCustomer(bob, teams.names.bob);
    expect(await sqlState(bob.query(`SELECT crm.crm_prune_audit(now() + interval '1 day')`))).toBe('42501');
    expect(await sqlState(bob.query(`SELECT set_config('crm.prune_before', '3000-01-01', false)`))).toBe('ok');
    expect(await sqlState(bob.query(`DELETE FROM crm.audit_log`))).toBe('42501');
    const before = await ann.query<{ n: number }>(`SELECT count(*) AS n FROM crm.audit_log`);
    const globexBefore = await teams.dan.query<{ n: number }>(`SELECT count(*) AS n FROM crm.audit_log`);
    const pruned = await ann.query<{ deleted: number }>(`SELECT crm.crm_prune_audit(now() + interval '1 day') AS deleted`);
    expect(pruned.rows[0]!.deleted).toBe(before.rows[0]!.n);
    const after = await ann.query(`SELECT table_name, action, actor, record_id FROM crm.audit_log`);
    expect(after.rows).toEqual([{ table_name: 'audit_log', action: 'prune', actor: teams.names.ann, record_id: null }]);
    expect((await teams.dan.query(`SELECT count(*) AS n FROM crm.audit_log`)).rows).toEqual(globexBefore.rows);
    expect(customer).toBeTruthy();
  });
});

describe('schema version', () => {
  it('is the number of migrations applied, readable by members', async () => {
    const { rows } = await bob.query(`SELECT version FROM crm.schema_version`);
    const applied = await teams.owner.query(`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`);
    expect(rows).toEqual([{ version: applied.rows[0].n }]);
    expect(applied.rows[0].n).toBeGreaterThanOrEqual(2);
  });
});

describe('with psql', () => {
  it('a member updating an interaction gets the rule as an error, and nothing changes', async () => {
    const customer = await addCustomer(bob, teams.names.bob);
    const interaction = await logInteraction(bob, customer);
    const result = teams.db.psql(teams.names.bob, `UPDATE crm.customer_interactions SET note = 'psql edit' WHERE id = '${interaction}'`);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/interactions are immutable/);
    expect((await bob.query(`SELECT note FROM crm.customer_interactions WHERE id = $1`, [interaction])).rows).toEqual([{ note: 'first call' }]);
  });
});

describe('deleting a team', () => {
  it('removes its rows and its audit entries with it, and touches no other team', async () => {
    const eve = await teams.db.createRole('eve');
    await teams.owner.query(`SELECT crm.crm_create_team('Initech')`);
    await teams.owner.query(`SELECT crm.crm_team_add($1, true, 'Initech')`, [eve]);
    const client = await teams.db.connect(eve);
    const { rows } = await client.query<{ id: string }>(`INSERT INTO crm.products (name) VALUES ('Initech product') RETURNING id`);
    const customer = await addCustomer(client, eve, { product_id: rows[0]!.id });
    await logInteraction(client, customer);
    const acmeAudit = await ann.query(`SELECT count(*) AS n FROM crm.audit_log`);

    await teams.owner.query(`DELETE FROM crm.teams WHERE name = 'Initech'`);

    const left = await teams.owner.query(
      `SELECT (SELECT count(*) FROM crm.products WHERE name = 'Initech product') AS products,
              (SELECT count(*) FROM crm.customers WHERE id = $1) AS customers,
              (SELECT count(*) FROM crm.customer_interactions WHERE customer_id = $1) AS interactions,
              (SELECT count(*) FROM crm.audit_log WHERE record_id = $1) AS audit,
              (SELECT count(*) FROM crm.team_members WHERE login = $2) AS members`,
      [customer, eve],
    );
    expect(left.rows).toEqual([{ products: 0, customers: 0, interactions: 0, audit: 0, members: 0 }]);
    expect((await ann.query(`SELECT count(*) AS n FROM crm.audit_log`)).rows).toEqual(acmeAudit.rows);
  });
});

describe('interactions are deleted only with their customer', () => {
  it('refuses a DELETE in psql for the customer’s owner, a manager and the schema’s owner, and the permit set by hand', async () => {
    const customer = await addCustomer(bob, teams.names.bob);
    const interaction = await logInteraction(bob, customer);
    expect(await sqlState(bob.query(`DELETE FROM crm.customer_interactions WHERE id = $1`, [interaction]))).toBe('23514');
    expect(await sqlState(ann.query(`DELETE FROM crm.customer_interactions WHERE id = $1`, [interaction]))).toBe('23514');
    await bob.query(`BEGIN`);
    await bob.query(`SELECT set_config('crm.deleting_interactions', 'on', true)`);
    expect(await sqlState(bob.query(`DELETE FROM crm.customer_interactions WHERE id = $1`, [interaction]))).toBe('23514');
    await bob.query(`ROLLBACK`);
    // The schema's owner too: the permit is crm.crm_delete_interactions's alone.
    expect(await sqlState(teams.owner.query(`DELETE FROM crm.customer_interactions WHERE id = $1`, [interaction]))).toBe('23514');
    const result = teams.db.psql(teams.names.ann, `DELETE FROM crm.customer_interactions WHERE id = '${interaction}'`);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('interactions are immutable: an interaction is deleted only with its customer');
    expect((await bob.query(`SELECT id FROM crm.customer_interactions WHERE id = $1`, [interaction])).rows).toEqual([{ id: interaction }]);
  });

  it('crm_delete_interactions deletes only what the delete policy allows: a manager any, a member those of their own customers', async () => {
    const bobs = await logInteraction(bob, await addCustomer(bob, teams.names.bob));
    const cats = await logInteraction(bob, await addCustomer(teams.cat, teams.names.cat));
    const deleted = async (client: pg.Client, ids: string[]) =>
      (await client.query<{ n: number }>(`SELECT crm.crm_delete_interactions($1::text[]) AS n`, [ids])).rows[0]!.n;
    expect(await deleted(bob, [bobs, cats])).toBe(1);
    expect(await deleted(teams.dan, [cats])).toBe(0);
    expect(await deleted(ann, [cats])).toBe(1);
    const left = await ann.query(`SELECT id FROM crm.customer_interactions WHERE id IN ($1, $2)`, [bobs, cats]);
    expect(left.rows).toEqual([]);
    const audited = await ann.query(`SELECT record_id, actor FROM crm.audit_log WHERE action = 'delete' AND record_id IN ($1, $2) ORDER BY id`, [bobs, cats]);
    expect(audited.rows).toEqual([
      { record_id: bobs, actor: teams.names.bob },
      { record_id: cats, actor: teams.names.ann },
    ]);
  });
});
