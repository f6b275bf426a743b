import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Customer } from '../src/domain/types.js';
import { Services } from '../src/services/index.js';
import { TestCli } from './helpers.js';

let cli: TestCli;
let services: Services;
let ada: Customer;

/** Writes as the CLI makes them (actor and clock set), without needing the customer commands. */
beforeEach(async () => {
  cli = new TestCli();
  cli.store.identifyWriter({ actor: 'alice', clock: cli.clock });
  services = new Services(cli.store, cli.clock);
  ada = await services.customers.add({ name: 'Ada Lovelace', email: 'ada@example.com' });
  cli.clock.advance(60_000);
  await services.customers.move('ada lovelace', 'qualified');
  cli.clock.advance(60_000);
  await services.interactions.log({ customer: 'ada lovelace', channel: 'phone', type: 'Intro call', note: 'Wants a quote\nsoon' });
  await services.customers.add({ name: 'Someone else' });
});
afterEach(() => cli.close());

describe('crm history', () => {
  it("tells a customer's story oldest first, field by field, on plain output", async () => {
    const result = await cli.run(['history', 'ADA LOVELACE']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const interactionId = (await services.interactions.list(ada.id)).interactions[0]!.id;
    expect(result.stdout).toBe(
      [
        `2026-11-25T10:00:00.000Z  insert  customer ${ada.id.slice(0, 8)}  "Ada Lovelace"  by alice`,
        '    name: Ada Lovelace',
        '    email: ada@example.com',
        '    status: lead',
        '    is_archived: false',
        '    created_at: 2026-11-25T10:00:00.000Z',
        '    updated_at: 2026-11-25T10:00:00.000Z',
        `2026-11-25T10:01:00.000Z  update  customer ${ada.id.slice(0, 8)}  "Ada Lovelace"  by alice`,
        '    status: lead → qualified',
        '    updated_at: 2026-11-25T10:00:00.000Z → 2026-11-25T10:01:00.000Z',
        `2026-11-25T10:02:00.000Z  insert  interaction ${interactionId.slice(0, 8)}  "Intro call (phone)"  by alice`,
        `    customer_id: ${ada.id}`,
        '    type: Intro call',
        '    channel: phone',
        '    note: Wants a quote\\nsoon',
        '    created_at: 2026-11-25T10:02:00.000Z',
        '',
      ].join('\n'),
    );
  });

  it('prints the entries as a JSON array with the values parsed', async () => {
    const entries = await cli.json(['history', ada.id.slice(0, 6)]);
    expect(entries.map((entry: { table_name: string; action: string }) => `${entry.table_name}:${entry.action}`)).toEqual([
      'customers:insert',
      'customers:update',
      'customer_interactions:insert',
    ]);
    expect(entries[1]).toMatchObject({
      record_id: ada.id,
      actor: 'alice',
      created_at: '2026-11-25T10:01:00.000Z',
      old_values: { status: 'lead', is_archived: false },
      new_values: { status: 'qualified', updated_at: '2026-11-25T10:01:00.000Z' },
    });
    expect(entries[2].new_values).toMatchObject({ customer_id: ada.id, note: 'Wants a quote\nsoon' });
  });

  it('marks a change made outside crm', async () => {
    cli.db.sqlite.exec(`UPDATE customers SET phone = '+44 20 7946 0000' WHERE id = '${ada.id}'`);
    const { stdout } = await cli.run(['history', 'ada lovelace']);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.at(-3)).toMatch(new RegExp(`^\\S+  update  customer ${ada.id.slice(0, 8)}  "Ada Lovelace"  outside crm$`));
    expect(lines.at(-2)).toBe('    phone: (none) → +44 20 7946 0000');
    expect(lines.at(-1)).toMatch(/^    updated_at: 2026-11-25T10:01:00\.000Z → \S+$/);
  });

  it('still tells the story of a deleted customer, with the interactions deleted along with it', async () => {
    cli.clock.advance(60_000);
    await services.customers.delete(ada.id);
    for (const ref of [ada.id, ada.id.slice(0, 6), 'Ada Lovelace']) {
      const result = await cli.run(['history', ref, '--json']);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('"Ada Lovelace" has been deleted; this is what the audit log kept\n');
      const entries = JSON.parse(result.stdout);
      expect(entries.map((entry: { table_name: string; action: string }) => `${entry.table_name}:${entry.action}`)).toEqual([
        'customers:insert',
        'customers:update',
        'customer_interactions:insert',
        'customer_interactions:delete',
        'customers:delete',
      ]);
    }
  });

  it('finds a renamed customer by a former name without calling it deleted', async () => {
    cli.clock.advance(60_000);
    await services.customers.edit(ada.id, { name: 'Ada King' });
    const result = await cli.run(['history', 'Ada Lovelace', '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const entries = JSON.parse(result.stdout);
    expect(entries.at(-1)).toMatchObject({
      table_name: 'customers',
      action: 'update',
      old_values: { name: 'Ada Lovelace' },
      new_values: { name: 'Ada King' },
    });
  });

  it('follows a customer whose id was changed by hand', async () => {
    cli.db.sqlite.exec(`UPDATE customers SET id = 'renamed-id' WHERE id = '${ada.id}'`);
    const entries = await cli.json(['history', 'renamed-id']);
    expect(entries.map((entry: { record_id: string; action: string }) => entry.action)).toEqual([
      'insert',
      'update',
      'insert',
      'update',
      'update',
    ]);
    // The cascade to the interactions runs before the customer's own AFTER UPDATE trigger.
    expect(entries.at(-2)).toMatchObject({
      table_name: 'customer_interactions',
      old_values: { customer_id: ada.id },
      new_values: { customer_id: 'renamed-id' },
    });
    expect(entries.at(-1)).toMatchObject({ table_name: 'customers', old_values: { id: ada.id }, new_values: { id: 'renamed-id' } });
  });

  it('reports an unknown customer with exit 1, and a missing one as a usage error', async () => {
    const unknown = await cli.run(['history', 'nobody']);
    expect(unknown).toMatchObject({ code: 1, stdout: '', stderr: 'error: no customer matches "nobody" (by id, id prefix or name)\n' });
    const missing = await cli.run(['history']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'customer-ref'");
  });
});
