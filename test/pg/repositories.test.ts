import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, RuleViolationError, ValidationError } from '../../src/domain/errors.js';
import { openStore } from '../../src/repositories/open.js';
import { CUSTOMERS_BY_NAME, customerCountSql, customerListSql, DISTINCT_OWNERS, idPrefixCondition, Parameters } from '../../src/repositories/pg/queries.js';
import type { PgStore } from '../../src/repositories/pg/store.js';
import type { Store } from '../../src/repositories/ports.js';
import { Services } from '../../src/services/index.js';
import { runCli, TestClock, type RunOptions, type RunResult } from '../helpers.js';
import { createTeams, SERVER_START_TIMEOUT_MS, type Teams } from './helpers.js';

/**
 * crm's PostgreSQL repositories as team members use them: what row-level security refuses
 * reads as one line, the active product limit holds for two managers at the same moment, and
 * the daily lookups seek an index under row-level security.
 */
let teams: Teams;
let eve: string;
const stores: Store[] = [];
const clock = new TestClock();

async function storeOf(login: string): Promise<PgStore> {
  const store = await openStore(teams.db.socketUrl(login));
  stores.push(store);
  return store as PgStore;
}

function crm(store: Store, argv: string[], options: RunOptions = {}): Promise<RunResult> {
  return runCli(argv, { ...options, clock, store });
}

beforeAll(async () => {
  teams = await createTeams();
  // A second manager of Acme, for the race between two managers.
  eve = await teams.db.createRole('eve');
  await teams.owner.query(`SELECT crm.crm_team_add($1, true, 'Acme')`, [eve]);
}, SERVER_START_TIMEOUT_MS);
afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await teams?.db.close();
});

describe('what row-level security refuses, in one line', () => {
  let ann: Store;
  let bob: Store;
  beforeAll(async () => {
    ann = await storeOf(teams.names.ann);
    bob = await storeOf(teams.names.bob);
    expect((await crm(ann, ['product', 'add', 'Audit'])).code).toBe(0);
    expect((await crm(ann, ['customer', 'add', 'Anns Client', '--owner', teams.names.ann])).code).toBe(0);
    expect((await crm(bob, ['customer', 'add', 'Bobs Client', '--owner', teams.names.bob, '--product', 'audit'])).code).toBe(0);
  });

  /** Exit 1, the message, and nothing changed in the team's tables. */
  async function refused(store: Store, argv: string[], message: string): Promise<void> {
    const before = await teams.ann.query(`SELECT * FROM crm.products, crm.customers ORDER BY 1`);
    const result = await crm(store, argv);
    expect({ code: result.code, stderr: result.stderr, stdout: result.stdout }).toEqual({ code: 1, stderr: `error: ${message}\n`, stdout: '' });
    expect((await teams.ann.query(`SELECT * FROM crm.products, crm.customers ORDER BY 1`)).rows).toEqual(before.rows);
  }

  it('products are for managers: adding, editing, activating and deleting', async () => {
    await refused(bob, ['product', 'add', 'Coaching', '--inactive'], 'only a manager can add or change products');
    await refused(bob, ['product', 'edit', 'audit', '--description', 'two days'], 'only a manager can add or change products');
    await refused(bob, ['product', 'deactivate', 'audit'], 'only a manager can add or change products');
    // Deleting unlinks the customers first: Bob's own one was unlinked, and is linked again.
    await refused(bob, ['product', 'delete', 'audit', '--yes'], 'only a manager can delete products');
  });

  it("a member edits, moves, archives and deletes only their own customers, and cannot give one away", async () => {
    const customers = 'you can add or edit only customers you own (and they must stay yours); a manager can change any';
    await refused(bob, ['customer', 'edit', 'anns client', '--phone', '555'], customers);
    await refused(bob, ['customer', 'move', 'anns client', 'qualified'], customers);
    await refused(bob, ['customer', 'archive', 'anns client'], customers);
    await refused(bob, ['customer', 'archive', 'bobs client', 'anns client'], customers);
    await refused(bob, ['customer', 'delete', 'anns client', '--yes'], 'you can delete only customers you own; a manager can delete any');
    await refused(bob, ['customer', 'add', 'For Ann', '--owner', teams.names.ann], customers);
    await refused(bob, ['customer', 'edit', 'bobs client', '--owner', teams.names.ann], customers);
  });

  it('what the policies allow still works: own customers for members, anything of the team for managers', async () => {
    expect((await crm(bob, ['customer', 'move', 'bobs client', 'qualified'])).stderr).toBe('✓ moved "Bobs Client" from lead to qualified\n');
    expect((await crm(bob, ['interaction', 'log', 'anns client', '-c', 'phone', '-t', 'Call', '-m', 'covering for Ann'])).code).toBe(0);
    expect((await crm(ann, ['customer', 'edit', 'bobs client', '--phone', '555'])).code).toBe(0);
  });

  it('another team sees none of it', async () => {
    const dan = await storeOf(teams.names.dan);
    expect((await crm(dan, ['customer', 'show', 'anns client'])).stderr).toBe('error: no customer matches "anns client" (by id, id prefix or name)\n');
    expect((await crm(dan, ['product', 'list', '--json'])).stdout).toBe('[]\n');
  });
});

