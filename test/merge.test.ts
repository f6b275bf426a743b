import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/connection.js';
import { describeBackends, type BackendCli } from './backends.js';
import { tempDir, TestCli } from './helpers.js';

async function add(cli: BackendCli, name: string, ...options: string[]): Promise<any> {
  return cli.json(['customer', 'add', name, ...options]);
}

async function show(cli: BackendCli, ref: string): Promise<any> {
  const result = await cli.run(['customer', 'show', ref, '--json']);
  return result.code === 0 ? JSON.parse(result.stdout) : null;
}

async function log(cli: BackendCli, ref: string, note: string): Promise<string> {
  await cli.run(['interaction', 'log', ref, '--channel', 'phone', '--type', 'Call', '--note', note]);
  cli.clock.advance(60_000);
  return (await show(cli, ref)).interactions[0].id;
}

async function refused(cli: BackendCli, argv: string[], code: number, options: Parameters<BackendCli['run']>[1] = {}) {
  const before = await cli.snapshot();
  const result = await cli.run(argv, options);
  expect(result.code, result.stderr).toBe(code);
  expect(result.stdout).toBe('');
  expect(await cli.snapshot()).toEqual(before);
  return result.stderr;
}

describeBackends('crm customer merge', (backend, fresh) => {
  /** Ada twice: the second record has a phone, an owner and two interactions of its own. */
  async function duplicates(cli: BackendCli) {
    const keep = await add(cli, 'Ada Lovelace', '--email', 'ada@example.com');
    const keepCall = await log(cli, keep.id, 'First call');
    const other = await add(cli, 'ADA LOVELACE', '--email', 'ADA@example.com', '--force', '--phone', '+44 20 7946 0000', '--owner', 'grace');
    const otherCalls = [await log(cli, other.id, 'Second call'), await log(cli, other.id, 'Quote sent')];
    return { keep, other, keepCall, otherCalls };
  }

  it('moves every interaction to the kept customer, fills its empty fields, deletes the other, in one change set', async () => {
    const cli = await fresh();
    const { keep, other, keepCall, otherCalls } = await duplicates(cli);
    const merged = await cli.json(['customer', 'merge', keep.id, other.id, '--yes']);
    expect(merged).toEqual({
      customer: {
        ...keep,
        phone: '+44 20 7946 0000',
        owner: 'grace',
        updated_at: cli.clock.now().toISOString(),
      },
      merged: [other.id],
      changes: { phone: '+44 20 7946 0000', owner: 'grace' },
      moved: { customer_interactions: 2 },
    });
    const shown = await show(cli, keep.id);
    expect(shown.interactions.map((i: { id: string }) => i.id).sort()).toEqual([keepCall, ...otherCalls].sort());
    expect(await show(cli, other.id)).toBeNull();
    const [set] = await cli.json(['undo', '--list']);
    expect(set).toMatchObject({
      command: `crm customer merge ${keep.id} ${other.id} --yes --json`,
      counts: { customers: { update: 1, merge: 2, delete: 1 }, customer_interactions: { update: 2 } },
      not_undoable: null,
    });
  });

  it('shows the merge in the history of both ids, the merged one found by its id or old name', async () => {
    const cli = await fresh();
    const { keep, other } = await duplicates(cli);
    await cli.run(['customer', 'merge', keep.id, other.id, '--yes']);
    const note = { kept: keep.id, merged: [other.id], changes: { phone: '+44 20 7946 0000', owner: 'grace' } };
    const ofKept = await cli.json(['history', keep.id]);
    expect(ofKept.filter((entry: { action: string }) => entry.action === 'merge')).toEqual([
      expect.objectContaining({ table_name: 'customers', record_id: keep.id, new_values: expect.objectContaining({ ...note, name: 'Ada Lovelace' }) }),
    ]);
    // The moved interactions are in the kept customer's story too.
    expect(ofKept.filter((entry: { table_name: string; action: string }) => entry.table_name === 'customer_interactions' && entry.action === 'update')).toHaveLength(2);
    const ofMerged = await cli.run(['history', other.id.slice(0, 8)]);
    expect(ofMerged.stderr).toBe('"ADA LOVELACE" has been deleted; this is what the audit log kept\n');
    expect(ofMerged.stdout).toMatch(new RegExp(`  merge   customer ${other.id.slice(0, 8)}  "ADA LOVELACE"  by \\S+\\n    kept: ${keep.id}\\n    merged: \\["${other.id}"\\]`));
  });

  it('refuses without a terminal when the customers disagree and no --prefer settles it, naming the fields', async () => {
    const cli = await fresh();
    const keep = await add(cli, 'Ada Lovelace', '--phone', '020 7946 0000', '--status', 'qualified');
    const other = await add(cli, 'Ada Lovelace', '--phone', '+44 20 7946 0000', '--status', 'proposal');
    expect(await refused(cli, ['customer', 'merge', keep.id, other.id, '--yes'], 2)).toBe(
      'error: the customers disagree on phone, status: choose with --prefer keep|newest (or run on a terminal to pick each value)\n',
    );
    // With the country code the two phones are one number: only the status is left.
    expect(await refused(cli, ['customer', 'merge', keep.id, other.id, '--yes'], 2, { env: { CRM_COUNTRY_CODE: '44' } })).toContain(
      'disagree on status:',
    );
  });

  it('settles conflicts with --prefer keep or newest', async () => {
    const cli = await fresh();
    const keep = await add(cli, 'Ada Lovelace', '--status', 'qualified', '--source', 'referral');
    cli.clock.advance(60_000);
    const other = await add(cli, 'Ada Lovelace', '--status', 'proposal', '--owner', 'grace');
    const kept = await cli.json(['customer', 'merge', keep.id, other.id, '--prefer', 'keep', '--yes']);
    expect(kept.changes).toEqual({ owner: 'grace' });
    expect(kept.customer).toMatchObject({ status: 'qualified', acquisition_source: 'referral', owner: 'grace' });

    await cli.run(['undo', '--yes']);
    const newest = await cli.json(['customer', 'merge', keep.id, other.id, '--prefer', 'newest', '--yes']);
    expect(newest.changes).toEqual({ status: 'proposal', owner: 'grace' });
  });

  it('asks on a terminal for each disagreement, then for confirmation', async () => {
    const cli = await fresh();
    const keep = await add(cli, 'Ada Lovelace', '--status', 'qualified');
    const other = await add(cli, 'Ada Lovelace', '--status', 'proposal', '--email', 'ada@example.com');
    const result = await cli.run(['customer', 'merge', keep.id, other.id], { tty: true, answers: ['proposal', true] });
    expect(result.code, result.stderr).toBe(0);
    expect(result.prompter.asked).toEqual([
      'The customers disagree on status. Keep which value?',
      `Merge "Ada Lovelace" (${other.id.slice(0, 8)}) into "Ada Lovelace" (${keep.id.slice(0, 8)}) (setting email, status) and delete it?`,
    ]);
    expect(await show(cli, keep.id)).toMatchObject({ status: 'proposal', email: 'ada@example.com' });
  });

  it('needs --yes without a terminal, and refuses odd requests', async () => {
    const cli = await fresh();
    const keep = await add(cli, 'Ada Lovelace');
    const other = await add(cli, 'ada lovelace');
    expect(await refused(cli, ['customer', 'merge', keep.id, other.id], 2)).toBe(
      `error: merging 1 customer into "Ada Lovelace" (${keep.id.slice(0, 8)}) needs confirmation: pass --yes (no terminal to ask on)\n`,
    );
    expect(await refused(cli, ['customer', 'merge', keep.id, keep.id.slice(0, 8), '--yes'], 2)).toBe(
      `error: "${keep.id.slice(0, 8)}" is the customer to keep (${keep.id.slice(0, 8)} Ada Lovelace); name it only once\n`,
    );
    expect(await refused(cli, ['customer', 'merge', keep.id], 2)).toContain("missing required argument 'other'");
    expect(await refused(cli, ['customer', 'merge', keep.id, 'nobody', '--yes'], 1)).toBe(
      'error: no customer matches "nobody" (by id, id prefix or name)\n',
    );
  });

  it('is taken back whole by crm undo: the other customer, its fields and its interactions return', async () => {
    const cli = await fresh();
    const { keep, other, keepCall, otherCalls } = await duplicates(cli);
    const [keptBefore, otherBefore] = [await show(cli, keep.id), await show(cli, other.id)];
    const followups = (await cli.run(['followups', '--json'])).stdout;
    cli.clock.advance(60_000);
    await cli.run(['customer', 'merge', keep.id, other.id, '--yes']);
    const undone = await cli.json(['undo', '--yes']);
    expect(undone.counts).toEqual({
      customers: { removed: 0, restored: 1, reverted: 1 },
      customer_interactions: { removed: 0, restored: 0, reverted: 2 },
    });
    expect(await show(cli, keep.id)).toEqual(keptBefore);
    expect(await show(cli, other.id)).toEqual(otherBefore);
    expect((await show(cli, keep.id)).interactions.map((i: { id: string }) => i.id)).toEqual([keepCall]);
    expect((await show(cli, other.id)).interactions.map((i: { id: string }) => i.id).sort()).toEqual([...otherCalls].sort());
    expect((await cli.run(['followups', '--json'])).stdout).toBe(followups);
  });
});

