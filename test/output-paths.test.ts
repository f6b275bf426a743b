import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeBackends } from './backends.js';
import { TestCli, tempDir } from './helpers.js';

/*
 * The refusals are SQLite's only: these outputs would overwrite the database's own file or its
 * -wal, -journal or -shm companions on this machine. A team's PostgreSQL database has no file
 * here to protect; the last test shows that such names are refused for the database in use only.
 */

let dir: string;
let dbPath: string;
let cli: TestCli;

beforeEach(async () => {
  dir = tempDir('crm-outputs-');
  dbPath = path.join(dir, 'm.db');
  cli = new TestCli(dbPath);
  await cli.run(['customer', 'add', 'Ada Lovelace']);
  await cli.run(['customer', 'add', 'Grace Hopper']);
  await cli.run(['customer', 'archive', 'Grace Hopper']);
});
afterEach(() => {
  cli.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * A digest of every file in the folder (and below): proves nothing was written or removed
 * anywhere. The -shm index is SQLite's shared memory, rewritten by any reader, so only its
 * presence counts.
 */
function folderBytes(folder = dir): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of fs.readdirSync(folder, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (entry.isSymbolicLink()) files[full] = `-> ${fs.readlinkSync(full)}`;
    else if (entry.name.endsWith('-shm')) files[full] = 'shared memory';
    else if (entry.isFile()) files[full] = createHash('sha256').update(fs.readFileSync(full)).digest('hex');
    else files[full] = 'folder';
  }
  return files;
}

async function expectRefusedOutput(argv: string[], target: string, role: string): Promise<void> {
  const before = folderBytes();
  const rows = cli.snapshot();
  const result = await cli.run(argv);
  expect(result).toMatchObject({
    code: 2,
    stdout: '',
    stderr: expect.stringMatching(new RegExp(`^error: refusing to write .* to ${escape(target)}: it is ${escape(role)} ${escape(dbPath)}; nothing was written\\n$`)),
  });
  expect(folderBytes()).toEqual(before);
  expect(cli.snapshot()).toEqual(rows);
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('an output path that is the SQLite database or one of its companion files is refused', () => {
  it.each([
    ['-wal', 'the write-ahead log of the database'],
    ['-journal', 'the rollback journal of the database'],
    ['-shm', 'the shared-memory index of the database'],
    ['', 'the database'],
  ])('archive --to m.db%s', async (suffix, role) => {
    await expectRefusedOutput(['archive', '--to', `${dbPath}${suffix}`], `${dbPath}${suffix}`, role);
  });

  it('archive --to a file whose write-ahead log would be the database', async () => {
    cli.close();
    const walNamed = path.join(dir, 'x.db-wal');
    fs.renameSync(dbPath, walNamed);
    for (const companion of ['-wal', '-shm']) fs.rmSync(`${dbPath}${companion}`, { force: true });
    dbPath = walNamed;
    cli = new TestCli(walNamed);
    const archive = path.join(dir, 'x.db');
    const before = folderBytes();
    const result = await cli.run(['archive', '--to', archive]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: refusing to write the archive's companion file to ${walNamed}: it is the database ${walNamed}; nothing was written\n`);
    expect(folderBytes()).toEqual(before);
  });

  it('backup to the write-ahead log', async () => {
    await expectRefusedOutput(['backup', `${dbPath}-wal`, '--force'], `${dbPath}-wal`, 'the write-ahead log of the database');
  });

  it('export --out to the rollback journal', async () => {
    await expectRefusedOutput(['export', 'customers', '--out', `${dbPath}-journal`], `${dbPath}-journal`, 'the rollback journal of the database');
  });

  it('export --dir whose customers.csv is a symlink to the database', async () => {
    const folder = path.join(dir, 'out');
    fs.mkdirSync(folder);
    fs.symlinkSync('../m.db', path.join(folder, 'customers.csv'));
    await expectRefusedOutput(['export', '--dir', folder], path.join(folder, 'customers.csv'), 'the database');
  });

  it('import --rejects to the write-ahead log', async () => {
    const csv = path.join(dir, 'in.csv');
    fs.writeFileSync(csv, 'name,status\nBad,nonsense\n');
    await expectRefusedOutput(['import', 'customers', csv, '--rejects', `${dbPath}-wal`], `${dbPath}-wal`, 'the write-ahead log of the database');
  });

  it('import --dir --rejects to a folder whose customers.rejects.csv is a hard link to the database', async () => {
    const rejects = path.join(dir, 'rejects');
    fs.mkdirSync(rejects);
    const linked = path.join(rejects, 'customers.rejects.csv');
    fs.linkSync(dbPath, linked);
    const exports = path.join(dir, 'exports');
    fs.mkdirSync(exports);
    for (const name of ['products.csv', 'customers.csv', 'customer_interactions.csv']) fs.writeFileSync(path.join(exports, name), '');
    await expectRefusedOutput(['import', '--dir', exports, '--rejects', rejects], linked, 'the database');
  });

  it('a dangling symlink to the rollback journal, which does not exist yet', async () => {
    expect(fs.existsSync(`${dbPath}-journal`)).toBe(false);
    const link = path.join(dir, 'archive.db');
    fs.symlinkSync('m.db-journal', link);
    await expectRefusedOutput(['archive', '--to', link], link, 'the rollback journal of the database');
  });

  it('a path through a symlinked folder to the write-ahead log', async () => {
    const alias = path.join(dir, 'alias');
    fs.symlinkSync(dir, alias);
    const target = path.join(alias, 'm.db-wal');
    await expectRefusedOutput(['archive', '--to', target], target, 'the write-ahead log of the database');
  });

  it('a hard link to the database under another name', async () => {
    const linked = path.join(dir, 'copy.db');
    fs.linkSync(dbPath, linked);
    await expectRefusedOutput(['backup', linked, '--force'], linked, 'the database');
  });

  it('still writes ordinary files next to the database', async () => {
    const archive = path.join(dir, 'm-archive.db');
    expect((await cli.run(['archive', '--to', archive])).code).toBe(0);
    expect((await cli.run(['backup', path.join(dir, 'm.db.bak')])).code).toBe(0);
    expect((await cli.run(['export', 'customers', '--out', path.join(dir, 'm.db.csv')])).code).toBe(0);
    expect(fs.existsSync(archive)).toBe(true);
  });
});

describeBackends('an output path that only looks like a companion file', (_backend, fresh) => {
  it('is written when the database in use is another one (a team database has no file here)', async () => {
    const other = await fresh();
    expect((await other.run(['customer', 'add', 'Ada Lovelace'])).code).toBe(0);
    // m.db is the file of the CLI above, not of this CRM: its journal's name is an ordinary output.
    const out = `${dbPath}-journal`;
    const result = await other.run(['export', 'customers', '--out', out]);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: `✓ exported 1 customers row(s) to ${out}\n` });
    expect(fs.readFileSync(out, 'utf8')).toContain(',Ada Lovelace,');
  });
});
