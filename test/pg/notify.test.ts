import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTeams, SERVER_START_TIMEOUT_MS, type Teams } from './helpers.js';

/**
 * Live changes: any role can LISTEN on any channel, so what a notification carries must be
 * nothing a listener could not read itself: the table, the operation and the id.
 */
let teams: Teams;

beforeAll(async () => {
  teams = await createTeams();
}, SERVER_START_TIMEOUT_MS);
afterAll(async () => teams?.db.close());

async function listen(client: pg.Client): Promise<{ payloads: unknown[]; stop: () => Promise<void> }> {
  const payloads: unknown[] = [];
  const onNotification = (message: pg.Notification) => {
    if (message.channel === 'crm_changes') payloads.push(JSON.parse(message.payload ?? 'null'));
  };
  client.on('notification', onNotification);
  await client.query('LISTEN crm_changes');
  return {
    payloads,
    stop: async () => {
      await client.query('UNLISTEN crm_changes');
      client.off('notification', onNotification);
    },
  };
}

/** Notifications arrive asynchronously after commit; a round trip on the listener flushes them. */
async function settle(client: pg.Client, payloads: unknown[], expected: number): Promise<void> {
  for (let attempt = 0; attempt < 100 && payloads.length < expected; attempt++) {
    await client.query('SELECT 1');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('NOTIFY crm_changes', () => {
  it('carries the table, the operation and the id only, to listeners of any team', async () => {
    const cat = await listen(teams.cat);
    const dan = await listen(teams.dan);
    try {
      const { rows } = await teams.bob.query<{ id: string }>(
        `INSERT INTO crm.customers (name, email, owner) VALUES ('Secret Client', 'secret@example.com', $1) RETURNING id`,
        [teams.names.bob],
      );
      const id = rows[0]!.id;
      await teams.bob.query(`UPDATE crm.customers SET phone = '+1 555 0100' WHERE id = $1`, [id]);
      await teams.bob.query(
        `INSERT INTO crm.customer_interactions (customer_id, type, channel, note) VALUES ($1, 'call', 'phone', 'private note')`,
        [id],
      );
      await teams.bob.query(`DELETE FROM crm.customers WHERE id = $1`, [id]);
      await settle(teams.cat, cat.payloads, 5);
      await settle(teams.dan, dan.payloads, 5);

      expect(cat.payloads).toHaveLength(5);
      expect(cat.payloads.slice(0, 2)).toEqual([
        { table: 'customers', op: 'insert', id },
        { table: 'customers', op: 'update', id },
      ]);
      expect(cat.payloads.map((payload) => Object.keys(payload as object).sort())).toEqual(
        Array(5).fill(['id', 'op', 'table']),
      );
      expect(cat.payloads.map((payload) => (payload as { op: string }).op)).toEqual(['insert', 'update', 'insert', 'delete', 'delete']);
      const text = JSON.stringify(dan.payloads);
      for (const secret of ['Secret Client', 'secret@example.com', '555', 'private note', teams.names.bob, teams.acme]) {
        expect(text).not.toContain(secret);
      }
      // What the notification names, another team's listener cannot read.
      expect((await teams.dan.query(`SELECT * FROM crm.customers WHERE id = $1`, [id])).rows).toEqual([]);
    } finally {
      await cat.stop();
      await dan.stop();
    }
  });

  it('is sent at commit, and never for a rolled-back write', async () => {
    const cat = await listen(teams.cat);
    try {
      await teams.bob.query('BEGIN');
      await teams.bob.query(`INSERT INTO crm.customers (name, owner) VALUES ('Never', $1)`, [teams.names.bob]);
      await teams.bob.query('ROLLBACK');
      await teams.bob.query('BEGIN');
      const { rows } = await teams.bob.query<{ id: string }>(
        `INSERT INTO crm.customers (name, owner) VALUES ('Kept', $1) RETURNING id`,
        [teams.names.bob],
      );
      // Not a wait for nothing: a listener gets a notification before the reply to its next query.
      await teams.cat.query('SELECT 1');
      expect(cat.payloads).toEqual([]);
      await teams.bob.query('COMMIT');
      await settle(teams.cat, cat.payloads, 1);
      expect(cat.payloads).toEqual([{ table: 'customers', op: 'insert', id: rows[0]!.id }]);
    } finally {
      await cat.stop();
    }
  });
});
