import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTeams, SERVER_START_TIMEOUT_MS, sqlState, type Teams } from './helpers.js';

/**
 * The 3-active-products rule with two real connections writing at the same moment: a COUNT
 * in a trigger under READ COMMITTED would let both the third and a fourth product through.
 */
let teams: Teams;
let first: pg.Client;
let second: pg.Client;

beforeAll(async () => {
  teams = await createTeams();
  await teams.owner.query(`SELECT crm.crm_team_add($1, true, 'Acme')`, [teams.names.bob]);
  first = teams.ann;
  second = teams.bob;
}, SERVER_START_TIMEOUT_MS);
afterAll(async () => teams?.db.close());

async function resetProducts(): Promise<void> {
  await first.query(`DELETE FROM crm.products`);
  await first.query(`INSERT INTO crm.products (name, is_active) VALUES ('one', true), ('two', true)`);
}

async function activeCount(): Promise<number> {
  const { rows } = await first.query<{ n: number }>(`SELECT count(*) AS n FROM crm.products WHERE is_active`);
  return rows[0]!.n;
}

/** Until the connection with this backend pid waits for a lock (or its statement ended). */
async function waitUntilBlocked(pid: number, settled: () => boolean): Promise<boolean> {
  for (let attempt = 0; attempt < 200 && !settled(); attempt++) {
    const { rows } = await teams.db.asSuperuser(`SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1`, [pid]);
    if (rows[0]?.wait_event_type === 'Lock') return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}

async function backendPid(client: pg.Client): Promise<number> {
  return (await client.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`)).rows[0]!.pid;
}

describe('at most 3 active products per team, under concurrency', () => {
  it('a fourth activation made while the third is uncommitted waits for it and is then refused', async () => {
    await resetProducts();
    // Asked first: pg.Client runs one query at a time, so it could not be asked while blocked.
    const secondPid = await backendPid(second);
    await first.query('BEGIN');
    await second.query('BEGIN');
    try {
      await first.query(`INSERT INTO crm.products (name, is_active) VALUES ('third', true)`);
      let settled = false;
      const fourth = sqlState(second.query(`INSERT INTO crm.products (name, is_active) VALUES ('fourth', true)`)).finally(() => {
        settled = true;
      });
      expect(await waitUntilBlocked(secondPid, () => settled)).toBe(true);
      await first.query('COMMIT');
      expect(await fourth).toBe('23514');
    } finally {
      await first.query('ROLLBACK').catch(() => undefined);
      await second.query('ROLLBACK');
    }
    expect(await activeCount()).toBe(3);
  });

  it('the same for activation by UPDATE', async () => {
    await resetProducts();
    await first.query(`INSERT INTO crm.products (name, is_active) VALUES ('third', false), ('fourth', false)`);
    // Asked first: pg.Client runs one query at a time, so it could not be asked while blocked.
    const secondPid = await backendPid(second);
    await first.query('BEGIN');
    await second.query('BEGIN');
    try {
      await first.query(`UPDATE crm.products SET is_active = true WHERE name = 'third'`);
      let settled = false;
      const fourth = sqlState(second.query(`UPDATE crm.products SET is_active = true WHERE name = 'fourth'`)).finally(() => {
        settled = true;
      });
      expect(await waitUntilBlocked(secondPid, () => settled)).toBe(true);
      await first.query('COMMIT');
      expect(await fourth).toBe('23514');
    } finally {
      await first.query('ROLLBACK').catch(() => undefined);
      await second.query('ROLLBACK');
    }
    expect(await activeCount()).toBe(3);
  });

  it('two connections racing for the last slot, many times: exactly one wins each time', async () => {
    for (let round = 0; round < 20; round++) {
      await resetProducts();
      const results = await Promise.all([
        sqlState(first.query(`INSERT INTO crm.products (name, is_active) VALUES ($1, true)`, [`a${round}`])),
        sqlState(second.query(`INSERT INTO crm.products (name, is_active) VALUES ($1, true)`, [`b${round}`])),
      ]);
      expect(results.sort()).toEqual(['23514', 'ok']);
      expect(await activeCount()).toBe(3);
    }
  });

  it('REPEATABLE READ, whose snapshot could not see the other writer, is refused', async () => {
    await resetProducts();
    await first.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    try {
      expect(await sqlState(first.query(`INSERT INTO crm.products (name, is_active) VALUES ('rr', true)`))).toBe('40001');
    } finally {
      await first.query('ROLLBACK');
    }
    expect(await sqlState(first.query(`INSERT INTO crm.products (name, is_active) VALUES ('rr', false)`))).toBe('ok');
  });

  it('the limit and its lock are per team: another team activates meanwhile', async () => {
    await resetProducts();
    await first.query('BEGIN');
    try {
      await first.query(`INSERT INTO crm.products (name, is_active) VALUES ('third', true)`);
      expect(await sqlState(teams.dan.query(`INSERT INTO crm.products (name, is_active) VALUES ($1, true)`, ['globex-1']))).toBe('ok');
    } finally {
      await first.query('ROLLBACK');
    }
  });
});
