import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../src/domain/errors.js';
import { translatePgError } from '../src/repositories/pg/errors.js';
import { translateSqliteError } from '../src/repositories/sqlite/errors.js';
import { describeBackends, type BackendCli } from './backends.js';

describeBackends('product commands', (backend, fresh) => {
let cli: BackendCli;
beforeEach(async () => {
  cli = await fresh();
});
afterEach(() => cli.close());

describe('product add', () => {
  it('adds an active product and prints it as JSON with data-model column names', async () => {
    const product = await cli.json(['product', 'add', 'Website audit', '-d', 'Two days']);
    expect(product).toMatchObject({
      name: 'Website audit',
      description: 'Two days',
      is_active: true,
      created_at: '2026-11-25T10:00:00.000Z',
      updated_at: '2026-11-25T10:00:00.000Z',
    });
    expect(product.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('adds an inactive product with --inactive', async () => {
    const product = await cli.json(['product', 'add', 'Retainer', '--inactive']);
    expect(product.is_active).toBe(false);
  });

  it('refuses a fourth active product, naming the three active ones, and changes nothing', async () => {
    for (const name of ['Audit', 'Coaching', 'Workshop']) await cli.run(['product', 'add', name]);
    const before = await cli.snapshot();
    const result = await cli.run(['product', 'add', 'Fourth']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: at most 3 products can be active, and these are: Audit, Coaching, Workshop; deactivate one first\n',
    );
    expect(result.stdout).toBe('');
    expect(await cli.snapshot()).toEqual(before);
  });

  it('still accepts a fourth product when it is inactive', async () => {
    for (const name of ['Audit', 'Coaching', 'Workshop']) await cli.run(['product', 'add', name]);
    expect((await cli.run(['product', 'add', 'Fourth', '--inactive'])).code).toBe(0);
  });

  it('refuses a blank name with exit 1 and a one-line message', async () => {
    const before = await cli.snapshot();
    const result = await cli.run(['product', 'add', '   ']);
    expect(result).toMatchObject({ code: 1, stderr: 'error: product name is required\n' });
    expect(await cli.snapshot()).toEqual(before);
  });

  it('is a usage error (exit 2) without a name', async () => {
    const result = await cli.run(['product', 'add']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("missing required argument 'name'");
  });

  it('words the database\'s refusal of a duplicate name (a write racing past the check) as a name clash', async () => {
    await cli.run(['product', 'add', 'Audit']);
    let refusal: unknown;
    try {
      const at = '2026-11-25T10:00:00.000Z';
      await cli.sql(`INSERT INTO products (id, name, is_active, created_at, updated_at) VALUES ('p2', 'audit', $1, $2, $3)`, [0, at, at]);
    } catch (error) {
      refusal = error;
    }
    const translated = backend === 'sqlite' ? translateSqliteError(refusal) : translatePgError(refusal);
    expect(translated).toBeInstanceOf(ConflictError);
    expect((translated as Error).message).toBe('a product with that name already exists');
  });

  it('refuses a duplicate name, case-insensitively, because names are refs', async () => {
    await cli.run(['product', 'add', 'Audit']);
    const before = await cli.snapshot();
    const result = await cli.run(['product', 'add', 'AUDIT']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: a product named "Audit" already exists \([0-9a-f]{8}\)\n$/);
    expect(await cli.snapshot()).toEqual(before);
  });
});

describe('product list', () => {
  beforeEach(async () => {
    await cli.run(['product', 'add', 'zeta']);
    await cli.run(['product', 'add', 'Alpha', '-d', 'has\ttab']);
    await cli.run(['product', 'add', 'Mid', '--inactive']);
  });

  it('prints TSV with a header when piped, ordered by name', async () => {
    const { stdout, code } = await cli.run(['product', 'list']);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('id\tname\tis_active\tdescription\tupdated_at');
    expect(lines.slice(1).map((line) => line.split('\t')[1])).toEqual(['Alpha', 'Mid', 'zeta']);
    expect(lines[1]).toContain('has\\ttab');
  });

  it('filters with --active and --inactive', async () => {
    const active = await cli.json(['product', 'list', '--active']);
    expect(active.map((p: { name: string }) => p.name)).toEqual(['Alpha', 'zeta']);
    const inactive = await cli.json(['product', 'list', '--inactive']);
    expect(inactive.map((p: { name: string }) => p.name)).toEqual(['Mid']);
  });

  it('rejects --active together with --inactive', async () => {
    const result = await cli.run(['product', 'list', '--active', '--inactive']);
    expect(result.code).toBe(2);
  });

  it('draws a table on a terminal and CSV on request', async () => {
    const table = await cli.run(['product', 'list'], { tty: true });
    expect(table.stdout).toContain('│ Alpha');
    // Friendly headers for people, data-model names for machines.
    expect(table.stdout).toContain('active');
    expect(table.stdout).not.toContain('is_active');
    const csv = await cli.run(['product', 'list', '--format', 'csv']);
    expect(csv.stdout.split('\n')[0]).toBe('id,name,is_active,description,updated_at');
    expect(csv.stdout).toContain(',Alpha,true,has\ttab,');
  });

  it('refuses an unknown format with exit 2', async () => {
    const result = await cli.run(['product', 'list', '--format', 'xml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('xml');
  });
});

describe('product show, edit, activate, deactivate', () => {
  it('finds a product by name, id prefix or full id', async () => {
    const added = await cli.json(['product', 'add', 'Website audit']);
    for (const ref of ['website AUDIT', added.id.slice(0, 4), added.id]) {
      const shown = await cli.json(['product', 'show', ref]);
      expect(shown.id).toBe(added.id);
    }
  });

  it('reports an unknown ref with exit 1', async () => {
    const result = await cli.run(['product', 'show', 'nothing']);
    expect(result).toMatchObject({ code: 1, stderr: 'error: no product matches "nothing" (by id, id prefix or name)\n' });
  });

  it('edits name and description and moves updated_at with the clock', async () => {
    await cli.run(['product', 'add', 'Audit', '-d', 'old']);
    cli.clock.advance(60_000);
    const edited = await cli.json(['product', 'edit', 'audit', '--name', 'Deep audit', '--description', '']);
    expect(edited).toMatchObject({ name: 'Deep audit', description: null, updated_at: '2026-11-25T10:01:00.000Z' });
  });

  it('needs something to change', async () => {
    await cli.run(['product', 'add', 'Audit']);
    expect((await cli.run(['product', 'edit', 'audit'])).code).toBe(2);
  });

  it('deactivates then reactivates, and refuses activation past the limit', async () => {
    for (const name of ['A1', 'A2', 'A3']) await cli.run(['product', 'add', name]);
    await cli.run(['product', 'add', 'Spare', '--inactive']);
    const refused = await cli.run(['product', 'activate', 'spare']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('these are: A1, A2, A3');
    expect((await cli.run(['product', 'deactivate', 'a2'])).code).toBe(0);
    const activated = await cli.run(['product', 'activate', 'spare']);
    expect(activated).toMatchObject({ code: 0, stderr: '✓ "Spare" is now active\n' });
    const again = await cli.run(['product', 'activate', 'spare']);
    expect(again.stderr).toBe('"Spare" was already active; nothing changed\n');
  });
});

describe('product delete', () => {
  it('refuses without --yes when not on a terminal, and leaves the product', async () => {
    await cli.run(['product', 'add', 'Audit']);
    const before = await cli.snapshot();
    const result = await cli.run(['product', 'delete', 'audit']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: deleting product "Audit" needs confirmation: pass --yes (no terminal to ask on)\n');
    expect(await cli.snapshot()).toEqual(before);
  });

  it('asks on a terminal and keeps the product when the answer is no', async () => {
    await cli.run(['product', 'add', 'Audit']);
    const result = await cli.run(['product', 'delete', 'audit'], { tty: true, answers: [false] });
    expect(result.code).toBe(1);
    expect(result.prompter.asked).toEqual(['Delete product "Audit"? Its customers will have no product']);
    expect(await cli.json(['product', 'list'])).toHaveLength(1);
  });

  it('deletes with --yes', async () => {
    await cli.run(['product', 'add', 'Audit']);
    const result = await cli.run(['product', 'delete', 'audit', '--yes']);
    expect(result).toMatchObject({ code: 0, stderr: '✓ deleted product "Audit"\n' });
    expect(await cli.json(['product', 'list'])).toEqual([]);
  });
});
});
