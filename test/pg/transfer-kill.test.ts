import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, tempDir } from '../helpers.js';
import { createTestDatabase, SERVER_START_TIMEOUT_MS, type TestDatabase } from './helpers.js';

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

function writeRestoreFolder(folder: string, customers: number): void {
  fs.mkdirSync(folder, { recursive: true });
  const id = (kind: string, index: number) => `kill-${kind}-${String(index).padStart(8, '0')}`;
  const stamp = '2026-01-01T00:00:00.000Z';
  fs.writeFileSync(path.join(folder, 'products.csv'), `id,name,description,is_active,created_at,updated_at\n${id('p', 1)},Imported,,1,${stamp},${stamp}\n`);
  const customerLines = ['id,name,email,phone,product_id,status,acquisition_source,owner,is_archived,created_at,updated_at'];
  const interactionLines = ['id,customer_id,type,channel,note,follow_up_date,created_at'];
  for (let index = 0; index < customers; index++) {
    customerLines.push(`${id('c', index)},Customer ${index},c${index}@example.com,,${id('p', 1)},lead,,,0,${stamp},${stamp}`);
    interactionLines.push(`${id('i', index)},${id('c', index)},Call,phone,"Note, ${index}",,${stamp}`);
  }
  fs.writeFileSync(path.join(folder, 'customers.csv'), `${customerLines.join('\n')}\n`);
  fs.writeFileSync(path.join(folder, 'customer_interactions.csv'), `${interactionLines.join('\n')}\n`);
}

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
    writeRestoreFolder(folder, customers);
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
