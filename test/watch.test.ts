import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, type CrmDatabase } from '../src/db/connection.js';
import { BufferStream, startCrm, TestCli, tempDir } from './helpers.js';

const SLOW = { timeout: 10_000, interval: 20 };

let dir: string;
let file: string;
let cli: TestCli;
/** Another connection to the same file: what another terminal or job would use. */
let other: CrmDatabase;

beforeEach(() => {
  dir = tempDir();
  file = path.join(dir, 'crm.db');
  cli = new TestCli(file);
  other = openDatabase(file);
});
afterEach(() => {
  other.close();
  cli.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts `crm watch` in-process; resolves once it is watching. */
async function startWatch(args: string[]) {
  let interrupt!: () => void;
  const interrupted = new Promise<void>((resolve) => {
    interrupt = resolve;
  });
  const stdout = new BufferStream();
  const stderr = new BufferStream();
  const running = cli.run(['watch', '--interval', '20', ...args], { stdout, stderr, interrupt: interrupted });
  await vi.waitFor(() => expect(stderr.text).toBe('watching for changes; Ctrl-C to stop\n'), SLOW);
  const lines = () => stdout.text.split('\n').filter(Boolean);
  return {
    lines,
    waitForLines: (count: number) => vi.waitFor(() => expect(lines()).toHaveLength(count), SLOW),
    stop: async () => {
      interrupt();
      return running;
    },
  };
}

describe('crm watch (in-process)', () => {
  it("prints another connection's changes as JSON lines, not earlier history, and exits 0 on interrupt", async () => {
    other.sqlite.exec(`INSERT INTO products (name) VALUES ('Before the watch')`);
    const watch = await startWatch(['--json']);
    other.identifyWriter({ actor: 'bob' });
    other.write(() => other.sqlite.exec(`INSERT INTO products (id, name) VALUES ('p2', 'During')`));
    other.sqlite.exec(`UPDATE products SET description = 'raw' WHERE id = 'p2'`);
    await watch.waitForLines(2);
    const result = await watch.stop();
    expect(result.code).toBe(0);
    const [insert, update] = watch.lines().map((line) => JSON.parse(line));
    expect(insert).toMatchObject({
      table_name: 'products',
      record_id: 'p2',
      action: 'insert',
      actor: 'bob',
      old_values: null,
      new_values: { name: 'During', is_active: true },
    });
    expect(update).toMatchObject({
      action: 'update',
      actor: '',
      old_values: { description: null },
      new_values: { description: 'raw' },
    });
  });

  it('shows only the table asked for', async () => {
    const watch = await startWatch(['--json', '--table', 'customer']);
    other.sqlite.exec(`INSERT INTO products (name) VALUES ('Not shown')`);
    other.sqlite.exec(`INSERT INTO customers (id, name) VALUES ('c1', 'Shown')`);
    await watch.waitForLines(1);
    expect((await watch.stop()).code).toBe(0);
    expect(JSON.parse(watch.lines()[0]!)).toMatchObject({ table_name: 'customers', record_id: 'c1' });
  });

  it('prints one readable line per change, with what an update changed', async () => {
    other.sqlite.exec(`INSERT INTO customers (id, name) VALUES ('c1', 'Ada')`);
    const watch = await startWatch([]);
    other.sqlite.exec(`UPDATE customers SET status = 'qualified', owner = 'bob' WHERE id = 'c1'`);
    other.sqlite.exec(`DELETE FROM customers WHERE id = 'c1'`);
    await watch.waitForLines(2);
    await watch.stop();
    const [update, deletion] = watch.lines();
    expect(update).toMatch(/^\S+Z  update  customer c1  "Ada"  outside crm  status: lead → qualified; owner: \(none\) → bob$/);
    expect(deletion).toMatch(/^\S+Z  delete  customer c1  "Ada"  outside crm$/);
  });

  it('refuses an unknown table or a bad interval with exit 2', async () => {
    const table = await cli.run(['watch', '--table', 'deals']);
    expect(table).toMatchObject({
      code: 2,
      stderr: 'error: unknown table "deals": use one of products, customers, customer_interactions, customer_external_ids\n',
    });
    const interval = await cli.run(['watch', '--interval', 'fast']);
    expect(interval).toMatchObject({
      code: 2,
      stderr: 'error: invalid --interval "fast": use a whole number of milliseconds from 10 to 60000\n',
    });
  });
});

describe('crm watch (spawned binary)', () => {
  it('sees a change made by another process, then exits 0 on SIGINT', async () => {
    const watch = startCrm(['watch', '--json', '--interval', '50'], { env: { CRM_DB: file } });
    try {
      await watch.waitForLine('watching for changes; Ctrl-C to stop', { stream: 'stderr' });
      // As the plain sqlite3 shell would write it.
      const shell = new Database(file);
      shell.exec(`INSERT INTO customers (id, name) VALUES ('c9', 'From the shell')`);
      shell.close();
      const change = await watch.waitForLine(/./);
      expect(JSON.parse(change)).toMatchObject({
        table_name: 'customers',
        record_id: 'c9',
        action: 'insert',
        actor: '',
        new_values: { name: 'From the shell' },
      });
      watch.kill('SIGINT');
      expect(await watch.exit()).toMatchObject({ code: 0, signal: null });
    } finally {
      watch.kill();
    }
  });

  it('exits on SIGINT at once, not at the end of a long --interval', async () => {
    const watch = startCrm(['watch', '--interval', '60000'], { env: { CRM_DB: file } });
    try {
      await watch.waitForLine('watching for changes; Ctrl-C to stop', { stream: 'stderr' });
      const interruptedAt = Date.now();
      watch.kill('SIGINT');
      expect(await watch.exit(20_000)).toMatchObject({ code: 0, signal: null, stdout: '' });
      expect(Date.now() - interruptedAt).toBeLessThan(5_000);
    } finally {
      watch.kill();
    }
  });
});
