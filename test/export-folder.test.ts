import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openFileStream } from '../src/cli/file-output.js';
import { countOf, describeBackends, type BackendCli } from './backends.js';
import { tempDir } from './helpers.js';

const TABLE_FILES = ['products.csv', 'companies.csv', 'customers.csv', 'customer_interactions.csv', 'customer_external_ids.csv', 'customer_tags.csv', 'settings.csv'];

describeBackends('export and import files', (backend, fresh) => {
  let cli: BackendCli;
  let dir: string;
  beforeEach(async () => {
    cli = await fresh();
    dir = tempDir('crm-export-folder-');
    await cli.run(['product', 'add', 'Audit']);
    await cli.run(['customer', 'add', 'Ada Lovelace', '--product', 'Audit']);
    await cli.run(['interaction', 'log', 'Ada Lovelace', '--channel', 'phone', '--type', 'call', '--note', 'hello']);
  });
  afterEach(async () => {
    await cli.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Every entry under the folder, hidden ones included, with each file's content. */
  function tree(folder = dir): Record<string, string> {
    const entries: Record<string, string> = {};
    for (const entry of fs.readdirSync(folder, { withFileTypes: true, recursive: true })) {
      const full = path.join(entry.parentPath, entry.name);
      entries[path.relative(folder, full)] = entry.isFile() ? fs.readFileSync(full, 'utf8') : 'folder';
    }
    return entries;
  }

  /** A disk that fills up while `failing` is written: the error comes from the write, as from a real one. */
  function diskFullOn(failing: string) {
    return (file: string): Writable => {
      if (path.basename(file) !== failing) return openFileStream(file);
      return new Writable({
        write(_chunk, _encoding, callback) {
          callback(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' }));
        },
      });
    };
  }

  describe('export --dir is all or nothing', () => {
    it('a full disk while writing a new folder: one line naming the file, exit 1, no folder and nothing half-written', async () => {
      const target = path.join(dir, 'backup');
      const result = await cli.run(['export', '--dir', target], { hooks: { openFileStream: diskFullOn('customers.csv') } });
      expect(result).toMatchObject({
        code: 1,
        stdout: '',
        stderr: `error: cannot write ${path.join(target, 'customers.csv')}: no space left on device; nothing was exported\n`,
      });
      expect(tree()).toEqual({});
    });

    it('a full disk while replacing an earlier export: the old files stay, other files are untouched', async () => {
      expect((await cli.run(['export', '--dir', dir])).code).toBe(0);
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
      const before = tree();
      await cli.run(['customer', 'add', 'Grace Hopper']);
      const result = await cli.run(['export', '--dir', dir], { hooks: { openFileStream: diskFullOn('customer_interactions.csv') } });
      expect(result).toMatchObject({
        code: 1,
        stderr: `error: cannot write ${path.join(dir, 'customer_interactions.csv')}: no space left on device; nothing was exported\n`,
      });
      expect(tree()).toEqual(before);
    });

    it('a file that cannot be replaced half-way through puts back the ones already replaced', async () => {
      expect((await cli.run(['export', '--dir', dir])).code).toBe(0);
      // A folder where customers.csv should be: products.csv is replaced first, then this fails for real.
      fs.rmSync(path.join(dir, 'customers.csv'));
      fs.mkdirSync(path.join(dir, 'customers.csv'));
      fs.writeFileSync(path.join(dir, 'customers.csv', 'keep.txt'), 'keep');
      const before = tree();
      await cli.run(['product', 'add', 'Coaching']);
      const result = await cli.run(['export', '--dir', dir]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^error: cannot write ${path.join(dir, 'customers.csv')}: .+; the folder keeps its previous files\\n$`));
      expect(tree()).toEqual(before);
    });

    it('replaces the seven files of an earlier export and leaves other files alone', async () => {
      expect((await cli.run(['export', '--dir', dir])).code).toBe(0);
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
      await cli.run(['customer', 'add', 'Grace Hopper']);
      expect((await cli.run(['export', '--dir', dir])).code).toBe(0);
      expect(Object.keys(tree()).sort()).toEqual([...TABLE_FILES, 'notes.txt'].sort());
      expect(tree()['customers.csv']).toContain('Grace Hopper');
      expect(tree()['notes.txt']).toBe('mine');
    });

    it('a write error on a single-table --out names the file and leaves no partial file', async () => {
      const out = path.join(dir, 'customers.csv');
      const result = await cli.run(['export', 'customers', '--out', out], { hooks: { openFileStream: diskFullOn('.customers.csv.partial') } });
      expect(result).toMatchObject({ code: 1, stderr: `error: cannot write ${out}: no space left on device; nothing was written\n` });
      expect(tree()).toEqual({});
    });
  });

  describe('import --dir needs all three files', () => {
    let restored: BackendCli;
    beforeEach(async () => {
      expect((await cli.run(['export', '--dir', dir])).code).toBe(0);
      // The rows move to another CRM: their ids are unique across a server's teams, as UUIDs are.
      await cli.sql('DELETE FROM customers');
      await cli.sql('DELETE FROM products');
      restored = await fresh();
    });
    afterEach(() => restored.close());

    it('refuses a folder that lacks one, naming it, and imports nothing', async () => {
      fs.rmSync(path.join(dir, 'customer_interactions.csv'));
      const before = await restored.snapshot();
      const result = await restored.run(['import', '--dir', dir]);
      expect(result).toMatchObject({
        code: 1,
        stdout: '',
        stderr: `error: ${dir} lacks customer_interactions.csv, so it is not a complete export; nothing was imported (--partial restores only the files present)\n`,
      });
      expect(await restored.snapshot()).toEqual(before);
    });

    it('--partial restores the files present and only those', async () => {
      fs.rmSync(path.join(dir, 'customer_interactions.csv'));
      const result = await restored.run(['import', '--dir', dir, '--partial']);
      expect(result.code).toBe(0);
      expect(await restored.json(['customer', 'list'])).toHaveLength(1);
      expect(await countOf(restored, 'SELECT count(*) AS n FROM customer_interactions')).toBe(0);
    });

    it('--partial without --dir is a usage error', async () => {
      const result = await restored.run(['import', 'customers', path.join(dir, 'customers.csv'), '--partial']);
      expect(result).toMatchObject({ code: 2, stderr: 'error: --partial goes with --dir\n' });
    });
  });

  describe('an existing output file is replaced only when the user says so', () => {
    let out: string;
    beforeEach(() => {
      out = path.join(dir, 'customers.csv');
      fs.writeFileSync(out, 'my own notes');
    });

    it('export --out refuses without --force when nobody can be asked, and leaves the file', async () => {
      const result = await cli.run(['export', 'customers', '--out', out]);
      expect(result).toMatchObject({ code: 1, stdout: '', stderr: `error: ${out} already exists; pass --force to replace it\n` });
      expect(tree()).toEqual({ 'customers.csv': 'my own notes' });
    });

    it('export --out --force replaces it', async () => {
      expect((await cli.run(['export', 'customers', '--out', out, '--force'])).code).toBe(0);
      expect(fs.readFileSync(out, 'utf8')).toContain('Ada Lovelace');
    });

    it('on a terminal, export --out asks, and a no keeps the file', async () => {
      const declined = await cli.run(['export', 'customers', '--out', out], { tty: true, env: { NO_COLOR: '1' }, answers: [false] });
      expect(declined).toMatchObject({ code: 1, stderr: `error: cancelled; ${out} was left as it was\n` });
      expect(declined.prompter.asked).toEqual([`${out} already exists. Replace it?`]);
      expect(tree()).toEqual({ 'customers.csv': 'my own notes' });
      const accepted = await cli.run(['export', 'customers', '--out', out], { tty: true, answers: [true] });
      expect(accepted.code).toBe(0);
      expect(fs.readFileSync(out, 'utf8')).toContain('Ada Lovelace');
    });

    // crm backup copies a SQLite file; a team database refuses it (test/transfer-backends.test.ts).
    if (backend === 'sqlite') it('backup asks on a terminal the same way', async () => {
      const copy = path.join(dir, 'copy.db');
      fs.writeFileSync(copy, 'not yet a backup');
      const declined = await cli.run(['backup', copy], { tty: true, env: { NO_COLOR: '1' }, answers: [false] });
      expect(declined).toMatchObject({ code: 1, stderr: `error: cancelled; ${copy} was left as it was\n` });
      expect(fs.readFileSync(copy, 'utf8')).toBe('not yet a backup');
      expect((await cli.run(['backup', copy], { tty: true, answers: [true] })).code).toBe(0);
      expect(fs.readFileSync(copy).subarray(0, 15).toString()).toBe('SQLite format 3');
    });
  });

  it('a full disk while writing the --rejects file of an import: one line saying the import itself was committed', async () => {
    const csv = path.join(dir, 'leads.csv');
    fs.writeFileSync(csv, 'name,status\nGrace Hopper,lead\nBad Row,nonsense\n');
    const rejects = path.join(dir, 'rejects.csv');
    const result = await cli.run(['import', 'customers', csv, '--rejects', rejects], { hooks: { openFileStream: diskFullOn('.rejects.csv.partial') } });
    expect(result).toMatchObject({
      code: 1,
      stderr: `error: cannot write ${rejects}: no space left on device; the import was committed, but without this file of rejected rows\n`,
    });
    expect((await cli.json(['customer', 'list'])).map((customer: { name: string }) => customer.name).sort()).toEqual(['Ada Lovelace', 'Grace Hopper']);
    expect(fs.readdirSync(dir)).toEqual(['leads.csv']);
  });
});
