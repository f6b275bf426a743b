import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { describeBackends, type BackendCli, type OtherMember } from './backends.js';
import { BufferStream, startCrm, TestCli, tempDir, type RunOptions, type RunResult } from './helpers.js';

const SLOW = { timeout: 10_000, interval: 20 };

/** An id of its own: on PostgreSQL every team's CRM shares one database and its keys. */
const newId = (base: string) => `${base}-${Math.random().toString(16).slice(2, 6)}`;

/** Starts `crm watch` in-process with `run` (someone's CLI); resolves once it is watching. */
async function startWatch(run: (argv: string[], options: RunOptions) => Promise<RunResult>, args: string[]) {
  let interrupt!: () => void;
  const interrupted = new Promise<void>((resolve) => {
    interrupt = resolve;
  });
  const stdout = new BufferStream();
  const stderr = new BufferStream();
  const running = run(['watch', ...(args.includes('--interval') ? [] : ['--interval', '20']), ...args], {
    stdout,
    stderr,
    interrupt: interrupted,
  });
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

describeBackends('crm watch (in-process)', (backend, fresh) => {
  let cli: BackendCli;
  /** Another member of the CRM on a connection of their own: what another terminal would use. */
  let other: OtherMember;
  /** What the audit log names for `other`'s SQL: nobody from the sqlite3 shell, their role in psql. */
  let rawActor: string;
  beforeEach(async () => {
    cli = await fresh({ file: true });
    other = await cli.otherMember('bob', { manager: true });
    rawActor = backend === 'sqlite' ? '' : other.actor;
  });
  const watch = (args: string[]) => startWatch((argv, options) => cli.run(argv, options), args);
  const who = (actor: string) => (actor ? `by ${actor}` : 'outside crm');

  it("prints another connection's changes as JSON lines, not earlier history, and exits 0 on interrupt", async () => {
    await other.sql(`INSERT INTO products (name) VALUES ('Before the watch')`);
    const watching = await watch(['--json']);
    expect((await other.run(['product', 'add', 'During'])).code).toBe(0);
    await other.sql(`UPDATE products SET description = 'raw' WHERE name = 'During'`);
    await watching.waitForLines(2);
    const result = await watching.stop();
    expect(result.code).toBe(0);
    const [insert, update] = watching.lines().map((line) => JSON.parse(line));
    expect(insert).toMatchObject({
      table_name: 'products',
      action: 'insert',
      actor: other.actor,
      old_values: null,
      new_values: { name: 'During', is_active: true },
    });
    expect(update).toMatchObject({
      record_id: insert.record_id,
      action: 'update',
      actor: rawActor,
      old_values: { description: null },
      new_values: { description: 'raw' },
    });
  });

  it('shows only the table asked for', async () => {
    const c1 = newId('c1');
    const watching = await watch(['--json', '--table', 'customer']);
    await other.sql(`INSERT INTO products (name) VALUES ('Not shown')`);
    await other.sql(`INSERT INTO customers (id, name) VALUES ($1, 'Shown')`, [c1]);
    await watching.waitForLines(1);
    expect((await watching.stop()).code).toBe(0);
    expect(JSON.parse(watching.lines()[0]!)).toMatchObject({ table_name: 'customers', record_id: c1 });
  });

  it('prints one readable line per change, with what an update changed', async () => {
    const c1 = newId('c1');
    await other.sql(`INSERT INTO customers (id, name) VALUES ($1, 'Ada')`, [c1]);
    const watching = await watch([]);
    await other.sql(`UPDATE customers SET status = 'qualified', owner = 'bob' WHERE id = $1`, [c1]);
    await other.sql(`DELETE FROM customers WHERE id = $1`, [c1]);
    await watching.waitForLines(2);
    await watching.stop();
    const [update, deletion] = watching.lines();
    expect(update).toBe(
      `${update!.split('  ')[0]}  update  customer ${c1}  "Ada"  ${who(rawActor)}  status: lead → qualified; owner: (none) → bob`,
    );
    expect(update).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z  /);
    expect(deletion).toMatch(new RegExp(`^\\S+Z  delete  customer ${c1}  "Ada"  ${who(rawActor)}$`));
  });

  it('shows a prune of the audit log, with its count', async () => {
    await other.sql(`INSERT INTO customers (name) VALUES ('Pruned')`);
    const watching = await watch(['--json']);
    // Entries carry the real time (the server's, on PostgreSQL); the cut-off must be past them.
    cli.clock.set('2999-01-01T00:00:00.000Z');
    expect((await other.run(['db', 'prune-audit', '--before', '2998-01-01', '--yes'])).code).toBe(0);
    await watching.waitForLines(1);
    await watching.stop();
    expect(JSON.parse(watching.lines()[0]!)).toMatchObject({
      table_name: 'audit_log',
      record_id: null,
      action: 'prune',
      actor: other.actor,
      new_values: { before: '2998-01-01T00:00:00.000Z', deleted: 1 },
    });
  });

  it('refuses an unknown table or a bad interval with exit 2', async () => {
    const table = await cli.run(['watch', '--table', 'deals']);
    expect(table).toMatchObject({
      code: 2,
      stderr: 'error: unknown table "deals": use one of products, customers, customer_interactions, customer_external_ids, customer_tags, companies, settings\n',
    });
    const interval = await cli.run(['watch', '--interval', 'fast']);
    expect(interval).toMatchObject({
      code: 2,
      stderr: 'error: invalid --interval "fast": use a whole number of milliseconds from 10 to 60000\n',
    });
  });

  if (backend === 'postgres') {
    it("shows a teammate's change within a second, named by their role; another team's member sees nothing", async () => {
      const teammate = await cli.otherMember('cat');
      const stranger = await cli.otherMember('dan', { otherTeam: true });
      // A long interval: only the server's notification can bring the change this soon.
      const mine = await watch(['--json', '--interval', '10000']);
      const theirs = await startWatch(stranger.run, ['--json', '--interval', '10000']);
      expect((await teammate.run(['customer', 'add', 'Secret Client', '--email', 'secret@example.com'])).code).toBe(0);
      const committed = Date.now();
      await mine.waitForLines(1);
      expect(Date.now() - committed).toBeLessThan(1000);
      const [entry] = mine.lines().map((line) => JSON.parse(line));
      expect(entry).toMatchObject({
        table_name: 'customers',
        action: 'insert',
        actor: teammate.actor,
        new_values: { name: 'Secret Client', email: 'secret@example.com', owner: teammate.actor },
      });
      // The stranger's watch was woken by the same notification and read nothing through its rules.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(theirs.lines()).toEqual([]);
      expect((await theirs.stop()).code).toBe(0);
      expect((await mine.stop()).code).toBe(0);
    });

    it('misses no entry of a transaction that commits after a later one', async () => {
      const teammate = await cli.otherMember('eve');
      const watching = await watch(['--json']);
      await other.sql('BEGIN');
      await other.sql(`INSERT INTO customers (name) VALUES ('Slow import')`);
      expect((await teammate.run(['customer', 'add', 'Quick edit'])).code).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 200));
      // The quick entry waits for the slow one, whose id is smaller.
      expect(watching.lines()).toEqual([]);
      await other.sql('COMMIT');
      await watching.waitForLines(2);
      await watching.stop();
      expect(watching.lines().map((line) => JSON.parse(line).new_values.name)).toEqual(['Slow import', 'Quick edit']);
    });
  }
});

describe('crm watch (spawned binary, SQLite)', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = tempDir();
    file = path.join(dir, 'crm.db');
    new TestCli(file).close();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

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
