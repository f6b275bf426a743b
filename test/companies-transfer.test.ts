import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/connection.js';
import { asStored, countOf, describeBackends, insertionOrder, type BackendCli } from './backends.js';
import { failedChecks } from './db-checks.js';
import { tempDir } from './helpers.js';

/** Companies and deal values through import, export and `archive --to` (a SQLite file, from either backend). */
const FIXTURES = path.join(import.meta.dirname, 'fixtures');

describeBackends('companies in transfers', (backend, fresh) => {
  let cli: BackendCli;
  let dir: string;
  beforeEach(async () => {
    cli = await fresh();
    dir = tempDir('crm-companies-');
  });
  afterEach(async () => {
    await cli.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  /** Orders rows as they were written (an import keeps its file's order). */
  const ROW_ORDER = insertionOrder(backend);

  const write = (name: string, content: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };

  const linked = () =>
    cli.sql<{ name: string; company: string | null }>(
      `SELECT c.name, co.name AS company FROM customers AS c LEFT JOIN companies AS co ON co.id = c.company_id ORDER BY c.${ROW_ORDER}`,
    );

  const companyNames = async () => (await cli.sql<{ name: string }>(`SELECT name FROM companies ORDER BY ${ROW_ORDER}`)).map((row) => row.name);

  describe("another tool's Company / Organization column", () => {
    it.each([
      ['hubspot-contacts.csv', ['Analytical Engines'], 2],
      ['google-contacts.csv', ['US Navy', 'Bletchley Park Trust'], 2],
      ['linkedin-connections.csv', ['NASA'], 2],
      ['pipedrive-people.csv', ['Frequency Hopping Ltd', 'Spanning Tree Inc'], 2],
    ])('links the customers of %s to companies, each created once', async (fixture, companies, linkedCount) => {
      const first = await cli.run(['import', 'customers', path.join(FIXTURES, fixture)]);
      expect(first.code).toBe(0);
      expect(await companyNames()).toEqual(companies);
      expect((await linked()).filter((row) => row.company !== null)).toHaveLength(linkedCount);
      expect(first.stderr).toContain(`${companies.length} new compan${companies.length === 1 ? 'y' : 'ies'}`);
      const again = await cli.run(['import', 'customers', path.join(FIXTURES, fixture), '--on-duplicate', 'update']);
      expect(again.code).toBe(0);
      expect(again.stderr).not.toContain('new compan');
      expect(await companyNames()).toEqual(companies);
    });

    it('matches names folded (case, accents written either way) to one company, existing ones included', async () => {
      await cli.run(['company', 'add', 'Ångström AB']);
      const file = write(
        'people.csv',
        'Name,Email,Company\n' +
          'Anders,anders@example.se,ångström ab\n' +
          'Britt,britt@example.se,A\u030angstro\u0308m AB\n' +
          'Cecil,cecil@example.com,  Acme  \n' +
          'Dora,dora@example.com,ACME\n' +
          'Eve,eve@example.com,\n',
      );
      const result = await cli.run(['import', 'customers', file]);
      expect(result.code).toBe(0);
      expect(await companyNames()).toEqual(['Ångström AB', 'Acme']);
      expect((await linked())).toEqual([
        { name: 'Anders', company: 'Ångström AB' },
        { name: 'Britt', company: 'Ångström AB' },
        { name: 'Cecil', company: 'Acme' },
        { name: 'Dora', company: 'Acme' },
        { name: 'Eve', company: null },
      ]);
      // An import's companies are audited like any other.
      expect(await countOf(cli, `SELECT count(*) AS n FROM audit_log WHERE table_name = 'companies' AND action = 'insert'`)).toBe(2);
    });

    it('writes no company on a dry run, and rejects a company name with a line break', async () => {
      const file = write('dry.csv', 'Name,Company\nAda,New Co\n');
      expect((await cli.run(['import', 'customers', file, '--dry-run'])).code).toBe(0);
      expect(await companyNames()).toEqual([]);
      const bad = write('bad.csv', 'Name,Company\n"Ada","Two\nLines"\n');
      const result = await cli.run(['import', 'customers', bad]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('company: company name cannot contain tabs, line breaks or other control characters');
    });
  });

  describe('export and import', () => {
    it('round-trips companies, deal values, closing times and settings; an export from before them still restores as crm\'s own', async () => {
      await cli.run(['company', 'add', 'Acme']);
      await cli.run(['customer', 'add', 'Spaced  Name', '--company', 'acme', '--value', '12 000.50 EUR', '--status', 'closed_won']);
      // Spaces crm would trim, as plain SQL (the sqlite3 shell, psql) may leave them: only crm's own files keep them.
      await cli.sql(`UPDATE customers SET name = ' Spaced  Name '`);
      await cli.run(['config', 'set', 'stage.lead.probability', '0.2']);
      const folder = path.join(dir, 'export');
      expect((await cli.run(['export', '--dir', folder])).code).toBe(0);
      const customersCsv = fs.readFileSync(path.join(folder, 'customers.csv'), 'utf8');
      expect(customersCsv).toMatch(/,[0-9a-f-]{36},1200050,EUR,2026-11-25T10:00:00\.000Z,\n$/);
      expect(fs.readFileSync(path.join(folder, 'settings.csv'), 'utf8')).toBe(
        'key,value,updated_at\nstage.lead.probability,0.2,2026-11-25T10:00:00.000Z\n',
      );

      // The same customers file with the 11 columns of earlier versions: still restored byte for
      // byte (the name keeps its spaces), and the columns it lacks are left as they are.
      const [header, ...rows] = customersCsv.trimEnd().split('\n');
      const legacy = path.join(dir, 'legacy');
      fs.mkdirSync(legacy);
      const cut = (line: string) => line.split(',').slice(0, 11).join(',');
      fs.writeFileSync(path.join(legacy, 'customers.csv'), `${cut(header!)}\n${rows.map(cut).join('\n')}\n`);
      for (const table of ['products', 'customer_interactions']) {
        fs.copyFileSync(path.join(folder, `${table}.csv`), path.join(legacy, `${table}.csv`));
      }
      // The rows move to another CRM: their ids are unique across a server's teams, as UUIDs are.
      await cli.sql('DELETE FROM customers');
      await cli.sql('DELETE FROM companies');
      const restored = await fresh();
      try {
        expect((await restored.run(['import', '--dir', legacy])).code).toBe(0);
        expect(asStored(await restored.sql('SELECT name, company_id, deal_value_minor, closed_at FROM customers'))).toEqual([{
          name: ' Spaced  Name ',
          company_id: null,
          deal_value_minor: null,
          closed_at: null,
        }]);
        const full = await restored.run(['import', '--dir', folder]);
        expect(full.code).toBe(0);
        const again = path.join(dir, 'again');
        expect((await restored.run(['export', '--dir', again])).code).toBe(0);
        for (const file of fs.readdirSync(folder)) {
          const restoredText = fs.readFileSync(path.join(again, file), 'utf8');
          const exportedText = fs.readFileSync(path.join(folder, file), 'utf8');
          expect(restoredText, file).toBe(exportedText);
        }
      } finally {
        await restored.close();
      }
    });

    it('refuses a deal value without its currency, a bad currency, and a company that does not exist, naming the line', async () => {
      const header = 'id,name,email,phone,product_id,status,acquisition_source,owner,is_archived,created_at,updated_at,company_id,deal_value_minor,deal_currency,closed_at';
      const file = write(
        'customers.csv',
        `${header}\n` +
          'c1,Ada,,,,lead,,,0,2026-01-01T00:00:00.000Z,2026-01-01T00:00:00.000Z,,100,,\n' +
          'c2,Bob,,,,lead,,,0,2026-01-01T00:00:00.000Z,2026-01-01T00:00:00.000Z,,1.5,EUR,\n' +
          'c3,Cy,,,,lead,,,0,2026-01-01T00:00:00.000Z,2026-01-01T00:00:00.000Z,co-404,,,\n',
      );
      const result = await cli.run(['import', 'customers', file]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('line 2, deal_currency: a deal value needs both deal_value_minor and deal_currency (or neither)');
      expect(result.stderr).toContain('line 3, deal_value_minor: invalid value "1.5"');
      expect(result.stderr).toContain('line 4, company_id: no company with id "co-404"');
      expect(await countOf(cli, 'SELECT count(*) AS n FROM customers')).toBe(0);
    });
  });

  describe('archive --to', () => {
    it('carries the companies of the customers it moves, and they stay in the main file', async () => {
      await cli.run(['company', 'add', 'Acme']);
      await cli.run(['company', 'add', 'Globex']);
      const ada = await cli.json(['customer', 'add', 'Ada', '--company', 'acme', '--value', '500 EUR']);
      await cli.json(['customer', 'add', 'Bob', '--company', 'globex']);
      await cli.run(['customer', 'archive', ada.id]);
      const archiveFile = path.join(dir, 'archive.db');
      const moved = await cli.run(['archive', '--to', archiveFile]);
      expect(moved.code).toBe(0);
      const archive = openDatabase(archiveFile);
      try {
        expect(archive.sqlite.prepare('SELECT c.name, co.name AS company, c.deal_value_minor FROM customers AS c JOIN companies AS co ON co.id = c.company_id').all()).toEqual([
          { name: 'Ada', company: 'Acme', deal_value_minor: 50_000 },
        ]);
        expect(archive.sqlite.prepare('SELECT name FROM companies').all()).toEqual([{ name: 'Acme' }]);
      } finally {
        archive.close();
      }
      expect(await companyNames()).toEqual(['Acme', 'Globex']);
      expect(await countOf(cli, 'SELECT count(*) AS n FROM customers')).toBe(1);
      expect(await failedChecks(cli)).toEqual([]);
    });
  });
});
