import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgStore } from '../../src/repositories/pg/store.js';
import { Services } from '../../src/services/index.js';
import { TestClock } from '../helpers.js';
import { createTeams, SERVER_START_TIMEOUT_MS, sqlState, type Teams } from './helpers.js';

/**
 * The rules of drizzle/pg/0004_change_sets.sql against members who use psql: the permits crm's
 * functions hold cannot be forged, and a member undoes or merges only what row-level security
 * lets them change. The commands are tested on both backends in test/undo and test/merge.
 */
let teams: Teams;
let ann: PgStore;
let bob: PgStore;

beforeAll(async () => {
  teams = await createTeams();
  ann = await PgStore.open(teams.db.socketUrl(teams.names.ann));
  bob = await PgStore.open(teams.db.socketUrl(teams.names.bob));
}, SERVER_START_TIMEOUT_MS);
afterAll(async () => {
  await Promise.all([ann, bob].map((store) => store?.close()));
  await teams?.db.close();
});

function services(store: PgStore, command: string, actor = 'member'): Services {
  const clock = new TestClock();
  store.identifyWriter({ actor, clock, command });
  return new Services(store, clock);
}

async function addCustomer(client: pg.Client, name: string, owner: string): Promise<string> {
  const { rows } = await client.query<{ id: string }>(`INSERT INTO crm.customers (name, owner) VALUES ($1, $2) RETURNING id`, [name, owner]);
  return rows[0]!.id;
}

async function logInteraction(client: pg.Client, customerId: string): Promise<string> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO crm.customer_interactions (customer_id, type, channel, note) VALUES ($1, 'call', 'phone', 'x') RETURNING id`,
    [customerId],
  );
  return rows[0]!.id;
}

describe('change sets on a team server', () => {
  it('stamps entries with the change set crm opened; psql writes have none, and a forged one is ignored', async () => {
    const id = (await services(ann, 'crm customer add Ada').customers.add({ name: 'Ada Stamped' })).id;
    const [set] = (await teams.ann.query(`SELECT id, command, actor FROM crm.change_sets ORDER BY id DESC LIMIT 1`)).rows;
    expect(set).toMatchObject({ command: 'crm customer add Ada', actor: teams.names.ann });
    const stamp = async () =>
      (await teams.ann.query(`SELECT change_set FROM crm.audit_log WHERE record_id = $1 ORDER BY id`, [id])).rows.map((row) => row.change_set);
    expect(await stamp()).toEqual([Number(set.id)]);

    await teams.ann.query(`UPDATE crm.customers SET phone = '1' WHERE id = $1`, [id]);
    // Bob names Ann's change set for his own write: his entry is not stamped with it.
    await teams.bob.query('BEGIN');
    await teams.bob.query(`SELECT set_config('crm.change_set', $1, true)`, [String(set.id)]);
    await logInteraction(teams.bob, id);
    await teams.bob.query('COMMIT');
    const entries = (await teams.ann.query(`SELECT table_name, change_set FROM crm.audit_log WHERE record_id = $1 OR new_values::json ->> 'customer_id' = $1 ORDER BY id`, [id])).rows;
    expect(entries).toEqual([
      { table_name: 'customers', change_set: Number(set.id) },
      { table_name: 'customers', change_set: null },
      { table_name: 'customer_interactions', change_set: null },
    ]);
  });

  it('never lets a member move an interaction by hand, even with the setting crm_move_interactions raises', async () => {
    const a = await addCustomer(teams.ann, 'Move From', teams.names.ann);
    const b = await addCustomer(teams.ann, 'Move To', teams.names.ann);
    const interaction = await logInteraction(teams.ann, a);
    await teams.ann.query('BEGIN');
    await teams.ann.query(`SELECT set_config('crm.moving_interactions', 'on', true)`);
    const state = await sqlState(teams.ann.query(`UPDATE crm.customer_interactions SET customer_id = $1 WHERE id = $2`, [b, interaction]));
    await teams.ann.query('ROLLBACK');
    expect(state).toBe('23514');
    // Through the function, a manager can.
    expect((await teams.ann.query(`SELECT crm.crm_move_interactions($1::text[], $2) AS n`, [[interaction], b])).rows).toEqual([{ n: 1 }]);
  });

  it('lets a member merge and undo only customers row-level security lets them change', async () => {
    const mine = await addCustomer(teams.bob, 'Bob Own', teams.names.bob);
    const theirs = await addCustomer(teams.ann, 'Bob Own', teams.names.ann);
    await logInteraction(teams.ann, theirs);
    const merge = services(bob, 'crm customer merge').merge.merge({ keep: mine, others: [theirs], countryCode: '', prefer: 'keep' });
    await expect(merge).rejects.toThrow('you can add or edit only customers you own (and they must stay yours); a manager can change any');
    expect((await teams.ann.query(`SELECT count(*)::int AS n FROM crm.customer_interactions WHERE customer_id = $1`, [theirs])).rows).toEqual([{ n: 1 }]);
    expect(await sqlState(teams.bob.query(`SELECT crm.crm_move_interactions(ARRAY(SELECT id FROM crm.customer_interactions WHERE customer_id = $1), $2)`, [theirs, mine]))).toBe('42501');

    // Ann edits her own customer; Bob, who could not have made that edit, cannot take it back.
    await services(ann, 'crm customer edit', 'ann').customers.edit(theirs, { phone: '+1 555 0100' });
    const [annSet] = (await teams.ann.query(`SELECT id FROM crm.change_sets WHERE actor = $1 ORDER BY id DESC LIMIT 1`, [teams.names.ann])).rows;
    await expect(services(bob, 'crm undo').undo.undo(Number(annSet.id))).rejects.toThrow(/you can add or edit only customers you own/);
    await expect(services(ann, 'crm undo').undo.undo(Number(annSet.id))).resolves.toMatchObject({ rows: 1 });
  });

  it('writes audit notes of a merge only, on the team\'s customers, as the caller', async () => {
    const id = await addCustomer(teams.ann, 'Noted', teams.names.ann);
    expect(await sqlState(teams.ann.query(`SELECT crm.crm_audit_note($1, 'delete', '{}')`, [id]))).toBe('22023');
    expect(await sqlState(teams.dan.query(`SELECT crm.crm_audit_note($1, 'merge', '{}')`, [id]))).toBe('23503');
    expect(await sqlState(teams.ann.query(`INSERT INTO crm.change_sets (team_id, command, actor) VALUES ($1, 'x', 'y')`, [teams.acme]))).toBe('42501');
    await teams.ann.query(`SELECT crm.crm_audit_note($1, 'merge', '{"kept":"k"}')`, [id]);
    const [note] = (await teams.ann.query(`SELECT action, actor, new_values FROM crm.audit_log WHERE record_id = $1 AND action = 'merge'`, [id])).rows;
    expect(note).toEqual({ action: 'merge', actor: teams.names.ann, new_values: '{"kept":"k"}' });
  });

  it('shows a team its own change sets only', async () => {
    await services(ann, 'crm customer add Acme only').customers.add({ name: 'Acme Only' });
    const seen = (await teams.dan.query(`SELECT command FROM crm.change_sets`)).rows.map((row) => row.command);
    expect(seen).not.toContain('crm customer add Acme only');
  });
});
