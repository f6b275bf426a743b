import Database from 'better-sqlite3';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXPECTED_TRIGGERS } from '../src/db/expected.js';
import { tempDir } from './helpers.js';
import { writeRestoreFolder } from './restore-folder.js';

/** These tests spawn the built binary (`npm test` builds first), as users and cron jobs do. */
const ROOT = path.resolve(import.meta.dirname, '..');
const CRM = path.join(ROOT, 'bin', 'crm.js');

let dir: string;
beforeEach(() => {
  dir = tempDir('crm-process-');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function crm(args: string[]): { code: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [CRM, ...args], { encoding: 'utf8', cwd: dir });
  return { code: result.status, stderr: result.stderr };
}

function counts(file: string): { products: number; customers: number; interactions: number; integrity: string } {
  const db = new Database(file);
  try {
    const count = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    return {
      products: count('products'),
      customers: count('customers'),
      interactions: count('customer_interactions'),
      integrity: db.pragma('integrity_check', { simple: true }) as string,
    };
  } finally {
    db.close();
  }
}


async function killWhen(child: ChildProcess, condition: () => boolean, timeoutMs: number): Promise<string> {
  const started = Date.now();
  const timer = setInterval(() => {
    if (condition() || Date.now() - started > timeoutMs) child.kill('SIGKILL');
  }, 2);
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  clearInterval(timer);
  return signal ?? `exit ${code}`;
}

describe('import under kill -9', () => {
  it('leaves either the old state or the complete new one, whenever the process dies', async () => {
    const db = path.join(dir, 'crm.db');
    expect(crm(['--db', db, 'product', 'add', 'Existing']).code).toBe(0);
    const customers = 15_000;
    const folder = path.join(dir, 'restore');
    writeRestoreFolder(folder, customers, { interactionsPerCustomer: 2 });
    const before = counts(db);
    const after = { products: 2, customers, interactions: customers * 2, integrity: 'ok' };
    const wal = `${db}-wal`;
    const walSize = () => (fs.existsSync(wal) ? fs.statSync(wal).size : 0);

    const outcomes: string[] = [];
    // Kills at fixed times (reading, staging, writing) and the moment the commit starts
    // writing pages to the WAL, before the commit frame.
    const triggers: Array<() => () => boolean> = [
      ...[100, 400, 900, 1600].map((ms) => () => {
        const start = Date.now();
        return () => Date.now() - start >= ms;
      }),
      () => {
        const baseline = walSize();
        return () => walSize() > baseline + 64 * 1024;
      },
    ];
    for (const makeCondition of triggers) {
      // A killed import leaves its scratch staging file behind in the OS temp folder: keep it in ours.
      const child = spawn(process.execPath, [CRM, '--db', db, 'import', '--dir', folder], { stdio: 'ignore', env: { ...process.env, TMPDIR: dir } });
      outcomes.push(await killWhen(child, makeCondition(), 60_000));
      const state = counts(db);
      expect([before, after]).toContainEqual(state);
      if (state.customers === customers) break;
    }
    expect(outcomes[0]).toBe('SIGKILL');
    expect(crm(['--db', db, 'import', '--dir', folder]).code).toBe(0);
    expect(counts(db)).toEqual(after);
  }, 180_000);
});

describe('backup while another process writes', () => {
  it('produces copies that pass the integrity and foreign key checks and keep every trigger', async () => {
    const db = path.join(dir, 'live.db');
    expect(crm(['--db', db, 'product', 'add', 'Audit']).code).toBe(0);
    const writerScript = `
      const Database = require('better-sqlite3');
      const db = new Database(process.argv[1], { timeout: 10000 });
      db.pragma('foreign_keys = ON');
      const product = db.prepare('SELECT id FROM products LIMIT 1').pluck().get();
      const addCustomer = db.prepare("INSERT INTO customers (name, email, product_id) VALUES (?, ?, ?) RETURNING id");
      const addInteraction = db.prepare("INSERT INTO customer_interactions (customer_id, type, channel, note) VALUES (?, 'Call', 'phone', ?)");
      const dropOldest = db.prepare('DELETE FROM customers WHERE rowid = (SELECT min(rowid) FROM customers)');
      const end = Date.now() + Number(process.argv[2]);
      let n = 0;
      while (Date.now() < end) {
        db.transaction(() => {
          const { id } = addCustomer.get('Writer ' + n, 'w' + n + '@example.com', product);
          for (let k = 0; k < 20; k++) addInteraction.run(id, 'note ' + k + ' '.repeat(200));
          if (n % 5 === 4) dropOldest.run();
        })();
        n++;
      }
      console.log(n);
    `;
    const writer = spawn(process.execPath, ['-e', writerScript, db, '4000'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let written = '';
    writer.stdout!.on('data', (chunk: Buffer) => (written += chunk.toString()));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const copies: string[] = [];
    for (let index = 0; index < 3; index++) {
      const copy = path.join(dir, `copy-${index}.db`);
      const result = crm(['--db', db, 'backup', copy]);
      expect(result).toMatchObject({ code: 0 });
      copies.push(copy);
    }
    await once(writer, 'exit');
    expect(Number(written)).toBeGreaterThan(0);
    for (const copy of copies) {
      const check = new Database(copy, { readonly: true });
      try {
        expect(check.pragma('journal_mode', { simple: true })).toBe('delete');
        expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(check.pragma('foreign_key_check')).toEqual([]);
        const triggers = check.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").pluck().all();
        expect(triggers).toEqual(expect.arrayContaining([...EXPECTED_TRIGGERS]));
        expect(check.prepare('SELECT count(*) FROM customers').pluck().get()).toBeGreaterThan(0);
      } finally {
        check.close();
      }
      expect(crm(['--db', copy, 'product', 'list']).code).toBe(0);
    }
    expect(fs.statSync(copies[0]!).mode & 0o777).toBe(0o600);
  }, 60_000);
});

describe('export into a closed pipe', () => {
  it('stops quietly with status 0 when the reader goes away, like git or sqlite3', () => {
    const db = path.join(dir, 'crm.db');
    const folder = path.join(dir, 'restore');
    writeRestoreFolder(folder, 3_000, { interactionsPerCustomer: 2 });
    expect(crm(['--db', db, 'import', '--dir', folder]).code).toBe(0);
    const result = spawnSync('bash', ['-c', `"${process.execPath}" "${CRM}" --db "${db}" export interactions | head -1; echo "status \${PIPESTATUS[0]}"`], {
      encoding: 'utf8',
    });
    expect(result.stdout).toBe('id,customer_id,type,channel,note,follow_up_date,created_at\nstatus 0\n');
    expect(result.stderr).toBe('');
  });
});
