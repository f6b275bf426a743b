import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, tempDir } from '../helpers.js';
import { createTestDatabase, SERVER_START_TIMEOUT_MS, type TestDatabase } from './helpers.js';
import { writeRestoreFolder } from '../restore-folder.js';

/** The built binary (`npm test` builds first), as a member runs it against the team's server. */
const CRM = path.resolve(import.meta.dirname, '..', '..', 'bin', 'crm.js');

let db: TestDatabase;
let dir: string;
let url: string;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = tempDir('crm-pg-kill-');
  const manager = await db.createRole('importer');
  const owner = await db.connect(db.owner);
  await owner.query(`SELECT crm.crm_create_team('Kill')`);
  await owner.query(`SELECT crm.crm_team_add($1, true, 'Kill')`, [manager]);
  url = db.socketUrl(manager);
}, SERVER_START_TIMEOUT_MS);

afterAll(async () => {
  await db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});


async function counts(): Promise<number[]> {
  const { rows } = await db.asSuperuser(
    `SELECT (SELECT count(*) FROM crm.products)::int AS p, (SELECT count(*) FROM crm.customers)::int AS c,
            (SELECT count(*) FROM crm.customer_interactions)::int AS i, (SELECT count(*) FROM crm.audit_log)::int AS a`,
  );
  return [rows[0].p, rows[0].c, rows[0].i, rows[0].a];
}

describe('import on a server under kill -9', () => {
  it('leaves nothing when the process dies while it writes; the same import then goes through whole', async () => {
    const customers = 3_000;
    const folder = path.join(dir, 'restore');
    writeRestoreFolder(folder, customers, { idPrefix: 'kill-' });
    const before = await counts();
    const child = spawn(process.execPath, [CRM, '--db', url, 'import', '--dir', folder], { env: childEnv(), stdio: 'ignore' });
    // Killed once the merge into the real tables is under way (past staging, before the commit).
    let writing = false;
    const deadline = Date.now() + 60_000;
    while (!writing && Date.now() < deadline && child.exitCode === null) {
      const { rows } = await db.asSuperuser(
        `SELECT 1 FROM pg_stat_activity WHERE usename = $1 AND state = 'active' AND query ~ '^(INSERT INTO|UPDATE) crm\\.(customers|customer_interactions)'`,
        [url.split('user=')[1]],
      );
      writing = rows.length > 0;
    }
    expect(writing).toBe(true);
    child.kill('SIGKILL');
    await once(child, 'exit');
    // The server notices the closed connection and rolls the transaction back.
    for (let waited = 0; waited < 100; waited++) {
      const { rows } = await db.asSuperuser(`SELECT 1 FROM pg_stat_activity WHERE usename = $1 AND xact_start IS NOT NULL`, [url.split('user=')[1]]);
      if (rows.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await counts()).toEqual(before);

    const whole = spawnSync(process.execPath, [CRM, '--db', url, 'import', '--dir', folder], { env: childEnv(), encoding: 'utf8' });
    expect(whole.stderr).not.toMatch(/^error/m);
    expect(whole.status).toBe(0);
    const after = await counts();
    expect(after.slice(0, 3)).toEqual([before[0]! + 1, before[1]! + customers, before[2]! + customers]);
  }, 120_000);
});