describe("the server's own refusals, as SQLite's read", () => {
  const at = '2026-11-25T10:00:00.000Z';
  const customer = (id: string, productId: string | null) => ({
    id, name: `Customer ${id}`, email: null, phone: null, product_id: productId, status: 'lead' as const,
    acquisition_source: null, owner: null, is_archived: false, created_at: at, updated_at: at,
    company_id: null, deal_value_minor: null, deal_currency: null, closed_at: null, note: null,
  });

  it("a reference to another team's product or customer is a missing record", async () => {
    const dan = await storeOf(teams.names.dan);
    const globex = await dan.repositories.products.insert({ id: 'globex-p', name: 'Globex thing', description: null, is_active: false, created_at: at, updated_at: at });
    const globexCustomer = await dan.repositories.customers.insert(customer('globex-c', null));
    const ann = await storeOf(teams.names.ann);
    await expect(ann.write(() => ann.repositories.customers.insert(customer('acme-c', globex.id)))).rejects.toThrow(
      new ValidationError('the referenced record does not exist'),
    );
    await expect(
      ann.write(() =>
        ann.repositories.interactions.insert({
          id: 'acme-i', customer_id: globexCustomer.id, type: 'Call', channel: 'phone', note: 'n', follow_up_date: null, created_at: at,
        }),
      ),
    ).rejects.toThrow(new ValidationError('the referenced record does not exist'));
  });

  it('a duplicate product name that raced past the check is a name clash', async () => {
    const ann = await storeOf(teams.names.ann);
    await ann.repositories.products.insert({ id: 'dup-1', name: 'Racing', description: null, is_active: false, created_at: at, updated_at: at });
    await expect(
      ann.repositories.products.insert({ id: 'dup-2', name: 'RACING', description: null, is_active: false, created_at: at, updated_at: at }),
    ).rejects.toThrow(new ConflictError('a product with that name already exists'));
  });

  it('a follow-up that is neither a day nor a canonical instant is refused', async () => {
    const ann = await storeOf(teams.names.ann);
    await ann.repositories.customers.insert(customer('acme-f', null));
    const interaction = (followUp: string) => ({
      id: `acme-f-${followUp}`, customer_id: 'acme-f', type: 'Call', channel: 'phone' as const, note: 'n', follow_up_date: followUp, created_at: at,
    });
    expect((await ann.repositories.interactions.insert(interaction('2026-12-01'))).follow_up_date).toBe('2026-12-01');
    expect((await ann.repositories.interactions.insert(interaction('2026-12-01T04:00:00.000Z'))).follow_up_date).toBe('2026-12-01T04:00:00.000Z');
    for (const bad of ['2026-02-30', '2026-12-01 04:00', '2026-12-01T04:00:00Z']) {
      await expect(ann.repositories.interactions.insert(interaction(bad))).rejects.toThrow(ValidationError);
    }
  });
});

