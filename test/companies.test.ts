import { beforeEach, describe, expect, it } from 'vitest';
import { describeBackends, type BackendCli } from './backends.js';
import { expectRefused } from './helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describeBackends('company commands', (backend, fresh) => {
  let cli: BackendCli;
  beforeEach(async () => {
    cli = await fresh();
  });

  const addCompany = (name: string) => cli.json(['company', 'add', name]);
  const addCustomer = (name: string, ...flags: string[]) => cli.json(['customer', 'add', name, ...flags]);

  describe('company add and list', () => {
    it('adds a company with the data-model columns as JSON and lists companies by name with their customers', async () => {
      const company = await addCompany('Analytical Engines');
      expect(company).toEqual({
        id: expect.stringMatching(UUID),
        name: 'Analytical Engines',
        created_at: '2026-11-25T10:00:00.000Z',
        updated_at: '2026-11-25T10:00:00.000Z',
      });
      await addCompany('acme');
      await addCustomer('Ada Lovelace', '--company', 'analytical engines');
      await addCustomer('Charles Babbage', '--company', company.id);
      const archived = await addCustomer('Old Contact', '--company', 'Analytical Engines');
      await cli.run(['customer', 'archive', archived.id]);
      const list = await cli.json(['company', 'list']);
      expect(list.map((c: { name: string; customers: number }) => [c.name, c.customers])).toEqual([
        ['acme', 0],
        ['Analytical Engines', 2],
      ]);
      const tsv = await cli.run(['company', 'list']);
      expect(tsv.stdout.split('\n')[0]).toBe('id\tname\tcustomers\tcreated_at');
    });

    it('refuses a second company with the same name ignoring case and accents, and a blank one', async () => {
      await addCompany('Ångström AB');
      await expectRefused(cli, ['company', 'add', 'ÅNGSTRÖM ab'], {
        code: 1,
        stderr: expect.stringMatching(/^error: a company named "Ångström AB" already exists \([0-9a-f]{8}\)\n$/) as unknown as string,
      });
      await expectRefused(cli, ['company', 'add', '  '], { code: 1, stderr: 'error: company name is required\n' });
    });

    it('says so when there are none', async () => {
      const result = await cli.run(['company', 'list']);
      expect(result).toMatchObject({ code: 0, stdout: 'id\tname\tcustomers\tcreated_at\n', stderr: 'no companies yet (crm company add NAME)\n' });
    });
  });

  describe('refs', () => {
    it('resolve by id, id prefix and folded unique name; an ambiguous ref lists the candidates', async () => {
      const zola = await addCompany('Émile Zola SARL');
      expect((await cli.json(['company', 'show', zola.id])).name).toBe('Émile Zola SARL');
      expect((await cli.json(['company', 'show', zola.id.slice(0, 6)])).name).toBe('Émile Zola SARL');
      expect((await cli.json(['company', 'show', 'ÉMILE ZOLA sarl'])).name).toBe('Émile Zola SARL');
      // Decomposed accents (NFD) are the same name.
      expect((await cli.json(['company', 'show', 'E\u0301mile Zola SARL'])).name).toBe('Émile Zola SARL');
      // Two companies whose ids share a prefix, written as psql or the sqlite3 shell would.
      const prefix = zola.id.slice(0, 4) === 'abcd' ? 'dcba' : 'abcd';
      const suffix = zola.id.slice(8);
      const table = backend === 'postgres' ? 'crm.companies' : 'companies';
      await cli.sql(`INSERT INTO ${table} (id, name) VALUES ($1, 'Twin One'), ($2, 'Twin Two')`, [`${prefix}1111${suffix}`, `${prefix}2222${suffix}`]);
      await expectRefused(cli, ['company', 'show', prefix], {
        code: 1,
        stderr: `error: "${prefix}" matches 2 records: ${prefix}1111 Twin One, ${prefix}2222 Twin Two; use a longer id prefix\n`,
      });
      await expectRefused(cli, ['company', 'show', 'Zola'], {
        code: 1,
        stderr: 'error: no company matches "Zola" (by id, id prefix or name)\n',
      });
      await expectRefused(cli, ['customer', 'add', 'Ada', '--company', 'nobody'], {
        code: 1,
        stderr: 'error: no company matches "nobody" (by id, id prefix or name)\n',
      });
    });
  });

  describe('customer add|edit --company', () => {
    it('links, moves and unlinks a customer; show and --json name the company', async () => {
      const engines = await addCompany('Analytical Engines');
      const acme = await addCompany('Acme');
      const ada = await addCustomer('Ada Lovelace', '--company', 'analytical engines');
      expect(ada.company_id).toBe(engines.id);
      const shown = await cli.json(['customer', 'show', 'ada lovelace']);
      expect(shown).toMatchObject({ company_id: engines.id, company_name: 'Analytical Engines' });
      const table = await cli.run(['customer', 'show', 'ada lovelace']);
      expect(table.stdout).toMatch(/^company +Analytical Engines$/m);

      cli.clock.advance(60_000);
      const moved = await cli.json(['customer', 'edit', 'ada lovelace', '--company', 'acme']);
      expect(moved).toMatchObject({ company_id: acme.id, updated_at: '2026-11-25T10:01:00.000Z' });
      const again = await cli.run(['customer', 'edit', 'ada lovelace', '--company', acme.id]);
      expect(again.stderr).toBe('"Ada Lovelace" already had those values; nothing changed\n');
      const unlinked = await cli.json(['customer', 'edit', 'ada lovelace', '--no-company']);
      expect(unlinked.company_id).toBeNull();
      expect((await cli.run(['customer', 'show', 'ada lovelace'])).stdout).not.toMatch(/^company/m);
    });

    it('refuses --company with --no-company as a usage error', async () => {
      await addCompany('Acme');
      await addCustomer('Ada');
      await expectRefused(cli, ['customer', 'edit', 'ada', '--company', 'acme', '--no-company'], {
        code: 2,
        stderr: "error: option '--company <ref>' cannot be used with option '--no-company'\n",
      });
    });
  });

  describe('company show', () => {
    it('lists its people with stages and values, the open value per currency and the latest interaction', async () => {
      await addCompany('Analytical Engines');
      await addCustomer('Ada Lovelace', '--company', 'Analytical Engines', '--status', 'proposal', '--value', '12 000 EUR');
      await addCustomer('Charles Babbage', '--company', 'Analytical Engines', '--value', '500.50 USD');
      await addCustomer('Lord Byron', '--company', 'Analytical Engines', '--status', 'closed_won', '--value', '3000 EUR');
      const gone = await addCustomer('Mary Somerville', '--company', 'Analytical Engines', '--value', '100 EUR');
      await cli.run(['customer', 'archive', gone.id]);
      await addCustomer('Elsewhere', '--value', '1 EUR');
      await cli.run(['interaction', 'log', 'ada lovelace', '--channel', 'phone', '--type', 'Intro call', '--note', 'Wants a quote']);
      cli.clock.advance(3_600_000);
      await cli.run(['interaction', 'log', 'charles babbage', '--channel', 'email', '--type', 'Follow-up', '--note', 'Sent the deck\nand prices']);

      const details = await cli.json(['company', 'show', 'analytical engines']);
      expect(details.customers.map((p: { name: string; status: string; is_archived: boolean }) => [p.name, p.status, p.is_archived])).toEqual([
        ['Ada Lovelace', 'proposal', false],
        ['Charles Babbage', 'lead', false],
        ['Lord Byron', 'closed_won', false],
        ['Mary Somerville', 'lead', true],
      ]);
      expect(details.customers[0]).toMatchObject({ deal_value_minor: 1_200_000, deal_currency: 'EUR', last_interaction_at: '2026-11-25T10:00:00.000Z' });
      expect(details.customers[2].last_interaction_at).toBeNull();
      // Won and archived deals are not open; currencies are never added together.
      expect(details.open_value).toEqual([
        { currency: 'EUR', value_minor: 1_200_000, customers: 1 },
        { currency: 'USD', value_minor: 50_050, customers: 1 },
      ]);
      expect(details.latest_interaction).toMatchObject({ customer_name: 'Charles Babbage', type: 'Follow-up', channel: 'email' });

      const table = await cli.run(['company', 'show', 'analytical engines']);
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(/^customers +4 \(1 archived\)$/m);
      expect(table.stdout).toMatch(/^open value +12,000\.00 EUR, 500\.50 USD$/m);
      expect(table.stdout).toMatch(/^latest +2026-11-25 11:00 Charles Babbage, email: Follow-up — Sent the deck…$/m);
      expect(table.stdout).toContain('people (4)');
    });

    it('shows a company nobody works at', async () => {
      await addCompany('Empty Ltd');
      const details = await cli.json(['company', 'show', 'empty ltd']);
      expect(details).toMatchObject({ customers: [], open_value: [], latest_interaction: null });
      expect((await cli.run(['company', 'show', 'empty ltd'])).stdout).toContain('no customers at this company yet');
    });
  });

  describe('company edit', () => {
    it('renames; its customers follow; a clash or nothing to change is refused', async () => {
      const acme = await addCompany('Acme');
      await addCompany('Globex');
      await addCustomer('Ada', '--company', 'acme');
      cli.clock.advance(1_000);
      const renamed = await cli.json(['company', 'edit', 'acme', '--name', 'Acme Corporation']);
      expect(renamed).toMatchObject({ id: acme.id, name: 'Acme Corporation', updated_at: '2026-11-25T10:00:01.000Z' });
      expect((await cli.json(['customer', 'show', 'ada'])).company_name).toBe('Acme Corporation');
      await expectRefused(cli, ['company', 'edit', 'acme corporation', '--name', 'GLOBEX'], {
        code: 1,
        stderr: expect.stringMatching(/^error: a company named "Globex" already exists/) as unknown as string,
      });
      await expectRefused(cli, ['company', 'edit', 'globex'], { code: 2, stderr: 'error: nothing to change: give --name\n' });
      const same = await cli.run(['company', 'edit', 'globex', '--name', 'Globex']);
      expect(same).toMatchObject({ code: 0, stderr: '"Globex" already has that name; nothing changed\n' });
    });
  });

  describe('company delete', () => {
    it('needs --yes off a terminal, then leaves its customers without a company, stamped with the app clock, audited', async () => {
      await addCompany('Acme');
      const ada = await addCustomer('Ada', '--company', 'acme');
      await expectRefused(cli, ['company', 'delete', 'acme'], {
        code: 2,
        stderr: 'error: deleting company "Acme" needs confirmation: pass --yes (no terminal to ask on)\n',
      });
      cli.clock.advance(5_000);
      const deleted = await cli.run(['company', 'delete', 'acme', '--yes']);
      expect(deleted).toMatchObject({ code: 0, stderr: '✓ deleted company "Acme"; 1 customer now has no company\n' });
      const after = await cli.json(['customer', 'show', ada.id]);
      expect(after).toMatchObject({ company_id: null, company_name: null, updated_at: '2026-11-25T10:00:05.000Z' });
      expect(await cli.json(['company', 'list'])).toEqual([]);
      // The customer's history shows the company going; the log has the company's own entries.
      const history = await cli.json(['history', ada.id]);
      const last = history.at(-1);
      expect(last).toMatchObject({ table_name: 'customers', action: 'update', old_values: { company_id: expect.any(String) }, new_values: { company_id: null } });
      const entries = await cli.sql<{ table_name: string; action: string }>(
        `SELECT table_name, action FROM ${backend === 'postgres' ? 'crm.' : ''}audit_log WHERE table_name = 'companies' ORDER BY id`,
      );
      expect(entries.map((entry) => entry.action)).toEqual(['insert', 'delete']);
    });

    it('asks on a terminal, and cancelling changes nothing', async () => {
      await addCompany('Acme');
      await addCustomer('Ada', '--company', 'acme');
      const before = await cli.snapshot();
      const result = await cli.run(['company', 'delete', 'acme'], { tty: true, answers: [false], env: { NO_COLOR: '1' } });
      expect(result.prompter.asked).toEqual(['Delete company "Acme"? Its 1 customer will have no company']);
      expect(result).toMatchObject({ code: 1, stderr: 'error: cancelled; nothing was changed\n' });
      expect(await cli.snapshot()).toEqual(before);
    });
  });
});

describe('company and config --help', () => {
  it('lists the verbs, each with examples', async () => {
    const { TestCli } = await import('./helpers.js');
    const cli = new TestCli();
    try {
      for (const argv of [['company'], ['company', 'add'], ['company', 'show'], ['config'], ['config', 'set']]) {
        const help = await cli.run([...argv, '--help']);
        expect(help.code).toBe(0);
        expect(help.stdout).toContain('Examples:\n  $ crm ');
      }
      expect((await cli.run(['company', '--help'])).stdout).toMatch(/add .*\n.*list[\s\S]*show[\s\S]*edit[\s\S]*delete/);
    } finally {
      cli.close();
    }
  });
});
