import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { knownMigrations } from '../src/db/connection.js';
import { runCli, tempDir, type RunOptions } from './helpers.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = tempDir();
  file = path.join(dir, 'crm.db');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Each call opens and closes the file, as separate invocations of the binary would. */
const crm = (argv: string[], options: RunOptions = {}) => runCli(['--db', file, ...argv], options);
const tags = knownMigrations().tags;
const latest = tags.at(-1)!;

describe('db status', () => {
  it('reports the schema, what opening just applied, row counts, size and journal mode as JSON', async () => {
    // An empty file is a database with no schema yet: opening it applies every migration.
    fs.writeFileSync(file, '');
    const fresh = await crm(['db', 'status', '--json']);
    expect(fresh.code).toBe(0);
    const status = JSON.parse(fresh.stdout);
    expect(status).toMatchObject({
      path: file,
      schema: { applied: tags, pending: [], known: tags.length, applied_on_open: tags },
      journal_mode: 'wal',
      rows: { customer_interactions: 0, customers: 0, products: 0 },
    });
    expect(status.file_bytes).toBeGreaterThan(0);
    expect(status.sqlite_version).toMatch(/^3\.\d+\.\d+$/);

    await crm(['product', 'add', 'Audit']);
    await crm(['product', 'add', 'Coaching', '--inactive']);
    const later = JSON.parse((await crm(['db', 'status', '--json'])).stdout);
    expect(later.schema.applied_on_open).toEqual([]);
    expect(later.rows).toMatchObject({ customer_interactions: 0, customers: 0, products: 2 });
  });

  it('counts every table of the file, including ones added later', async () => {
    await crm(['db', 'migrate']);
    const db = new Database(file);
    db.exec(`CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('a'), ('b')`);
    db.close();
    const status = JSON.parse((await crm(['db', 'status', '--json'])).stdout);
    expect(status.rows).toMatchObject({ customer_interactions: 0, customers: 0, notes: 2, products: 0 });
    expect(status.rows).not.toHaveProperty('__drizzle_migrations');
  });

  it('prints aligned fields for a person', async () => {
    await crm(['product', 'add', 'Audit']);
    const { code, stdout, stderr } = await crm(['db', 'status']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(new RegExp(`^path +${file}$`, 'm'));
    expect(stdout).toMatch(new RegExp(`^schema version +${tags.length} of ${tags.length} \\(${latest}\\)$`, 'm'));
    expect(stdout).toMatch(/^pending migrations +none$/m);
    expect(stdout).toMatch(/^journal mode +wal$/m);
    expect(stdout).toMatch(/^size +\d+\.\d KiB/m);
    expect(stdout).toMatch(/^rows in products +1$/m);
    expect(stdout).not.toMatch(/applied just now/);
  });
});

describe('db migrate', () => {
  it('lists what it applied on a new file, then says the file is up to date', async () => {
    const first = await crm(['db', 'migrate']);
    expect(first).toMatchObject({
      code: 0,
      stdout: '',
      stderr: `✓ applied ${tags.length} migration(s): ${tags.join(', ')} (schema version ${tags.length} of ${tags.length})\n`,
    });
    const second = await crm(['db', 'migrate']);
    expect(second).toMatchObject({ code: 0, stdout: '', stderr: `database is up to date (schema version ${tags.length} of ${tags.length})\n` });
    const json = await crm(['db', 'migrate', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ applied: [], schema: { applied: tags, pending: [], known: tags.length } });
  });
});

describe('db check', () => {
  it('passes every check on a file the program created', async () => {
    await crm(['db', 'init']);
    const { code, stdout, stderr } = await crm(['db', 'check']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const lines = stdout.trimEnd().split('\n');
    expect(lines.map((line) => line.split(/ +/).slice(0, 2).join(' '))).toEqual([
      'ok integrity',
      'ok foreign_key_check',
      'ok triggers',
      'ok indexes',
      'ok migrations',
      'ok customer_activity',
      'ok customer_name_folds',
      'ok customer_counts',
      'ok customer_values',
      'ok customer_search',
      'ok foreign_keys',
      'ok journal_mode',
    ]);
    const report = JSON.parse((await crm(['db', 'check', '--json'])).stdout);
    expect(report.ok).toBe(true);
    expect(report.checks).toHaveLength(lines.length);
  });

  it('colours the verdicts only on a terminal without NO_COLOR', async () => {
    await crm(['db', 'init']);
    const coloured = await crm(['db', 'check'], { tty: true });
    expect(coloured.stdout).toContain('\u001b[32mok  \u001b[39m');
    const noColor = await crm(['db', 'check'], { tty: true, env: { NO_COLOR: '1' } });
    expect(noColor.stdout).not.toContain('\u001b[');
    const flag = await crm(['--no-color', 'db', 'check'], { tty: true });
    expect(flag.stdout).not.toContain('\u001b[');
  });
});

describe('a path that is not a database', () => {
  it('is refused with one line naming the file, and the file is left alone', async () => {
    fs.writeFileSync(file, 'my notes, not a database\n');
    const result = await crm(['db', 'status']);
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: `error: cannot open ${file}: file is not a database\n` });
    expect(fs.readFileSync(file, 'utf8')).toBe('my notes, not a database\n');
    const folder = await runCli(['--db', dir, 'db', 'status']);
    expect(folder).toMatchObject({ code: 1, stderr: `error: cannot open ${dir}: unable to open database file\n` });
  });
});

describe('db help', () => {
  it('lists the four verbs and gives each one examples', async () => {
    const help = await crm(['db', '--help']);
    expect(help.code).toBe(0);
    for (const verb of ['path', 'status', 'migrate', 'check']) {
      expect(help.stdout).toMatch(new RegExp(`^  ${verb}\\b`, 'm'));
      const verbHelp = await crm(['db', verb, '--help']);
      expect(verbHelp.stdout).toContain('Examples:');
    }
    expect(fs.existsSync(file)).toBe(false);
  });

  it('refuses an unknown db verb as a usage error', async () => {
    const result = await crm(['db', 'vacuum']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'vacuum'");
  });
});
