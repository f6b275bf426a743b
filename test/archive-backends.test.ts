import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBackends, type BackendCli } from './backends.js';
import { failedChecks } from './db-checks.js';
import { FIXED_NOW, tempDir } from './helpers.js';
import { createTestDatabase, SERVER_START_TIMEOUT_MS, type TestDatabase } from './pg/helpers.js';

const DAY = 86_400_000;
const LONG_AGO = new Date(FIXED_NOW.getTime() - 400 * DAY);

/** Every column of the moved tables, as either engine's rows compare: booleans as booleans. */
const CUSTOMER_COLUMNS =
  'id, name, email, phone, product_id, status, acquisition_source, owner, is_archived, created_at, updated_at, company_id, deal_value_minor, deal_currency, closed_at, note';
const INTERACTION_COLUMNS = 'id, customer_id, type, channel, note, follow_up_date, created_at';

function normalise(rows: Array<Record<string, unknown>>, flags: readonly string[] = ['is_archived', 'is_active']) {
  return rows.map((row) => {
    const copy = { ...row };
    for (const flag of flags) if (flag in copy) copy[flag] = copy[flag] === true || copy[flag] === 1;
    return copy;
  });
}

function fileRows(file: string, sql: string): Array<Record<string, unknown>> {
  const db = new Database(file, { readonly: true });
  try {
    return normalise(db.prepare(sql).all() as Array<Record<string, unknown>>);
  } finally {
    db.close();
  }
}

/** A customer with every column set, a tag, two interactions (one with a follow-up), a product and a company. */
async function fullCustomer(cli: BackendCli, name: string, options: { owner?: string } = {}) {
  cli.clock.set(LONG_AGO);
  await cli.run(['product', 'add', `Product of ${name}`]);
  await cli.run(['company', 'add', `Company of ${name}`]);
  const customer = await cli.json<{ id: string }>([
    'customer', 'add', name, '--email', `${name.toLowerCase()}@example.com`, '--phone', '+44 20 7946 0000',
    '--product', `Product of ${name}`, '--company', `Company of ${name}`, '--value', '12 000.50 EUR',
    // A quote, a backslash and replacement patterns: a PostgreSQL archive gets the rows as SQL literals.
    '--status', 'closed_won', '--source', 'referral', '--note', `Note on ${name}: it's \\ $& $1 $'`,
    ...(options.owner ? ['--owner', options.owner] : []),
  ]);
  expect((await cli.run(['tag', customer.id, 'add', 'vip', 'renewal'])).code).toBe(0);
  await cli.sql(`INSERT INTO customer_external_ids (source, external_id, customer_id, created_at) VALUES ('hubspot', $1, $2, $3)`, [
    `hs-${name}`,
    customer.id,
    LONG_AGO.toISOString(),
  ]);
  expect((await cli.run(['interaction', 'log', customer.id, '-c', 'email', '-t', 'Intro', '-m', 'first'])).code).toBe(0);
  cli.clock.advance(60_000);
  expect((await cli.run(['interaction', 'log', customer.id, '-c', 'phone', '-t', 'Call', '-m', 'second', '-f', '2026-12-24'])).code).toBe(0);
  expect((await cli.run(['customer', 'archive', customer.id])).code).toBe(0);
  cli.clock.set(FIXED_NOW);
  return customer.id;
}