describe('the active product limit through crm, two managers at the same moment', () => {
  it('a manager activating a 4th product while another activates the 3rd waits, then is refused in one line', async () => {
    const ann = await storeOf(teams.names.ann);
    const other = await storeOf(eve);
    await teams.ann.query(`DELETE FROM crm.products`);
    for (const name of ['One', 'Two']) expect((await crm(ann, ['product', 'add', name])).code).toBe(0);
    for (const name of ['Third', 'Fourth']) expect((await crm(ann, ['product', 'add', name, '--inactive'])).code).toBe(0);
    const otherPid = (await other.session.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]!.pid;

    // Ann's activation of the 3rd, held uncommitted: her command's write, still open.
    let commit!: () => void;
    const held = new Promise<void>((resolve) => (commit = resolve));
    let activated!: () => void;
    const third = new Promise<void>((resolve) => (activated = resolve));
    const services = new Services(ann, clock);
    const annWrite = ann.write(async () => {
      await services.products.setActive('third', true);
      activated();
      await held;
    });
    await third;

    // The other manager's check sees 2 active (Ann's is not committed), so the server decides.
    let settled = false;
    const fourth = crm(other, ['product', 'activate', 'fourth']).finally(() => (settled = true));
    let blocked = false;
    for (let attempt = 0; attempt < 200 && !settled && !blocked; attempt++) {
      const { rows } = await teams.db.asSuperuser(`SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1`, [otherPid]);
      blocked = rows[0]?.wait_event_type === 'Lock';
      if (!blocked) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(blocked).toBe(true);
    commit();
    await annWrite;

    expect(await fourth).toMatchObject({ code: 1, stdout: '', stderr: 'error: at most 3 products can be active at once\n' });
    const { rows } = await teams.ann.query<{ name: string }>(`SELECT name FROM crm.products WHERE is_active ORDER BY name`);
    expect(rows.map((row) => row.name)).toEqual(['One', 'Third', 'Two']);
  });

  it('the same race through the services, many times: exactly one of two activations wins', async () => {
    const ann = new Services(await storeOf(teams.names.ann), clock);
    const other = new Services(await storeOf(eve), clock);
    for (let round = 0; round < 10; round++) {
      await teams.ann.query(`DELETE FROM crm.products`);
      for (const name of ['One', 'Two']) await ann.products.add({ name, description: null, is_active: true });
      for (const name of ['A', 'B']) await ann.products.add({ name, description: null, is_active: false });
      const results = await Promise.allSettled([ann.products.setActive('a', true), other.products.setActive('b', true)]);
      const refusals = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
      expect(refusals).toHaveLength(1);
      expect(refusals[0]).toBeInstanceOf(RuleViolationError);
      expect((refusals[0] as Error).message).toMatch(/^at most 3 products can be active/);
      const { rows } = await teams.ann.query<{ n: number }>(`SELECT count(*) AS n FROM crm.products WHERE is_active`);
      expect(rows[0]!.n).toBe(3);
    }
  });
});

describe('lookups seek an index under row-level security', () => {
  beforeAll(async () => {
    // Enough rows in two teams that reading a team's rows would cost more than the index.
    // Committed durably: the test server runs with synchronous_commit off, and until its
    // commit is flushed no row can be marked visible to all, which index-only scans need.
    await teams.owner.query('SET synchronous_commit = on');
    await teams.owner.query(
      `INSERT INTO crm.customers (team_id, name, email, owner, created_at, updated_at)
       SELECT t, 'Bulk ' || g, 'bulk' || g || '@example.com', 'owner' || (g % 7), now(), now()
       FROM unnest(ARRAY[$1, $2]) AS t, generate_series(1, 3000) AS g`,
      [teams.acme, teams.globex],
    );
    // Vacuumed too, as autovacuum would have: an index-only scan needs the visibility map.
    await teams.owner.query('VACUUM ANALYZE crm.customers');
  });

  async function plan(text: string, values: unknown[]): Promise<string> {
    const { rows } = await teams.bob.query(`EXPLAIN ${text}`, values);
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  }

  it('a customer by id prefix, in any case', async () => {
    const parameters = new Parameters();
    const where = idPrefixCondition('c', 'AbCd', parameters);
    const text = `SELECT c.id FROM crm.customers AS c WHERE ${where} ORDER BY c.id COLLATE "C" LIMIT ${parameters.add(10)}`;
    const shown = await plan(text, parameters.values);
    expect(shown).toContain('customers_id_bytes_idx');
    expect(shown).not.toContain('Seq Scan');
  });

  it('a customer by name: the lookup function seeks the fold index', async () => {
    expect(await plan(CUSTOMERS_BY_NAME, ['bulk 7'])).toMatch(/Function Scan on crm_customers_named[\s\S]*customers_pkey/);
    // Its query, as the owner runs it for the member (no row-level security).
    const shown = await teams.owner
      .query(`EXPLAIN SELECT c.id FROM crm.customers c WHERE c.team_id = $1 AND crm.crm_fold(c.name) = crm.crm_fold($2)`, [teams.acme, 'bulk 7'])
      .then(({ rows }) => rows.map((row) => row['QUERY PLAN']).join('\n'));
    expect(shown).toContain('customers_name_fold_idx');
    const found = await teams.bob.query(CUSTOMERS_BY_NAME, ['BULK 7']);
    expect(found.rows.map((row) => row.name)).toEqual(['Bulk 7']);
  });

  it('a list page walks its sort index and stops', async () => {
    for (const sort of ['created', 'updated', 'name', 'status'] as const) {
      const { text, values } = customerListSql({ archived: 'exclude' }, sort, { limit: 20, offset: 0 });
      const shown = await plan(text, values);
      expect(shown).not.toContain('Seq Scan');
      expect(shown).not.toMatch(/^\s*->\s+Sort\b/m);
    }
  });

  it('a list with archived customers walks the index once per value of the flag, up to the page', async () => {
    const { text, values } = customerListSql({ archived: 'include' }, 'created', { limit: 20, offset: 0 });
    const shown = await plan(text, values);
    expect(shown).toMatch(/Index Scan Backward using customers_created_idx[\s\S]*Index Cond: \(\(team_id = \$\d+\) AND \(is_archived = false\)\)/);
    expect(shown).not.toContain('Seq Scan');
  });

  it("a list's total adds up groups of customer_counts, not the team's rows", async () => {
    const count = customerCountSql({ archived: 'exclude', status: 'lead' });
    expect(await plan(count.text, count.values)).toMatch(/on customer_counts c\b/);
    const byOwner = customerCountSql({ archived: 'exclude', status: 'lead', owners: ['owner1'] });
    const shown = await plan(byOwner.text, byOwner.values);
    expect(shown).toMatch(/on customer_counts c\b/);
    expect(shown).not.toMatch(/on customers\b/);
    const { rows } = await teams.bob.query(byOwner.text, byOwner.values);
    const direct = await teams.bob.query(`SELECT count(*) AS n FROM crm.customers WHERE NOT is_archived AND status = 'lead' AND owner = 'owner1'`);
    expect(rows[0].n).toBe(direct.rows[0].n);
  });

  it('the distinct owners, one seek each', async () => {
    const shown = await plan(DISTINCT_OWNERS, []);
    expect(shown).toContain('customers_owner_idx');
    expect(shown).not.toContain('Seq Scan');
    const { rows } = await teams.bob.query(DISTINCT_OWNERS);
    expect(rows.map((row) => row.owner)).toEqual(expect.arrayContaining(['owner0', 'owner6']));
  });
});
