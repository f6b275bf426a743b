import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { knownMigrations } from '../src/db/connection.js';
import { CRM_BIN, childEnv, runCli, tempDir } from './helpers.js';

let dir: string;
let dbPath: string;
beforeEach(() => {
  dir = tempDir('crm-creation-');
  dbPath = path.join(dir, 'typo', 'crm.db');
});
afterEach(() => {
  fs.chmodSync(dir, 0o700);
  fs.rmSync(dir, { recursive: true, force: true });
});

const missing = (file: string) =>
  `error: no database at ${file} (create one with \`crm db init --db ${file}\`, or add a record)\n`;

describe('only commands that write create a database', () => {
  it.each([
    [['customer', 'list']],
    [['customer', 'search', 'ada']],
    [['db', 'check']],
    [['db', 'status']],
    [['pipeline']],
    [['export', 'customers']],
    [['backup', 'copy.db']],
    [['archive', '--to', 'archive.db']],
  ])('crm %s on a missing file fails naming it and creates nothing', async (argv) => {
    const result = await runCli(['--db', dbPath, ...argv], { cwd: dir });
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: missing(dbPath) });
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('quotes a path with a space in the hint, so it can be pasted back', async () => {
    const spaced = path.join(dir, 'my crm.db');
    const result = await runCli(['--db', spaced, 'customer', 'list']);
    expect(result.stderr).toBe(`error: no database at ${spaced} (create one with \`crm db init --db '${spaced}'\`, or add a record)\n`);
  });

  it('db init creates an empty database and says where; on an existing one it changes nothing and exits 0', async () => {
    const created = await runCli(['--db', dbPath, 'db', 'init']);
    const latest = knownMigrations().tags.length;
    expect(created).toMatchObject({
      code: 0,
      stdout: '',
      stderr: `✓ created an empty database at ${dbPath} (schema version ${latest} of ${latest})\n`,
    });
    expect((await runCli(['--db', dbPath, 'customer', 'list', '--json'])).stdout).toBe('[]\n');
    const before = fs.readFileSync(dbPath);
    const again = await runCli(['--db', dbPath, 'db', 'init']);
    expect(again).toMatchObject({ code: 0, stderr: `a database already exists at ${dbPath} (schema version ${latest} of ${latest}); nothing changed\n` });
    expect(fs.readFileSync(dbPath).equals(before)).toBe(true);
    const json = JSON.parse((await runCli(['--db', dbPath, 'db', 'init', '--json'])).stdout);
    expect(json).toMatchObject({ path: dbPath, created: false, applied: [] });
  });

  it.each([
    [['customer', 'add', 'Ada Lovelace']],
    [['product', 'add', 'Audit']],
    [['db', 'migrate']],
  ])('crm %s creates the missing database', async (argv) => {
    expect((await runCli(['--db', dbPath, ...argv])).code).toBe(0);
    expect((await runCli(['--db', dbPath, 'db', 'check'])).code).toBe(0);
  });

  it('import creates the database, a dry run does not', async () => {
    const csv = path.join(dir, 'in.csv');
    fs.writeFileSync(csv, 'name\nAda Lovelace\n');
    expect(await runCli(['--db', dbPath, 'import', 'customers', csv, '--dry-run'])).toMatchObject({ code: 1, stderr: missing(dbPath) });
    expect(fs.existsSync(dbPath)).toBe(false);
    expect((await runCli(['--db', dbPath, 'import', 'customers', csv])).code).toBe(0);
    expect(JSON.parse((await runCli(['--db', dbPath, 'customer', 'list', '--json'])).stdout)).toHaveLength(1);
  });
});

/**
 * Root ignores file permissions, and CI runs as root: there the binary runs as nobody, for
 * whom the chmod holds, as it does for any user.
 */
function crmAsUnprivileged(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const asRoot = process.getuid?.() === 0;
  const result = spawnSync(process.execPath, [CRM_BIN, ...args], {
    env: childEnv({ HOME: dir }),
    encoding: 'utf8',
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
  });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const digest = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('a database that cannot be written', () => {
  beforeEach(async () => {
    dbPath = path.join(dir, 'crm.db');
    expect((await runCli(['--db', dbPath, 'customer', 'add', 'Ada Lovelace'])).code).toBe(0);
    fs.chmodSync(dbPath, 0o444);
  });

  it.each([
    ['a read-only file', 0o777],
    ['a file in a read-only folder', 0o555],
  ])('%s is read, and a write says it is read-only', (_case, folderMode) => {
    fs.chmodSync(dir, folderMode);
    const before = digest(dbPath);
    const list = crmAsUnprivileged(['--db', dbPath, 'customer', 'list', '--json']);
    expect(list.stderr).toBe('');
    expect(JSON.parse(list.stdout).map((customer: { name: string }) => customer.name)).toEqual(['Ada Lovelace']);
    expect(crmAsUnprivileged(['--db', dbPath, 'db', 'check']).code).toBe(0);
    const add = crmAsUnprivileged(['--db', dbPath, 'customer', 'add', 'Grace Hopper']);
    expect(add).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `error: database ${dbPath} is read-only: the file or its folder cannot be written; nothing was changed\n`,
    });
    expect(digest(dbPath)).toBe(before);
  });
});
