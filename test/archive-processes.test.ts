import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type CrmDatabase } from '../src/db/connection.js';
import { FIXTURES, startCrm, startNode, tempDir } from './helpers.js';

// These tests spawn the built binary (vitest's global setup builds it), because a crash and
// a second writer are only real across processes.

// Generous: a command may wait for the lock on each statement, on a machine shared with other tests.
const crm = (args: string[]) => startCrm(args).exit(30_000);

let dir: string;
let mainPath: string;
let archivePath: string;

beforeEach(() => {
  dir = tempDir('crm-processes-');
  mainPath = path.join(dir, 'crm.db');
  archivePath = path.join(dir, 'archive.db');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function withDb<T>(file: string, work: (db: CrmDatabase) => T): T {
  const db = openDatabase(file);
  try {
    return work(db);
  } finally {
    db.close();
  }
}

/** Seeds customers straight into the file, last updated long ago, each with two interactions. */
function seedCustomers(count: number, fields: { status: string; archived: boolean }): string[] {
  return withDb(mainPath, (db) =>
    db.write(() => {
      const customer = db.sqlite.prepare(
        `INSERT INTO customers (id, name, status, is_archived, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
      );
      const interaction = db.sqlite.prepare(
        `INSERT INTO customer_interactions (id, customer_id, type, channel, note, created_at) VALUES (?, ?, 'call', 'phone', ?, ?)`,
      );
      const old = '2020-01-01T00:00:00.000Z';
      return Array.from({ length: count }, (_, i) => {
        const id = randomUUID();
        customer.run(id, `${fields.status} ${i}`, fields.status, fields.archived ? 1 : 0, old, old);
        interaction.run(randomUUID(), id, `first call ${i}`, old);
        interaction.run(randomUUID(), id, `second call ${i}`, old);
        return id;
      });
    }),
  );
}

const ids = (file: string, table: string) =>
  withDb(file, (db) => (db.sqlite.prepare(`SELECT id FROM ${table}`).all() as Array<{ id: string }>).map((row) => row.id));

describe('archive --to survives being killed mid-run', () => {
  // 250 customers make two batches of the move (200 per batch).
  it.each([
    ['archive-commit', { main: 250, archive: 200 }],
    ['main-commit', { main: 50, archive: 200 }],
  ])('killed after %s: nothing is lost and a rerun finishes the move', async (step, afterCrash) => {
    const seeded = seedCustomers(250, { status: 'closed_lost', archived: true });
    const interactionsBefore = ids(mainPath, 'customer_interactions');

    const crashed = await startNode(path.join(FIXTURES, 'crash-after.mjs'), [step, '--db', mainPath, 'archive', '--to', archivePath]).exit();
    expect(crashed.signal).toBe('SIGKILL');
    const mainAfterCrash = ids(mainPath, 'customers');
    const archiveAfterCrash = ids(archivePath, 'customers');
    expect({ main: mainAfterCrash.length, archive: archiveAfterCrash.length }).toEqual(afterCrash);
    // At the moment of the crash every customer and interaction is in at least one file.
    expect(new Set([...mainAfterCrash, ...archiveAfterCrash])).toEqual(new Set(seeded));
    expect(new Set([...ids(mainPath, 'customer_interactions'), ...ids(archivePath, 'customer_interactions')])).toEqual(
      new Set(interactionsBefore),
    );

    const rerun = await crm(['--db', mainPath, 'archive', '--to', archivePath, '--json']);
    expect(rerun).toMatchObject({ code: 0, signal: null });
    expect(JSON.parse(rerun.stdout)).toMatchObject({ customers: afterCrash.main, customer_interactions: 2 * afterCrash.main });
    expect(ids(mainPath, 'customers')).toEqual([]);
    expect(ids(mainPath, 'customer_interactions')).toEqual([]);
    expect(ids(archivePath, 'customers').sort()).toEqual([...seeded].sort());
    expect(ids(archivePath, 'customer_interactions').sort()).toEqual([...interactionsBefore].sort());

    // The archive is a crm file like any other; its customers are still archived there.
    const shown = await crm(['--db', archivePath, 'customer', 'archive', seeded[0]!, '--json']);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject([{ id: seeded[0], is_archived: true }]);
    expect(shown.stderr).toContain('was already archived; nothing changed');
  });
});

describe('cron archiving while another process writes', () => {
  it('waits for the lock instead of failing: no SQLITE_BUSY reaches the user, nothing is lost', async () => {
    const stale = seedCustomers(300, { status: 'closed_lost', archived: false });
    const alreadyArchived = seedCustomers(50, { status: 'closed_won', archived: true });
    const stopFile = path.join(dir, 'stop');
    const writer = startNode(path.join(FIXTURES, 'busy-writer.mjs'), [mainPath, stopFile]);
    const underContention = async () => {
      // From its first commit on, the writer contends for the lock the commands below need.
      await writer.waitForLine('ready');
      const cron = await crm(['--db', mainPath, 'customer', 'archive', '--status', 'closed_lost', '--older-than', '90d', '--json']);
      const move = await crm(['--db', mainPath, 'archive', '--to', archivePath, '--json']);
      const again = await crm(['--db', mainPath, 'customer', 'archive', '--status', 'closed_lost', '--older-than', '90d', '--json']);
      fs.writeFileSync(stopFile, '');
      return { cron, move, again, writerOutput: (await writer.exit()).stdout };
    };
    const { cron, move, again, writerOutput } = await underContention().finally(() => writer.kill());
    const { writes, errors } = JSON.parse(writerOutput.trim().split('\n').at(-1)!) as { writes: number; errors: string[] };
    const writerRows = () =>
      withDb(mainPath, (db) => (db.sqlite.prepare(`SELECT count(*) AS n FROM customers WHERE owner = 'busy-writer'`).get() as { n: number }).n);

    for (const run of [cron, move, again]) {
      expect(run.stderr).not.toMatch(/busy|SQLITE|locked/i);
      expect(run.code).toBe(0);
    }
    expect(JSON.parse(cron.stdout)).toMatchObject({ count: 300 });
    expect(new Set(JSON.parse(cron.stdout).ids)).toEqual(new Set(stale));
    expect(JSON.parse(move.stdout)).toMatchObject({ customers: 350, customer_interactions: 700 });
    expect(JSON.parse(again.stdout)).toMatchObject({ count: 0 });

    expect(errors).toEqual([]);
    expect(writerRows()).toBe(writes);
    expect(ids(archivePath, 'customers').sort()).toEqual([...stale, ...alreadyArchived].sort());
  }, 90_000);
});
