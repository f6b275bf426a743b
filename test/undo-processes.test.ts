import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES, startNode, tempDir, TestCli } from './helpers.js';
import { createTeams, SERVER_START_TIMEOUT_MS, type Teams } from './pg/helpers.js';

// A crash is only real across processes: these spawn the built crm (vitest's global setup
// builds it) through test/fixtures/crash-at.mjs, which kills it with SIGKILL at a hook point.

let dir: string;
let file: string;

beforeEach(() => {
  dir = tempDir('crm-undo-processes-');
  file = path.join(dir, 'crm.db');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Every table of the file, change sets and audit log included, read by a fresh connection. */
function snapshot(): Record<string, unknown[]> {
  const cli = new TestCli(file);
  try {
    return cli.snapshot();
  } finally {
    cli.close();
  }
}

/** Enough that the move is many statements' work, so the kill lands in the middle of it. */
const INTERACTIONS = 300;

/** Two records of one person, the second with many interactions. */
async function seed(): Promise<{ keep: string; other: string }> {
  const cli = new TestCli(file);
  try {
    const keep = (await cli.json(['customer', 'add', 'Ada Lovelace', '--email', 'ada@example.com'])).id;
    const other = (await cli.json(['customer', 'add', 'Ada Lovelace', '--phone', '+44 20 7946 0000', '--owner', 'grace'])).id;
    const insert = cli.db.sqlite.prepare(
      `INSERT INTO customer_interactions (id, customer_id, type, channel, note, created_at) VALUES (?, ?, 'call', 'phone', ?, ?)`,
    );
    cli.db.write(() => {
      for (let i = 0; i < INTERACTIONS; i++) insert.run(`i-${String(i).padStart(5, '0')}`, other, `call ${i}`, '2026-01-01T00:00:00.000Z');
    });
    return { keep, other };
  } finally {
    cli.close();
  }
}

const crashAt = (hook: string, step: string, args: string[]) =>
  startNode(path.join(FIXTURES, 'crash-at.mjs'), [hook, step, '--db', file, ...args]).exit(30_000);

describe('a merge or an undo killed with kill -9 leaves the old state or the new one, nothing in between', () => {
  it('merge, then its undo: killed inside the transaction, nothing happened; killed after the commit, all of it did', async () => {
    const { keep, other } = await seed();
    const before = snapshot();
    const merge = ['customer', 'merge', keep, other, '--yes'];

    const inside = await crashAt('onMergeStep', 'moved', merge);
    expect(inside.signal).toBe('SIGKILL');
    expect(snapshot()).toEqual(before);

    const after = await crashAt('onMergeStep', 'committed', merge);
    expect(after.signal).toBe('SIGKILL');
    const merged = snapshot();
    expect((merged.customers as Array<{ id: string }>).map((c) => c.id)).toEqual([keep]);
    expect(new Set((merged.customer_interactions as Array<{ customer_id: string }>).map((i) => i.customer_id))).toEqual(new Set([keep]));
    expect(merged.customer_interactions).toHaveLength(INTERACTIONS);
    expect(merged.change_sets).toHaveLength((before.change_sets as unknown[]).length + 1);

    // The undo, killed the same two ways.
    const undoInside = await crashAt('onUndoStep', 'reverted', ['undo', '--yes']);
    expect(undoInside.signal).toBe('SIGKILL');
    expect(snapshot()).toEqual(merged);

    const undoAfter = await crashAt('onUndoStep', 'committed', ['undo', '--yes']);
    expect(undoAfter.signal).toBe('SIGKILL');
    const undone = snapshot();
    // The data is as before the merge; the log and the change sets have grown by the merge and its undo.
    // (Rows compared in any order: a put-back row may sit at another rowid.)
    const sorted = (rows: unknown) => (rows as unknown[]).map((row) => JSON.stringify(row)).sort();
    for (const table of ['products', 'customers', 'customer_interactions', 'customer_external_ids', 'customer_activity', 'customer_counts', 'customer_name_folds']) {
      expect(sorted(undone[table]), table).toEqual(sorted(before[table]));
    }
    expect(undone.change_sets).toHaveLength((before.change_sets as unknown[]).length + 2);
  }, 90_000);
});

describe('on a team server, a merge or an undo killed with kill -9 leaves the old state or the new one', () => {
  let teams: Teams;
  beforeAll(async () => {
    teams = await createTeams();
  }, SERVER_START_TIMEOUT_MS);
  afterAll(async () => teams?.db.close());

  /** The team's rows as its manager sees them, change sets included. */
  async function teamSnapshot(client: pg.Client) {
    // position (the export order, drizzle/pg/0007) is not user data: a row an undo puts back is added anew.
    const rows = async (table: string) =>
      (await client.query(`SELECT * FROM crm.${table} ORDER BY id`)).rows.map(({ position: _position, ...row }) => row);
    return {
      customers: await rows('customers'),
      customer_interactions: await rows('customer_interactions'),
      audit_log: await rows('audit_log'),
      change_sets: await rows('change_sets'),
    };
  }

  it('merge, then its undo: killed inside the transaction, nothing happened; killed after the commit, all of it did', async () => {
    const ann = teams.ann;
    const url = teams.db.socketUrl(teams.names.ann);
    const keep = (await ann.query(`INSERT INTO crm.customers (name, email) VALUES ('Ada Lovelace', 'ada@example.com') RETURNING id`)).rows[0].id;
    const other = (await ann.query(`INSERT INTO crm.customers (name, phone) VALUES ('Ada Lovelace', '+44 20 7946 0000') RETURNING id`)).rows[0].id;
    await ann.query(
      `INSERT INTO crm.customer_interactions (customer_id, type, channel, note) SELECT $1, 'call', 'phone', 'call ' || n FROM generate_series(1, ${INTERACTIONS}) AS n`,
      [other],
    );
    const crash = (hook: string, step: string, args: string[]) =>
      startNode(path.join(FIXTURES, 'crash-at.mjs'), [hook, step, '--db', url, ...args]).exit(30_000);
    const before = await teamSnapshot(ann);

    expect((await crash('onMergeStep', 'moved', ['customer', 'merge', keep, other, '--yes'])).signal).toBe('SIGKILL');
    expect(await teamSnapshot(ann)).toEqual(before);
    expect((await crash('onMergeStep', 'committed', ['customer', 'merge', keep, other, '--yes'])).signal).toBe('SIGKILL');
    const merged = await teamSnapshot(ann);
    expect(merged.customers.map((row) => row.id)).toEqual([keep]);
    expect(new Set(merged.customer_interactions.map((row) => row.customer_id))).toEqual(new Set([keep]));
    expect(merged.change_sets).toHaveLength(before.change_sets.length + 1);

    expect((await crash('onUndoStep', 'reverted', ['undo', '--yes'])).signal).toBe('SIGKILL');
    expect(await teamSnapshot(ann)).toEqual(merged);
    expect((await crash('onUndoStep', 'committed', ['undo', '--yes'])).signal).toBe('SIGKILL');
    const undone = await teamSnapshot(ann);
    expect(undone.customers).toEqual(before.customers);
    expect(undone.customer_interactions).toEqual(before.customer_interactions);
    expect(undone.change_sets).toHaveLength(before.change_sets.length + 2);
  }, 90_000);
});