async function customerRows(cli: BackendCli, ids: readonly string[]) {
  return normalise(
    await cli.sql(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE id IN (${ids.map((_, i) => `$${i + 1}`).join(', ')}) ORDER BY id`, [...ids]),
  );
}

describeBackends('archiving', (backend, fresh) => {
  it('customer archive --status --older-than archives the stale customers in batches, audited one by one', async () => {
    const cli = await fresh();
    cli.clock.set(LONG_AGO);
    const stale: string[] = [];
    for (let i = 0; i < 5; i += 1) stale.push((await cli.json<{ id: string }>(['customer', 'add', `Lost ${i}`, '--status', 'closed_lost'])).id);
    await cli.run(['customer', 'add', 'Old lead', '--status', 'lead']);
    cli.clock.set(FIXED_NOW);
    await cli.run(['customer', 'add', 'Recent', '--status', 'closed_lost']);
    const dry = await cli.json(['customer', 'archive', '--status', 'closed_lost', '--older-than', '90d', '--dry-run']);
    expect(dry).toMatchObject({ dry_run: true, count: 5 });
    const result = await cli.json<{ count: number; ids: string[] }>(['customer', 'archive', '--status', 'closed_lost', '--older-than', '90d']);
    expect(result.count).toBe(5);
    expect([...result.ids].sort()).toEqual([...stale].sort());
    const archived = await cli.sql<{ name: string }>(`SELECT name FROM customers WHERE is_archived = $1 ORDER BY name`, [
      backend === 'postgres' ? true : 1,
    ]);
    expect(archived.map((row) => row.name)).toEqual(stale.map((_, i) => `Lost ${i}`));
    const audited = await cli.sql<{ n: number }>(
      `SELECT count(*) AS n FROM audit_log WHERE table_name = 'customers' AND action = 'update'`,
    );
    expect(Number(audited[0]!.n)).toBe(5);
    const again = await cli.run(['customer', 'archive', '--status', 'closed_lost', '--older-than', '90d']);
    expect(again.stderr).toBe('no closed_lost customers not updated since 2026-08-27; nothing to archive\n');
  });

  // A SQLite file is copied straight from file to file (the archive attaches it); a database
  // in memory (and a server's) takes the way through JavaScript.
  it.each(backend === 'sqlite' ? ['file', 'memory'] : ['server'])(
    'archive --to FILE moves every column of customers, interactions, tags, products and companies; a rerun moves nothing (%s)',
    async (where) => {
      const cli = await fresh({ file: where === 'file' });
      const ids = [await fullCustomer(cli, 'Ada'), await fullCustomer(cli, 'Bob')];
      const stays = (await cli.json<{ id: string }>(['customer', 'add', 'Stays'])).id;
      const before = await customerRows(cli, ids);
      expect(before.find((row) => row.name === 'Ada')).toMatchObject({ deal_value_minor: 1_200_050, deal_currency: 'EUR', note: "Note on Ada: it's \\ $& $1 $'", is_archived: true });
      expect(before[0]!.closed_at).toEqual(expect.any(String));
      expect(before[0]!.company_id).toEqual(expect.any(String));
      const interactions = normalise(
        await cli.sql(`SELECT ${INTERACTION_COLUMNS} FROM customer_interactions WHERE customer_id IN ($1, $2) ORDER BY id`, ids),
      );
      expect(interactions).toHaveLength(4);
      const file = path.join(tempDir(), 'archive.db');

      const moved = await cli.json(['archive', '--to', file]);
      expect(moved).toEqual({ to: file, dry_run: false, customers: 2, customer_interactions: 4, interactions: 0 });
      expect(fileRows(file, `SELECT ${CUSTOMER_COLUMNS} FROM customers ORDER BY id`)).toEqual(before);
      expect(fileRows(file, `SELECT ${INTERACTION_COLUMNS} FROM customer_interactions ORDER BY id`)).toEqual(interactions);
      expect(fileRows(file, `SELECT customer_id, tag FROM customer_tags ORDER BY customer_id, rowid`)).toEqual(
        [...ids].sort().flatMap((id) => [{ customer_id: id, tag: 'vip' }, { customer_id: id, tag: 'renewal' }]),
      );
      expect(fileRows(file, `SELECT name, is_active FROM products ORDER BY name`)).toEqual([
        { name: 'Product of Ada', is_active: false },
        { name: 'Product of Bob', is_active: false },
      ]);
      expect(fileRows(file, `SELECT name FROM companies ORDER BY name`)).toEqual([{ name: 'Company of Ada' }, { name: 'Company of Bob' }]);
      expect(fileRows(file, `SELECT source, external_id, customer_id, created_at FROM customer_external_ids ORDER BY external_id`)).toEqual(
        ['Ada', 'Bob'].map((name, index) => ({ source: 'hubspot', external_id: `hs-${name}`, customer_id: ids[index], created_at: LONG_AGO.toISOString() })),
      );
      expect(await cli.sql(`SELECT external_id FROM customer_external_ids`)).toEqual([]);
      expect(await customerRows(cli, ids)).toEqual([]);
      expect(await cli.sql(`SELECT id FROM customer_interactions WHERE customer_id IN ($1, $2)`, ids)).toEqual([]);
      expect((await customerRows(cli, [stays])).map((row) => row.id)).toEqual([stays]);
      expect(await failedChecks(cli)).toEqual([]);

      const snapshot = await cli.snapshot();
      expect(await cli.json(['archive', '--to', file])).toMatchObject({ customers: 0, customer_interactions: 0 });
      expect(await cli.snapshot()).toEqual(snapshot);
    },
  );

  it('a failure between the archive commit and the delete leaves the batch in both; the rerun finishes it', async () => {
    const cli = await fresh({ file: true });
    const ids = [await fullCustomer(cli, 'Ada'), await fullCustomer(cli, 'Bob')];
    const file = path.join(tempDir(), 'archive.db');
    const before = await cli.snapshot();
    const failed = await cli.run(['archive', '--to', file], {
      hooks: {
        onArchiveStep: (step) => {
          if (step === 'archive-commit') throw new Error('power cut');
        },
      },
    });
    expect(failed.code).not.toBe(0);
    expect(await cli.snapshot()).toEqual(before);
    expect(fileRows(file, `SELECT id FROM customers`).length).toBeGreaterThan(0);
    expect(await cli.json(['archive', '--to', file])).toMatchObject({ customers: 2, customer_interactions: 4 });
    expect(fileRows(file, `SELECT id FROM customers ORDER BY id`).map((row) => row.id)).toEqual([...ids].sort());
    expect(await customerRows(cli, ids)).toEqual([]);
  });

  if (backend === 'postgres') {
    it('a member archives and moves only the customers they own; a manager every one of the team', async () => {
      const cli = await fresh();
      const bob = await cli.otherMember('bob');
      cli.clock.set(LONG_AGO);
      const mine = (await cli.json<{ id: string }>(['customer', 'add', 'Managers', '--status', 'closed_lost'])).id;
      const bobs = JSON.parse((await bob.run(['customer', 'add', 'Bobs', '--status', 'closed_lost', '--owner', bob.actor, '--json'])).stdout).id as string;
      cli.clock.set(FIXED_NOW);
      const byBob = JSON.parse((await bob.run(['customer', 'archive', '--status', 'closed_lost', '--older-than', '90d', '--json'])).stdout);
      expect(byBob).toMatchObject({ count: 1, ids: [bobs] });
      expect((await cli.sql<{ is_archived: boolean }>(`SELECT is_archived FROM customers WHERE id = $1`, [mine]))[0]!.is_archived).toBe(false);
      expect(await cli.json(['customer', 'archive', '--status', 'closed_lost', '--older-than', '90d'])).toMatchObject({ count: 1, ids: [mine] });

      const file = path.join(tempDir(), 'archive.db');
      const bobMoves = JSON.parse((await bob.run(['archive', '--to', file, '--json'])).stdout);
      expect(bobMoves).toMatchObject({ customers: 1 });
      expect(fileRows(file, `SELECT id FROM customers`)).toEqual([{ id: bobs }]);
      expect(await customerRows(cli, [mine])).toHaveLength(1);
      expect(await cli.json(['archive', '--to', file])).toMatchObject({ customers: 1 });
      expect(await customerRows(cli, [mine])).toEqual([]);
    });
  }
});

describe('archive --to a PostgreSQL database [postgres]', () => {
  let archive: TestDatabase;
  beforeAll(async () => {
    archive = await createTestDatabase();
  }, SERVER_START_TIMEOUT_MS);
  afterAll(async () => {
    await archive?.close();
  });

  /** The archive database as `login` reaches it: a manager of a team there. */
  async function archiveFor(login: string): Promise<string> {
    const owner = await archive.connect(archive.owner);
    const team = `Archive of ${login}`;
    await owner.query(`SELECT crm.crm_create_team($1)`, [team]);
    await owner.query(`SELECT crm.crm_team_add($1, true, $2)`, [login, team]);
    await owner.end();
    return archive.socketUrl(login);
  }

  async function archivedRows(login: string, sql: string) {
    const client = await archive.connect(login);
    try {
      return normalise((await client.query(sql)).rows as Array<Record<string, unknown>>);
    } finally {
      await client.end();
    }
  }

  describeBackends('from', (backend, fresh) => {
    it('moves every column into another database; a failure after its commit is finished by the rerun', async () => {
      const cli = await fresh({ file: true });
      const login = cli.actorFor('');
      if (backend === 'sqlite') {
        // A SQLite file's writer is no PostgreSQL role: the archive's manager is a new role.
        const role = await archive.createRole('archivist');
        const url = await archiveFor(role);
        await checkMove(cli, url, role);
        return;
      }
      await checkMove(cli, await archiveFor(login), login);
    });

    async function checkMove(cli: BackendCli, url: string, login: string) {
      const ids = [await fullCustomer(cli, 'Ada'), await fullCustomer(cli, 'Bob')];
      const before = await customerRows(cli, ids);
      const interactions = normalise(
        await cli.sql(`SELECT ${INTERACTION_COLUMNS} FROM customer_interactions WHERE customer_id IN ($1, $2) ORDER BY id`, ids),
      );
      const failed = await cli.run(['archive', '--to', url], {
        hooks: {
          onArchiveStep: (step) => {
            if (step === 'archive-commit') throw new Error('power cut');
          },
        },
      });
      expect(failed.code).not.toBe(0);
      expect(await customerRows(cli, ids)).toEqual(before);
      const moved = await cli.json(['archive', '--to', url]);
      expect(moved).toMatchObject({ customers: 2, customer_interactions: 4 });
      expect(await archivedRows(login, `SELECT ${CUSTOMER_COLUMNS} FROM crm.customers ORDER BY id COLLATE "C"`)).toEqual(before);
      expect(await archivedRows(login, `SELECT ${INTERACTION_COLUMNS} FROM crm.customer_interactions ORDER BY id COLLATE "C"`)).toEqual(
        interactions,
      );
      expect(await archivedRows(login, `SELECT customer_id, tag FROM crm.customer_tags ORDER BY customer_id COLLATE "C", position`)).toEqual(
        [...ids].sort().flatMap((id) => [{ customer_id: id, tag: 'vip' }, { customer_id: id, tag: 'renewal' }]),
      );
      expect(await archivedRows(login, `SELECT name, is_active FROM crm.products ORDER BY name`)).toEqual([
        { name: 'Product of Ada', is_active: false },
        { name: 'Product of Bob', is_active: false },
      ]);
      expect(
        await archivedRows(
          login,
          `SELECT source, external_id, customer_id, created_at = '${LONG_AGO.toISOString()}'::timestamptz AS same_time
             FROM crm.customer_external_ids ORDER BY external_id`,
        ),
      ).toEqual(['Ada', 'Bob'].map((name, index) => ({ source: 'hubspot', external_id: `hs-${name}`, customer_id: ids[index], same_time: true })));
      expect(await customerRows(cli, ids)).toEqual([]);
    }

    if (backend === 'postgres') {
      it('refuses its own database as the archive, under any URL, and changes nothing', async () => {
        const cli = await fresh();
        await fullCustomer(cli, 'Ada');
        const before = await cli.snapshot();
        const result = await cli.run(['archive', '--to', ownUrl(cli)]);
        expect(result.code).not.toBe(0);
        expect(result.stderr).toMatch(/^error: the archive .* is this database itself; choose another database\n$/);
        expect(await cli.snapshot()).toEqual(before);
      });
    }
  });
});

/** The URL of the database the PostgreSQL CLI of test/backends.ts works on, as another client would write it. */
function ownUrl(cli: BackendCli): string {
  return (cli as unknown as { db: TestDatabase }).db.socketUrl(cli.actorFor(''));
}
