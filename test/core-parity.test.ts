import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { shortId } from '../src/domain/ids.js';
import { describeBackends, type BackendCli } from './backends.js';
import { expectRefused } from './helpers.js';

/**
 * The orders and matches of products, customers and interactions that each backend's
 * repositories implement in their own SQL (SQLite: crm_fold() in JavaScript, NOCASE, rowids;
 * PostgreSQL: crm.crm_fold(), collation "C", indexes behind row-level security): the same
 * commands must print the same records in the same order on both.
 */
describeBackends('orders and matches', (backend, fresh) => {
  let cli: BackendCli;
  beforeEach(async () => {
    cli = await fresh();
  });
  afterEach(() => cli.close());

  const names = async (argv: string[]) => (await cli.json(argv)).map((record: { name: string }) => record.name);

  /** Rows written as psql or the sqlite3 shell would, with ids unique in the file's database. */
  let inserted = 0;
  async function insertCustomer(name: string, fields: { id?: string; email?: string; minute?: number; archived?: boolean } = {}): Promise<string> {
    inserted += 1;
    const id = fields.id ?? `aaaa0000-0000-4000-8000-${String(inserted).padStart(12, '0')}`;
    const at = new Date(Date.UTC(2026, 10, 1, 9, fields.minute ?? 0)).toISOString();
    await cli.sql(
      'INSERT INTO customers (id, name, email, is_archived, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [id, name, fields.email ?? null, fields.archived ? 1 : 0, at, at],
    );
    return id;
  }

  describe('names and text in any script', () => {
    beforeEach(async () => {
      for (const name of ['Zoë Ünïcødé', 'Straßenbahn GmbH', 'Σωκράτης Παππάς', '🍕 Pizza Ünö', 'Plain Zoe']) {
        await cli.run(['customer', 'add', name, '--owner', name === 'Plain Zoe' ? 'José' : 'ana']);
      }
    });

    it('finds a customer by name in another case, composed or decomposed', async () => {
      expect((await cli.json(['customer', 'show', 'ZOË ÜNÏCØDÉ'])).name).toBe('Zoë Ünïcødé');
      expect((await cli.json(['customer', 'show', 'Zoe\u0308 U\u0308ni\u0308cødé'])).name).toBe('Zoë Ünïcødé');
      expect((await cli.json(['customer', 'show', 'σωκράτης παππάς'])).name).toBe('Σωκράτης Παππάς');
      expect((await cli.json(['customer', 'show', 'STRASSENBAHN GMBH'])).name).toBe('Straßenbahn GmbH');
    });

    it('searches folded text, in name order, paged', async () => {
      expect(await names(['customer', 'search', 'ÜN'])).toEqual(['Zoë Ünïcødé', '🍕 Pizza Ünö']);
      expect(await names(['customer', 'search', 'ΣΩΚΡΆΤΗΣ'])).toEqual(['Σωκράτης Παππάς']);
      expect(await names(['customer', 'search', 'STRASSE'])).toEqual(['Straßenbahn GmbH']);
      expect(await names(['customer', 'search', 'z'])).toEqual(['Plain Zoe', 'Zoë Ünïcødé', '🍕 Pizza Ünö']);
      expect(await names(['customer', 'search', 'z', '--limit', '1', '--page', '2'])).toEqual(['Zoë Ünïcødé']);
    });

    it('filters by an owner in another case and script', async () => {
      expect(await names(['customer', 'list', '--owner', 'JOSÉ'])).toEqual(['Plain Zoe']);
      expect(await names(['customer', 'list', '--owner', 'Jose\u0301', '--sort', 'name'])).toEqual(['Plain Zoe']);
      expect((await names(['customer', 'list', '--owner', 'ANA', '--sort', 'name'])).length).toBe(4);
    });

    it('refuses a product whose name differs only by the case or form of its accents', async () => {
      const ete = await cli.json(['product', 'add', 'Été']);
      const clash = `error: a product named "Été" already exists (${shortId(ete.id)})\n`;
      await expectRefused(cli, ['product', 'add', 'ÉTÉ'], { code: 1, stderr: clash });
      await expectRefused(cli, ['product', 'add', 'E\u0301te\u0301'], { code: 1, stderr: clash });
    });
  });

  describe('orders', () => {
    it('sorts names as SQLite does: ASCII letters without case, other text by its bytes, then id', async () => {
      for (const name of ['émile', 'Zed', 'adam', 'Émile', 'ADAM', 'Bob']) {
        await insertCustomer(name);
      }
      expect(await names(['customer', 'list', '--sort', 'name'])).toEqual(['adam', 'ADAM', 'Bob', 'Zed', 'Émile', 'émile']);
      for (const name of ['zeta', 'Alpha', 'éclair', 'alpha2', 'Émile']) {
        expect((await cli.run(['product', 'add', name, '--inactive'])).code).toBe(0);
      }
      expect(await names(['product', 'list'])).toEqual(['Alpha', 'alpha2', 'zeta', 'Émile', 'éclair']);
    });

    it('breaks ties of the same instant by id, newest (highest id) first, in every sort', async () => {
      const ids = [];
      for (const suffix of ['3', '1', '2']) ids.push(await insertCustomer(`Same ${suffix}`, { id: `tie-${suffix}` }));
      const listed = async (sort: string) => (await cli.json(['customer', 'list', '--sort', sort])).map((c: { id: string }) => c.id);
      const descending = [...ids].sort().reverse();
      expect(await listed('created')).toEqual(descending);
      expect(await listed('updated')).toEqual(descending);
      expect(await listed('status')).toEqual(descending);
    });

    it('merges archived and active customers in one order with --include-archived', async () => {
      await insertCustomer('Old archived', { minute: 1, archived: true });
      await insertCustomer('Active', { minute: 2 });
      await insertCustomer('New archived', { minute: 3, archived: true });
      expect(await names(['customer', 'list', '--include-archived'])).toEqual(['New archived', 'Active', 'Old archived']);
      expect(await names(['customer', 'list', '--include-archived', '--sort', 'name', '--limit', '2'])).toEqual(['Active', 'New archived']);
      expect(await names(['customer', 'list', '--archived', '--sort', 'status'])).toEqual(['New archived', 'Old archived']);
    });

    it('lists interactions of one instant newest id first', async () => {
      await cli.run(['customer', 'add', 'Ada']);
      for (const note of ['a', 'b', 'c']) await cli.run(['interaction', 'log', 'ada', '-c', 'phone', '-t', 'Call', '-m', note]);
      const listed = await cli.json(['interaction', 'list', 'ada']);
      expect(listed.map((i: { id: string }) => i.id)).toEqual(listed.map((i: { id: string }) => i.id).sort().reverse());
    });
  });

  describe('refs', () => {
    it('takes an id prefix typed in upper case', async () => {
      const ada = await cli.json(['customer', 'add', 'Ada']);
      expect((await cli.json(['customer', 'show', ada.id.slice(0, 8).toUpperCase()])).id).toBe(ada.id);
      const audit = await cli.json(['product', 'add', 'Audit']);
      expect((await cli.json(['product', 'show', audit.id.slice(0, 6).toUpperCase()])).id).toBe(audit.id);
    });

    it('pools an id prefix and a name that mean different customers as ambiguous', async () => {
      await insertCustomer('Ann', { id: 'c0de1111-0000-4000-8000-000000000001' });
      const named = await insertCustomer('c0de');
      await expectRefused(cli, ['customer', 'show', 'c0de'], {
        code: 1,
        stderr: `error: "c0de" matches 2 records: c0de1111 Ann, ${shortId(named)} c0de; use a longer id prefix\n`,
      });
    });

    it('shows the customer an exact id names, not one named that id, with its company, tags and interactions', async () => {
      const id = 'c0de2222-0000-4000-8000-000000000002';
      await insertCustomer('Ada', { id });
      await insertCustomer(id);
      await cli.run(['company', 'add', 'Acme']);
      await cli.run(['customer', 'edit', id, '--company', 'Acme']);
      await cli.run(['tag', id, 'add', 'vip', 'referral']);
      for (const note of ['first', 'second']) await cli.run(['interaction', 'log', id, '-c', 'phone', '-t', 'Call', '-m', note]);
      const shown = await cli.json(['customer', 'show', id]);
      expect([shown.id, shown.name, shown.company_name, shown.tags]).toEqual([id, 'Ada', 'Acme', ['vip', 'referral']]);
      expect(shown.interactions.map((i: { note: string }) => i.note).sort()).toEqual(['first', 'second']);
      expect(shown.interactions[0].created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(await cli.json(['interaction', 'list', id])).toEqual(shown.interactions);
      expect((await cli.json(['customer', 'show', id.toUpperCase()])).id).toBe(id);
    });

    it('finds the oldest customer with an e-mail in another ASCII case', async () => {
      await insertCustomer('Older', { email: 'ada@EXAMPLE.com', minute: 1 });
      await insertCustomer('Newer', { email: 'ADA@example.com', minute: 5 });
      const result = await cli.run(['customer', 'add', 'Ada', '--email', 'Ada@Example.com']);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: customer "Older" \([0-9a-f]{8}\) already has the e-mail ada@EXAMPLE\.com; use --force/);
    });
  });
});