describe('crm customer merge on SQLite files', () => {
  it('moves external ids, so a re-import finds the kept customer, and archive --to takes it all along', async () => {
    const dir = tempDir('crm-merge-');
    const cli = new TestCli(path.join(dir, 'crm.db'));
    try {
      const keep = (await cli.json(['customer', 'add', 'Ada Lovelace'])).id;
      const other = (await cli.json(['customer', 'add', 'Ada Lovelace'])).id;
      await cli.run(['interaction', 'log', other, '--channel', 'phone', '--type', 'Call', '--note', 'x']);
      cli.db.sqlite
        .prepare(`INSERT INTO customer_external_ids (source, external_id, customer_id, created_at) VALUES ('hubspot', '42', ?, '2026-01-01T00:00:00.000Z')`)
        .run(other);
      const merged = await cli.json(['customer', 'merge', keep, other, '--yes']);
      expect(merged.moved).toEqual({ customer_interactions: 1, customer_external_ids: 1 });
      expect(cli.db.sqlite.prepare(`SELECT customer_id FROM customer_external_ids`).all()).toEqual([{ customer_id: keep }]);
      const csv = 'Record ID,First Name,Last Name,Email\n42,Ada,Lovelace,ada@example.com\n';
      const imported = await cli.json(['import', 'customers', '-', '--on-duplicate', 'update'], { stdin: csv });
      expect(imported.files[0]).toMatchObject({ inserted: 0, updated: 1 });

      await cli.run(['customer', 'archive', keep]);
      const archive = path.join(dir, 'archive.db');
      const moved = await cli.json(['archive', '--to', archive]);
      expect(moved).toMatchObject({ customers: 1, customer_interactions: 1 });
      const archived = openDatabase(archive);
      try {
        expect(archived.sqlite.prepare(`SELECT customer_id FROM customer_interactions`).all()).toEqual([{ customer_id: keep }]);
        expect(archived.sqlite.prepare(`SELECT source, external_id, customer_id FROM customer_external_ids`).all()).toEqual([
          { source: 'hubspot', external_id: '42', customer_id: keep },
        ]);
      } finally {
        archived.close();
      }
    } finally {
      cli.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
