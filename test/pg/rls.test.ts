import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTeams, SERVER_START_TIMEOUT_MS, sqlState, type Teams } from './helpers.js';

/**
 * Row-level security with two members of one team (Bob and Cat in Acme, managed by Ann) and a
 * member of another (Dan in Globex), each connected as their own role.
 */
let teams: Teams;
let acmeProduct: string;
let bobsCustomer: string;
let catsCustomer: string;
let dansCustomer: string;

async function insertCustomer(client: pg.Client, name: string, owner: string): Promise<string> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO crm.customers (name, owner) VALUES ($1, $2) RETURNING id`,
    [name, owner],
  );
  return rows[0]!.id;
}

async function rowCount(client: pg.Client, sql: string, values: unknown[] = []): Promise<number | null> {
  return (await client.query(sql, values)).rowCount;
}

beforeAll(async () => {
  teams = await createTeams();
  acmeProduct = (
    await teams.ann.query<{ id: string }>(`INSERT INTO crm.products (name) VALUES ('Acme audit') RETURNING id`)
  ).rows[0]!.id;
  await teams.dan.query(`INSERT INTO crm.products (name) VALUES ('Globex audit')`);
  bobsCustomer = await insertCustomer(teams.bob, 'Bob’s client', teams.names.bob);
  catsCustomer = await insertCustomer(teams.cat, 'Cat’s client', teams.names.cat);
  dansCustomer = await insertCustomer(teams.dan, 'Dan’s client', teams.names.dan);
  await teams.bob.query(
    `INSERT INTO crm.customer_interactions (customer_id, type, channel, note) VALUES ($1, 'call', 'phone', 'hello')`,
    [bobsCustomer],
  );
  await teams.dan.query(
    `INSERT INTO crm.customer_interactions (customer_id, type, channel, note) VALUES ($1, 'call', 'phone', 'hi')`,
    [dansCustomer],
  );
}, SERVER_START_TIMEOUT_MS);
afterAll(async () => teams?.db.close());

describe('reads', () => {
  it("a member sees the whole team's products, customers, interactions and audit entries, and nothing of another team", async () => {
    const names = async (client: pg.Client, sql: string) => (await client.query(sql)).rows.map((row) => row.name).sort();
    expect(await names(teams.cat, `SELECT name FROM crm.products`)).toEqual(['Acme audit']);
    expect(await names(teams.cat, `SELECT name FROM crm.customers`)).toEqual(['Bob’s client', 'Cat’s client']);
    expect(await names(teams.dan, `SELECT name FROM crm.customers`)).toEqual(['Dan’s client']);
    expect((await teams.cat.query(`SELECT note FROM crm.customer_interactions`)).rows).toEqual([{ note: 'hello' }]);
    const audited = (await teams.cat.query(`SELECT DISTINCT record_id FROM crm.audit_log`)).rows.map((row) => row.record_id);
    expect(audited).toContain(bobsCustomer);
    expect(audited).not.toContain(dansCustomer);
    expect((await teams.cat.query(`SELECT name FROM crm.teams`)).rows).toEqual([{ name: 'Acme' }]);
    expect((await teams.cat.query(`SELECT login FROM crm.team_members ORDER BY login`)).rows.map((row) => row.login)).toEqual(
      [teams.names.ann, teams.names.bob, teams.names.cat].sort(),
    );
  });

  it('by id, another team’s rows are not there at all', async () => {
    expect((await teams.bob.query(`SELECT * FROM crm.customers WHERE id = $1`, [dansCustomer])).rows).toEqual([]);
    expect((await teams.bob.query(`SELECT * FROM crm.audit_log WHERE record_id = $1`, [dansCustomer])).rows).toEqual([]);
  });

  it('a role that is no member reads nothing and cannot even reach the schema', async () => {
    const stranger = await teams.db.createRole('stranger');
    const client = await teams.db.connect(stranger);
    expect(await sqlState(client.query(`SELECT * FROM crm.customers`))).toBe('42501');
  });

  it('the same holds for psql', () => {
    const result = teams.db.psql(teams.names.dan, `SELECT name FROM crm.customers ORDER BY name`);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('Dan’s client');
  });
});

describe('writes', () => {
  it('any member logs interactions on any customer of the team', async () => {
    expect(
      await sqlState(
        teams.cat.query(
          `INSERT INTO crm.customer_interactions (customer_id, type, channel, note) VALUES ($1, 'visit', 'meeting', 'met Bob’s client')`,
          [bobsCustomer],
        ),
      ),
    ).toBe('ok');
  });

  it('a member edits and deletes only customers they own; others’ are untouched', async () => {
    expect(await rowCount(teams.cat, `UPDATE crm.customers SET status = 'qualified' WHERE id = $1`, [catsCustomer])).toBe(1);
    expect(await rowCount(teams.cat, `UPDATE crm.customers SET status = 'closed_lost' WHERE id = $1`, [bobsCustomer])).toBe(0);
    expect(await rowCount(teams.cat, `DELETE FROM crm.customers WHERE id = $1`, [bobsCustomer])).toBe(0);
    expect(await rowCount(teams.bob, `UPDATE crm.customers SET status = 'proposal' WHERE id = $1`, [dansCustomer])).toBe(0);
    const { rows } = await teams.ann.query(`SELECT status FROM crm.customers WHERE id = $1`, [bobsCustomer]);
    expect(rows).toEqual([{ status: 'lead' }]);
  });

  it('a member cannot give a customer away, nor add one for someone else', async () => {
    expect(await sqlState(teams.cat.query(`UPDATE crm.customers SET owner = $2 WHERE id = $1`, [catsCustomer, teams.names.bob]))).toBe('42501');
    expect(await sqlState(insertCustomer(teams.cat, 'For Bob', teams.names.bob))).toBe('42501');
  });

  it('a member cannot write products; a manager can', async () => {
    expect(await sqlState(teams.bob.query(`INSERT INTO crm.products (name) VALUES ('Bob product')`))).toBe('42501');
    expect(await rowCount(teams.bob, `UPDATE crm.products SET description = 'x' WHERE id = $1`, [acmeProduct])).toBe(0);
    expect(await rowCount(teams.bob, `DELETE FROM crm.products WHERE id = $1`, [acmeProduct])).toBe(0);
    expect(await rowCount(teams.ann, `UPDATE crm.products SET description = 'by the manager' WHERE id = $1`, [acmeProduct])).toBe(1);
  });

  it('a manager edits, reassigns and deletes any customer of the team, but not another team’s', async () => {
    expect(await rowCount(teams.ann, `UPDATE crm.customers SET owner = $2 WHERE id = $1`, [catsCustomer, teams.names.bob])).toBe(1);
    expect(await rowCount(teams.bob, `UPDATE crm.customers SET product_id = $2 WHERE id = $1`, [catsCustomer, acmeProduct])).toBe(1);
    expect(await rowCount(teams.ann, `UPDATE crm.customers SET status = 'lead' WHERE id = $1`, [dansCustomer])).toBe(0);
    expect(await rowCount(teams.ann, `DELETE FROM crm.customers WHERE id = $1`, [dansCustomer])).toBe(0);
    const spare = await insertCustomer(teams.cat, 'Spare', teams.names.cat);
    expect(await rowCount(teams.ann, `DELETE FROM crm.customers WHERE id = $1`, [spare])).toBe(1);
  });

  it('no row can be written into, or moved to, another team', async () => {
    expect(
      await sqlState(teams.bob.query(`INSERT INTO crm.customers (name, owner, team_id) VALUES ('Sneaky', $1, $2)`, [teams.names.bob, teams.globex])),
    ).toBe('42501');
    expect(await sqlState(teams.bob.query(`UPDATE crm.customers SET team_id = $2 WHERE id = $1`, [bobsCustomer, teams.globex]))).toBe('23514');
    expect((await teams.dan.query(`SELECT count(*) AS n FROM crm.customers`)).rows).toEqual([{ n: 1 }]);
  });

  it('interactions are deleted (by crm, its customer staying) only by a manager or the customer’s owner', async () => {
    const logged = await teams.cat.query<{ id: string }>(
      `INSERT INTO crm.customer_interactions (customer_id, type, channel, note) VALUES ($1, 'mail', 'email', 'sent') RETURNING id`,
      [bobsCustomer],
    );
    const id = logged.rows[0]!.id;
    // A plain DELETE of an interaction whose customer stays is refused to all (0009); crm's permit follows the policy.
    expect(await rowCount(teams.cat, `DELETE FROM crm.customer_interactions WHERE id = $1`, [id])).toBe(0);
    expect(await sqlState(teams.bob.query(`DELETE FROM crm.customer_interactions WHERE id = $1`, [id]))).toBe('23514');
    expect((await teams.cat.query(`SELECT crm.crm_delete_interactions(ARRAY[$1]) AS n`, [id])).rows).toEqual([{ n: 0 }]);
    expect((await teams.bob.query(`SELECT crm.crm_delete_interactions(ARRAY[$1]) AS n`, [id])).rows).toEqual([{ n: 1 }]);
  });

  it('members cannot change team membership; managers of their own team only', async () => {
    const newcomer = await teams.db.createRole('newcomer');
    expect(await sqlState(teams.bob.query(`SELECT crm.crm_team_add($1)`, [newcomer]))).toBe('42501');
    expect(await sqlState(teams.bob.query(`INSERT INTO crm.team_members (login, team_id) VALUES ($1, $2)`, [newcomer, teams.acme]))).toBe('42501');
    expect(await sqlState(teams.ann.query(`SELECT crm.crm_team_add($1, false, 'Globex')`, [newcomer]))).toBe('42501');
    expect(await sqlState(teams.ann.query(`SELECT crm.crm_team_add($1)`, [newcomer]))).toBe('ok');
    const client = await teams.db.connect(newcomer);
    expect((await client.query(`SELECT count(*) AS n FROM crm.customers`)).rows).toEqual([{ n: 2 }]);
    expect(await sqlState(teams.ann.query(`SELECT crm.crm_team_remove($1)`, [newcomer]))).toBe('ok');
    expect(await sqlState(client.query(`SELECT count(*) FROM crm.customers`))).toBe('42501');
  });

  it('a role that bypasses row-level security cannot be made a member', async () => {
    expect(await sqlState(teams.owner.query(`SELECT crm.crm_team_add($1, false, 'Acme')`, [teams.db.owner]))).toBe('22023');
    expect(await sqlState(teams.owner.query(`SELECT crm.crm_team_add($1, false, 'Acme')`, [teams.db.server.superuser]))).toBe('22023');
  });
});
