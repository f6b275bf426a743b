import { describe, expect, it } from 'vitest';
import { Services } from '../src/services/index.js';
import { describeBackends, type BackendCli } from './backends.js';
import { TestCli } from './helpers.js';

/** Adds a customer through the CLI and returns its id. */
async function add(cli: BackendCli, name: string, ...options: string[]): Promise<string> {
  return (await cli.json(['customer', 'add', name, ...options])).id;
}

async function show(cli: BackendCli, ref: string): Promise<any> {
  const result = await cli.run(['customer', 'show', ref, '--json']);
  return result.code === 0 ? JSON.parse(result.stdout) : null;
}

async function changeSets(cli: BackendCli): Promise<any[]> {
  return cli.json(['undo', '--list']);
}

/** Runs a command that must be refused and proves it changed nothing. */
async function refused(cli: BackendCli, argv: string[], code: number, options: Parameters<BackendCli['run']>[1] = {}) {
  const before = await cli.snapshot();
  const result = await cli.run(argv, options);
  expect(result.code, result.stderr).toBe(code);
  expect(result.stdout).toBe('');
  expect(await cli.snapshot()).toEqual(before);
  return result.stderr;
}

describeBackends('change sets', (backend, fresh) => {
  it('records each writing command with its command line (never --db), actor and time; --list shows them newest first with counts', async () => {
    const cli = await fresh();
    const ada = await add(cli, 'Ada Lovelace', '--email', 'ada@example.com');
    cli.clock.advance(60_000);
    // --db is left out of the record: the database is where it is kept, and a URL may hold a password.
    await cli.run(['--db', 'postgres://ann:secret@db.example.com/crm', 'customer', 'edit', ada, '--phone', '+44 20 7946 0000']);
    await cli.run(['interaction', 'log', 'ada lovelace', '--channel', 'phone', '--type', 'Intro call', '--note', 'Wants a quote']);
    const sets = await changeSets(cli);
    expect(sets.map((set) => [set.command, set.counts, set.undoes, set.undone_by, set.not_undoable])).toEqual([
      [`crm interaction log 'ada lovelace' --channel phone --type 'Intro call' --note 'Wants a quote'`, { customer_interactions: { insert: 1 } }, null, null, null],
      [`crm customer edit ${ada} --phone '+44 20 7946 0000'`, { customers: { update: 1 } }, null, null, null],
      [`crm customer add 'Ada Lovelace' --email ada@example.com --json`, { customers: { insert: 1 } }, null, null, null],
    ]);
    expect(sets[0].id).toBeGreaterThan(sets[1].id);
    expect(sets[1].id).toBeGreaterThan(sets[2].id);
    expect(new Set(sets.map((set) => set.actor)).size).toBe(1);
    expect(sets[0].actor).not.toBe('');
    expect(sets[2].created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    // The entries of `history` name their change set.
    const history = await cli.json(['history', ada]);
    expect(history.map((entry: { change_set: number }) => entry.change_set)).toEqual([sets[2].id, sets[1].id, sets[0].id]);

    const table = await cli.run(['undo', '--list', '--format', 'tsv']);
    expect(table.stdout.split('\n')[0]).toBe('id\tcreated_at\tactor\tcommand\tchanges\tstatus');
    expect(table.stdout.split('\n')[1]).toContain('\tcustomer_interactions +1\t');
    const limited = await cli.json(['undo', '--list', '--limit', '1']);
    expect(limited.map((set: { id: number }) => set.id)).toEqual([sets[0].id]);
  });

  it('leaves no change set for a command that changed nothing', async () => {
    const cli = await fresh();
    const ada = await add(cli, 'Ada Lovelace', '--email', 'ada@example.com');
    const before = await changeSets(cli);
    const edit = await cli.run(['customer', 'edit', ada, '--email', 'ada@example.com']);
    expect(edit.stderr).toContain('nothing changed');
    expect(await changeSets(cli)).toEqual(before);
  });

  it('keeps the writes of one command in one change set, and starts a new one for the next command', async () => {
    const cli = await fresh();
    const [a, b] = [await add(cli, 'A one'), await add(cli, 'B two')];
    await cli.run(['customer', 'archive', a, b]);
    const sets = await changeSets(cli);
    expect(sets[0]).toMatchObject({ command: `crm customer archive ${a} ${b}`, counts: { customers: { update: 2 } } });
    expect(sets[1]).toMatchObject({ command: `crm customer add 'B two' --json`, counts: { customers: { insert: 1 } } });
    expect(sets).toHaveLength(3);
  });
});

describeBackends('crm undo', (backend, fresh) => {
  it('takes back an edit, and a second undo puts it back', async () => {
    const cli = await fresh();
    const ada = await add(cli, 'Ada Lovelace', '--email', 'ada@example.com');
    const original = await show(cli, ada);
    cli.clock.advance(60_000);
    await cli.run(['customer', 'edit', ada, '--phone', '+44 20 7946 0000', '--owner', 'grace']);
    const edited = await show(cli, ada);

    const undone = await cli.run(['undo', '--yes']);
    expect(undone.code, undone.stderr).toBe(0);
    expect(undone.stderr).toMatch(/^✓ undid change set \d+ \(crm customer edit \S+ --phone '\+44 20 7946 0000' --owner grace\): set back 1 customer; crm undo again puts it back\n$/);
    expect(await show(cli, ada)).toEqual(original);

    await cli.run(['undo', '--yes']);
    expect(await show(cli, ada)).toEqual(edited);
    const [redo, undo] = await changeSets(cli);
    expect(redo).toMatchObject({ command: 'crm undo --yes', undoes: undo.id });
    expect(undo).toMatchObject({ command: 'crm undo --yes', undone_by: redo.id });
  });

  it('puts back a deleted customer with its interactions, ids and times as they were', async () => {
    const cli = await fresh();
    const ada = await add(cli, 'Ada Lovelace', '--email', 'ada@example.com', '--owner', 'grace');
    await cli.run(['interaction', 'log', ada, '--channel', 'email', '--type', 'Quote', '--note', 'Sent', '--follow-up', '2026-12-20']);
    cli.clock.advance(60_000);
    await cli.run(['interaction', 'log', ada, '--channel', 'phone', '--type', 'Call', '--note', 'Follow-up']);
    const before = await show(cli, ada);
    const followups = await cli.run(['followups', '--json']);
    const pipeline = await cli.run(['pipeline', '--json']);
    await cli.run(['customer', 'delete', ada, '--yes']);
    expect(await show(cli, ada)).toBeNull();

    const undone = await cli.json(['undo', '--yes']);
    expect(undone).toMatchObject({ counts: { customers: { restored: 1 }, customer_interactions: { restored: 2 } }, rows: 3 });
    expect(await show(cli, ada)).toEqual(before);
    expect((await cli.run(['followups', '--json'])).stdout).toBe(followups.stdout);
    expect((await cli.run(['pipeline', '--json'])).stdout).toBe(pipeline.stdout);
  });

  it('puts back a deleted product before the customers it was unlinked from point at it again', async () => {
    const cli = await fresh();
    const product = (await cli.json(['product', 'add', 'Website audit'])).id;
    const ada = await add(cli, 'Ada Lovelace', '--product', 'website audit');
    const bob = await add(cli, 'Bob Jones', '--product', 'website audit');
    const before = [await show(cli, ada), await show(cli, bob)];
    await cli.run(['product', 'delete', 'website audit', '--yes']);
    expect((await show(cli, ada)).product_id).toBeNull();
    const undone = await cli.json(['undo', '--yes']);
    expect(undone.counts).toEqual({ products: { removed: 0, restored: 1, reverted: 0 }, customers: { removed: 0, restored: 0, reverted: 2 } });
    expect([await show(cli, ada), await show(cli, bob)]).toEqual(before);
    expect((await cli.json(['product', 'show', product])).name).toBe('Website audit');
  });

  it('takes back a logged interaction: the one way an interaction goes while its customer stays', async () => {
    const cli = await fresh();
    const ada = await add(cli, 'Ada Lovelace');
    await cli.run(['interaction', 'log', ada, '--channel', 'phone', '--type', 'Call', '--note', 'Oops, wrong customer']);
    expect((await show(cli, ada)).interactions).toHaveLength(1);
    const result = await cli.run(['undo', '--yes']);
    expect(result.stderr).toContain('deleted 1 interaction');
    expect((await show(cli, ada)).interactions).toEqual([]);
    // Outside crm the rule holds: an interaction is deleted only with its customer.
    await cli.run(['interaction', 'log', ada, '--channel', 'phone', '--type', 'Call', '--note', 'Kept']);
    const before = await cli.snapshot();
    await expect(cli.sql(`DELETE FROM ${backend === 'postgres' ? 'crm.' : ''}customer_interactions`)).rejects.toThrow(
      /interactions are immutable: an interaction is deleted only with its customer/,
    );
    expect(await cli.snapshot()).toEqual(before);
  });

  it('refuses, naming the records, when a later change touched the same rows; nothing is changed', async () => {
    const cli = await fresh();
    const ada = await add(cli, 'Ada Lovelace');
    const [added] = await changeSets(cli);
    await cli.run(['customer', 'edit', ada, '--owner', 'grace']);
    const stderr = await refused(cli, ['undo', String(added.id), '--yes'], 1);
    expect(stderr).toBe(
      `error: cannot undo change set ${added.id} (crm customer add 'Ada Lovelace' --json): later changes touched the same records: ` +
        `customer "Ada Lovelace" (${ada.slice(0, 8)}) was changed since. Nothing was changed.\n`,
    );

    const bob = await add(cli, 'Bob Jones');
    const [bobAdded] = await changeSets(cli);
    await cli.run(['interaction', 'log', bob, '--channel', 'phone', '--type', 'Call', '--note', 'Logged later']);
    const interaction = (await show(cli, bob)).interactions[0].id;
    expect(await refused(cli, ['undo', String(bobAdded.id), '--yes'], 1)).toBe(
      `error: cannot undo change set ${bobAdded.id} (crm customer add 'Bob Jones' --json): later changes touched the same records: ` +
        `interaction (${interaction.slice(0, 8)}) was added since to customer ${bob.slice(0, 8)}. Nothing was changed.\n`,
    );
  });

  it('says when a change set was already undone, and which undo to take back instead', async () => {
    const cli = await fresh();
    const ada = await add(cli, 'Ada Lovelace');
    await cli.run(['customer', 'move', ada, 'qualified']);
    const [moved] = await changeSets(cli);
    await cli.run(['undo', '--yes']);
    const [undo] = await changeSets(cli);
    const stderr = await refused(cli, ['undo', String(moved.id), '--yes'], 1);
    expect(stderr).toContain(`It was already undone by change set ${undo.id}; \`crm undo ${undo.id}\` takes that back. Nothing was changed.`);
  });

  it('asks on a terminal, needs --yes elsewhere, and says when there is nothing to undo', async () => {
    const cli = await fresh();
    expect(await refused(cli, ['undo', '--yes'], 1)).toBe(
      'error: nothing to undo: no change made by you is recorded (crm undo --list shows every change set)\n',
    );
    const ada = await add(cli, 'Ada Lovelace');
    const [added] = await changeSets(cli);
    const stderr = await refused(cli, ['undo'], 2);
    expect(stderr).toMatch(/^error: undoing change set \d+ \(crm customer add 'Ada Lovelace' --json, by \S+ at \S+\) needs confirmation: pass --yes \(no terminal to ask on\)\n$/);

    const declined = await cli.run(['undo'], { tty: true, answers: [false] });
    expect(declined.code).toBe(1);
    expect(declined.prompter.asked).toEqual([
      `Undo change set ${added.id} (crm customer add 'Ada Lovelace' --json, by ${added.actor} at ${added.created_at})? It deletes 1 customer`,
    ]);
    expect(await show(cli, ada)).not.toBeNull();
    const accepted = await cli.run(['undo'], { tty: true, answers: [true] });
    expect(accepted.code).toBe(0);
    expect(await show(cli, ada)).toBeNull();

    expect(await refused(cli, ['undo', '99999', '--yes'], 1)).toBe('error: no change set 99999 (crm undo --list shows them)\n');
    expect(await refused(cli, ['undo', 'last', '--yes'], 2)).toBe('error: invalid change set "last": use a number from crm undo --list\n');
    expect(await refused(cli, ['undo', '3', '--list'], 2)).toBe('error: --list shows every change set; give no change set with it\n');
  });
});

describeBackends('the undo service', (backend, fresh) => {
  it('takes back the newest change set of whoever writes, never the undo\'s own, one write per change set without a command line', async () => {
    const cli = await fresh();
    cli.store.identifyWriter({ actor: 'alice', clock: cli.clock });
    const services = new Services(cli.store, cli.clock);
    const ada = await services.customers.add({ name: 'Ada Lovelace' });
    await services.customers.move(ada.id, 'qualified');
    const result = await services.undo.undo(undefined);
    expect(result).toMatchObject({ changeSet: { command: '' }, counts: { customers: { removed: 0, restored: 0, reverted: 1 } } });
    expect((await services.customers.find(ada.id))?.status).toBe('lead');
    const listed = await services.undo.list();
    expect(listed.map((set) => [set.undoes, set.undone_by])).toEqual([
      [listed[1]!.id, null],
      [null, listed[0]!.id],
      [null, null],
    ]);
  });
});

describe('crm undo on SQLite files', () => {
  it('takes back a whole import audited row by row, and refuses one audited as a summary', async () => {
    const cli = new TestCli();
    try {
      await cli.run(['customer', 'add', 'Already here', '--email', 'here@example.com']);
      const csv = ['name,email', 'Ann,ann@example.com', 'Bob,bob@example.com', 'Here again,HERE@example.com'].join('\n');
      const imported = await cli.run(['import', 'customers', '-', '--audit', 'rows', '--on-duplicate', 'update'], { stdin: csv });
      expect(imported.code, imported.stderr).toBe(0);
      const snapshotAfterAdd = (await cli.json(['customer', 'list', '--all'])).length;
      expect(snapshotAfterAdd).toBe(3);
      const undone = await cli.json(['undo', '--yes']);
      expect(undone.counts).toEqual({ customers: { removed: 2, restored: 0, reverted: 1 } });
      const left = await cli.json(['customer', 'list', '--all']);
      expect(left.map((c: { name: string }) => c.name)).toEqual(['Already here']);

      const summary = await cli.run(['import', 'customers', '-', '--audit', 'summary'], { stdin: csv });
      expect(summary.code, summary.stderr).toBe(0);
      const [set] = await cli.json(['undo', '--list']);
      expect(set.not_undoable).toMatch(/^it was audited as one summary entry \(import of customers\)/);
      const before = cli.snapshot();
      const result = await cli.run(['undo', '--yes']);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `error: cannot undo change set ${set.id} (crm import customers - --audit summary): it was audited as one summary entry (import of customers), ` +
          'which holds no rows to put back (imports audited with --audit rows can be undone); nothing was changed\n',
      );
      expect(cli.snapshot()).toEqual(before);
    } finally {
      cli.close();
    }
  });

  it('gives writes made outside crm no change set, and keeps the log append-only', async () => {
    const cli = new TestCli();
    try {
      await cli.run(['customer', 'add', 'Ada Lovelace']);
      cli.db.sqlite.exec(`UPDATE customers SET phone = '123'`);
      const entries = cli.db.sqlite.prepare(`SELECT action, change_set FROM audit_log ORDER BY id`).all();
      expect(entries).toEqual([
        { action: 'insert', change_set: 1 },
        { action: 'update', change_set: null },
      ]);
      // Neither a stamp nor a restamp from outside a crm write.
      expect(() => cli.db.sqlite.exec(`UPDATE audit_log SET change_set = 1 WHERE change_set IS NULL`)).toThrow(/append-only/);
      expect(() => cli.db.sqlite.exec(`UPDATE audit_log SET change_set = 2`)).toThrow(/append-only/);
      // The newest change set is still the add: the shell's update is a later change to the same row.
      const result = await cli.run(['undo', '--yes']);
      expect(result.stderr).toContain('was changed since');
      expect(cli.db.sqlite.prepare(`SELECT count(*) AS n FROM change_sets`).get()).toEqual({ n: 1 });
    } finally {
      cli.close();
    }
  });

  it('refuses to move an interaction to another customer outside crm: the merge permit is crm\'s alone', async () => {
    const cli = new TestCli();
    try {
      const a = (await cli.json(['customer', 'add', 'A'])).id;
      const b = (await cli.json(['customer', 'add', 'B'])).id;
      await cli.run(['interaction', 'log', a, '--channel', 'phone', '--type', 'Call', '--note', 'x']);
      expect(() => cli.db.sqlite.prepare(`UPDATE customer_interactions SET customer_id = ?`).run(b)).toThrow(/interactions are immutable/);
      cli.db.sqlite.exec(`INSERT INTO audit_context (id, actor) VALUES (1, 'shell')`);
      try {
        expect(() => cli.db.sqlite.prepare(`UPDATE customer_interactions SET customer_id = ?`).run(b)).toThrow(/interactions are immutable/);
      } finally {
        cli.db.sqlite.exec(`DELETE FROM audit_context`);
      }
    } finally {
      cli.close();
    }
  });
});
