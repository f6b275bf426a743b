import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Customer } from '../src/domain/types.js';
import { Services } from '../src/services/index.js';
import { describeBackends, type BackendCli } from './backends.js';

describeBackends('history', (backend, fresh) => {
let cli: BackendCli;
let services: Services;
let ada: Customer;
/** Whom the log names for the writes below: alice on SQLite, the connected role on PostgreSQL (which records it itself). */
let alice: string;
/** Whom it names for a change made with the sqlite3 shell, or with psql as that role. */
let outside: string;

/** Writes as the CLI makes them (actor and clock set), without needing the customer commands. */
beforeEach(async () => {
  cli = await fresh();
  alice = cli.actorFor('alice');
  outside = backend === 'sqlite' ? 'outside crm' : `by ${alice}`;
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

/**
 * A cascade's entries (a customer's interactions, deleted or moved with it) come before the
 * customer's own on SQLite, whose triggers run the cascade first; PostgreSQL runs the
 * cascade's triggers after the statement's own (as its foreign keys do), so they follow it.
 */
function withCascade<T>(own: T, cascaded: T[]): T[] {
  return backend === 'sqlite' ? [...cascaded, own] : [own, ...cascaded];
}

/**
 * When each of Ada's entries was recorded: the writer's clock on SQLite; on PostgreSQL the
 * server's own time (a member cannot set it), in the same ISO form and order.
 */
async function entryTimes(): Promise<string[]> {
  if (backend === 'sqlite') return ['2026-11-25T10:00:00.000Z', '2026-11-25T10:01:00.000Z', '2026-11-25T10:02:00.000Z'];
  const times = (await cli.json<Array<{ created_at: string }>>(['history', ada.id])).map((entry) => entry.created_at);
  for (const time of times) expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  expect([...times].sort()).toEqual(times);
  return times;
}

describe('crm history', () => {
  it("tells a customer's story oldest first, field by field, on plain output", async () => {
    const result = await cli.run(['history', 'ADA LOVELACE']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const interactionId = (await services.interactions.list(ada.id)).interactions[0]!.id;
    const at = await entryTimes();
    expect(result.stdout).toBe(
      [
        `${at[0]}  insert  customer ${ada.id.slice(0, 8)}  "Ada Lovelace"  by ${alice}`,
        '    name: Ada Lovelace',
        '    email: ada@example.com',
        '    status: lead',
        '    is_archived: false',
        '    created_at: 2026-11-25T10:00:00.000Z',
        '    updated_at: 2026-11-25T10:00:00.000Z',
        `${at[1]}  update  customer ${ada.id.slice(0, 8)}  "Ada Lovelace"  by ${alice}`,
        '    status: lead → qualified',
        '    updated_at: 2026-11-25T10:00:00.000Z → 2026-11-25T10:01:00.000Z',
        `${at[2]}  insert  interaction ${interactionId.slice(0, 8)}  "Intro call (phone)"  by ${alice}`,
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
      actor: alice,
      created_at: (await entryTimes())[1],
      old_values: { status: 'lead', is_archived: false },
      new_values: { status: 'qualified', updated_at: '2026-11-25T10:01:00.000Z' },
    });
    expect(entries[2].new_values).toMatchObject({ customer_id: ada.id, note: 'Wants a quote\nsoon' });
  });

  it('marks a change made outside crm', async () => {
    await cli.sql(`UPDATE customers SET phone = '+44 20 7946 0000' WHERE id = $1`, [ada.id]);
    const { stdout } = await cli.run(['history', 'ada lovelace']);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.at(-3)).toMatch(new RegExp(`^\\S+  update  customer ${ada.id.slice(0, 8)}  "Ada Lovelace"  ${outside}$`));
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
        ...withCascade('customers:delete', ['customer_interactions:delete']),
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
    await cli.sql(`UPDATE customers SET id = 'renamed-id' WHERE id = $1`, [ada.id]);
    const entries = await cli.json(['history', 'renamed-id']);
    expect(entries.map((entry: { record_id: string; action: string }) => entry.action)).toEqual([
      'insert',
      'update',
      'insert',
      'update',
      'update',
    ]);
    expect(entries.slice(-2)).toMatchObject(
      withCascade({ table_name: 'customers', old_values: { id: ada.id }, new_values: { id: 'renamed-id' } }, [
        { table_name: 'customer_interactions', old_values: { customer_id: ada.id }, new_values: { customer_id: 'renamed-id' } },
      ]),
    );
  });

  it('reports an unknown customer with exit 1, and a missing one as a usage error', async () => {
    const unknown = await cli.run(['history', 'nobody']);
    expect(unknown).toMatchObject({ code: 1, stdout: '', stderr: 'error: no customer matches "nobody" (by id, id prefix or name)\n' });
    const missing = await cli.run(['history']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'customer-ref'");
  });
});
});
