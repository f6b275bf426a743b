import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StagingTable, TableWriter, TransferRepository } from '../src/repositories/sqlite/transfer.js';
import { TransferService } from '../src/services/transfer.js';
import { asStored, countOf, describeBackends, insertionOrder, sqliteDatabaseOf, type BackendCli } from './backends.js';
import { failedChecks } from './db-checks.js';
import { TestCli, tempDir } from './helpers.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const TABLE_FILES = ['products.csv', 'companies.csv', 'customers.csv', 'customer_interactions.csv', 'customer_external_ids.csv', 'customer_tags.csv', 'settings.csv'];

/** The user data of each table, by a key that orders it the same on every copy. */
const DATA: Record<string, { columns: string; order: string }> = {
  products: { columns: 'id, name, description, is_active, created_at, updated_at', order: 'id' },
  companies: { columns: 'id, name, created_at, updated_at', order: 'id' },
  customers: {
    columns:
      'id, name, email, phone, product_id, status, acquisition_source, owner, is_archived, created_at, updated_at, company_id, deal_value_minor, deal_currency, closed_at, note',
    order: 'id',
  },
  customer_interactions: { columns: 'id, customer_id, type, channel, note, follow_up_date, created_at', order: 'id' },
  customer_external_ids: { columns: 'source, external_id, customer_id, created_at', order: 'source, external_id' },
  customer_tags: { columns: 'customer_id, tag, created_at', order: 'customer_id, tag' },
  settings: { columns: 'key, value, updated_at', order: 'key' },
};

let tests = 0;

describeBackends('transfer', (backend, fresh) => {
  let cli: BackendCli;
  let dir: string;
  /**
   * The ids of a test's rows, made its own: ids are unique across a server's teams (as UUIDs
   * are), and every test of a file gets a new team on the same database.
   */
  let idPrefix = '';
  beforeEach(async () => {
    cli = await fresh();
    dir = tempDir('crm-transfer-');
    idPrefix = `${backend[0]}${++tests}x`;
  });
  afterEach(async () => {
    await cli.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const ids = (text: string) => text.replace(/\b(co|c|p|i|x)-(\d+|cr)\b/g, `${idPrefix}$1-$2`);
  /** Orders rows as they were written (an import keeps its file's order). */
  const ROW_ORDER = insertionOrder(backend);

  function write(name: string, content: string | Buffer): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  }

  const read = (file: string) => fs.readFileSync(file, 'utf8');

  /** Rows a user could only create with plain SQL (the sqlite3 shell, psql): every awkward value the CSV must carry. */
  async function seedTrickyData(target: BackendCli): Promise<void> {
    const insert = (table: string, columns: string, ...rows: unknown[][]) =>
      Promise.all(
        rows.map((row) =>
          target.sql(
            `INSERT INTO ${table} (${columns}) VALUES (${row.map((_, index) => `$${index + 1}`).join(', ')})`,
            row.map((value) => (typeof value === 'string' ? ids(value) : value)),
          ),
        ),
      );
    // One at a time, in order: the order they are written is the order they are exported.
    const inOrder = async (table: string, columns: string, rows: unknown[][]) => {
      for (const row of rows) await insert(table, columns, row);
    };
    await inOrder('products', DATA.products!.columns, [
      ['p-1', 'Audit, "deep"', 'line one\nline two\r\nline three', 1, '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z'],
      ['p-2', 'Ünïcödé 🚀', '', 0, '2026-01-03T00:00:00.000Z', '2026-01-03T00:00:00.000Z'],
      ['p-3', '=SUM(A1:A2)', null, 1, '2026-01-04T00:00:00.000Z', '2026-01-03T22:00:00.000Z'],
    ]);
    await inOrder('companies', DATA.companies!.columns, [
      ['co-1', 'Analytical, "Engines"', '2026-01-05T00:00:00.000Z', '2026-01-06T00:00:00.000Z'],
      ['co-2', 'Ünïcödé Ltd', '2026-01-07T00:00:00.000Z', '2026-01-07T00:00:00.000Z'],
    ]);
    await inOrder('customers', DATA.customers!.columns, [
      ['c-1', ' Ada  Lovelace ', 'ada@example.com', '', 'p-1', 'qualified', null, 'ada', 0, '2026-02-01T10:00:00.000Z', '2026-02-01T10:00:00.000Z', 'co-1', 1200050, 'EUR', null, 'Likes "engines",\nand poetry'],
      ['c-2', 'Bob "The Builder"', null, '+44 20 7946 0000', null, 'closed_won', '', null, 1, '2026-02-02T10:00:00.000Z', '2026-02-03T10:00:00.000Z', 'co-1', 0, 'JPY', '2026-02-03T09:00:00.000Z', ''],
      ['c-3', '@mention', '', null, 'p-2', 'lead', '-5', '\t tab', 0, '2026-02-04T10:00:00.000Z', '2026-02-04T10:00:00.000Z', null, null, null, null, null],
    ]);
    await insert('settings', DATA.settings!.columns, ['stage.proposal.probability', '0.4', '2026-02-09T10:00:00.000Z']);
    await inOrder('customer_interactions', DATA.customer_interactions!.columns, [
      ['i-1', 'c-1', 'Call', 'phone', 'Said "yes", then\n"no"', '2026-03-01', '2026-02-05T10:00:00.000Z'],
      ['i-2', 'c-1', 'Mail', 'email', '', null, '2026-02-06T10:00:00.000Z'],
      ['i-3', 'c-2', 'Visit', 'meeting', ',', '2026-03-02T09:30:00.000Z', '2026-02-07T10:00:00.000Z'],
    ]);
    await inOrder('customer_external_ids', DATA.customer_external_ids!.columns, [
      ['linkedin', 'https://www.linkedin.com/in/bob-"builder",x', 'c-2', '2026-02-08T10:00:00.000Z'],
      ['hubspot', '101', 'c-1', '2026-02-08T11:00:00.000Z'],
      ['hubspot', '102', 'c-2', '2026-02-08T12:00:00.000Z'],
    ]);
    await inOrder('customer_tags', DATA.customer_tags!.columns, [
      ['c-2', 'key "account"', '2026-02-09T10:00:00.000Z'],
      ['c-1', 'Été', '2026-02-09T11:00:00.000Z'],
      ['c-2', '=cmd', '2026-02-09T12:00:00.000Z'],
    ]);
    // What crm's next write would do first on SQLite: fold the names written outside it
    // (customer_name_folds). PostgreSQL's triggers fold them as they are written.
    sqliteDatabaseOf(target)?.write(() => undefined);
  }

  /** Every table's user data, as stored: what a lossless export and restore must keep. */
  async function dataRows(target: BackendCli): Promise<Record<string, unknown[]>> {
    const tables: Record<string, unknown[]> = {};
    for (const [table, { columns, order }] of Object.entries(DATA)) tables[table] = asStored(await target.sql(`SELECT ${columns} FROM ${table} ORDER BY ${order}`));
    return tables;
  }

  /**
   * Makes a CRM's rows leave it, so that another CRM may restore them: on a server, ids are
   * unique across teams. The deletes cascade to interactions, external ids and tags.
   */
  async function vacate(target: BackendCli): Promise<void> {
    for (const table of ['customers', 'products', 'companies', 'settings']) await target.sql(`DELETE FROM ${table}`);
  }

  function tableFiles(folder: string): Record<string, string> {
    return Object.fromEntries(TABLE_FILES.map((file) => [file, read(path.join(folder, file))]));
  }

  describe('export', () => {
    it('round-trips byte for byte through an empty database, keeping NULL apart from ""', async () => {
      await seedTrickyData(cli);
      const first = path.join(dir, 'first');
      const second = path.join(dir, 'second');
      expect((await cli.run(['export', '--dir', first])).code).toBe(0);
      const original = await dataRows(cli);
      await vacate(cli);
      const restored = await fresh();
      try {
        const imported = await restored.run(['import', '--dir', first]);
        expect(imported.stderr).toContain('imported ' + path.join(first, 'customers.csv') + ': 3 new, 0 updated, 0 unchanged');
        expect(imported.code).toBe(0);
        expect((await restored.run(['export', '--dir', second])).code).toBe(0);
        expect(tableFiles(second)).toEqual(tableFiles(first));
        expect(await dataRows(restored)).toEqual(original);
        // The tables kept for reports (deal values, activity, counts) are right after the restore too.
        expect(await failedChecks(restored)).toEqual([]);
      } finally {
        await restored.close();
      }
    });

    it('quotes a value holding a lone CR, so the round trip keeps it in one row', async () => {
      await cli.sql('INSERT INTO products (id, name, description, is_active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        ids('p-cr'), 'Old Mac', 'a\rb\r', 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z',
      ]);
      const first = path.join(dir, 'first');
      expect((await cli.run(['export', '--dir', first])).code).toBe(0);
      expect(read(path.join(first, 'products.csv'))).toBe(
        'id,name,description,is_active,created_at,updated_at\n' + ids('p-cr,Old Mac,"a\rb\r",1,2026-01-01T00:00:00.000Z,2026-01-01T00:00:00.000Z\n'),
      );
      await vacate(cli);
      const restored = await fresh();
      try {
        expect((await restored.run(['import', 'products', path.join(first, 'products.csv')])).code).toBe(0);
        expect(await restored.sql('SELECT name, description FROM products WHERE id = $1', [ids('p-cr')])).toEqual([{ name: 'Old Mac', description: 'a\rb\r' }]);
      } finally {
        await restored.close();
      }
    });

    // A BLOB is SQLite's own (the audit triggers refuse one; a file from before them may have one).
    if (backend === 'sqlite') it('exports a BLOB as csv-stringify does', async () => {
      const db = sqliteDatabaseOf(cli)!;
      db.sqlite.exec('DROP TRIGGER products_audit_insert');
      db.sqlite.prepare('INSERT INTO products VALUES (?, ?, ?, ?, ?, ?)').run('p-blob', 'Blob', Buffer.from('hi'), 0, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
      const result = await cli.run(['export', 'products']);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(
        'id,name,description,is_active,created_at,updated_at\n' +
          'p-blob,Blob,"{""type"":""Buffer"",""data"":[104,105]}",0,2026-01-01T00:00:00.000Z,2026-01-01T00:00:00.000Z\n',
      );
    });

    it('writes the column names as header, NULL as an empty field and "" quoted', async () => {
      await seedTrickyData(cli);
      const { stdout, code, stderr } = await cli.run(['export', 'customers']);
      expect(code).toBe(0);
      expect(stderr).toBe('');
      const lines = stdout.split('\n');
      expect(lines[0]).toBe(
        'id,name,email,phone,product_id,status,acquisition_source,owner,is_archived,created_at,updated_at,company_id,deal_value_minor,deal_currency,closed_at,note',
      );
      expect(lines[1]).toBe(ids('c-1, Ada  Lovelace ,ada@example.com,"",p-1,qualified,,ada,0,2026-02-01T10:00:00.000Z,2026-02-01T10:00:00.000Z,co-1,1200050,EUR,,"Likes ""engines"",'));
      expect(lines[2]).toBe('and poetry"');
      expect(lines[3]).toBe(
        ids('c-2,"Bob ""The Builder""",,+44 20 7946 0000,,closed_won,"",,1,2026-02-02T10:00:00.000Z,2026-02-03T10:00:00.000Z,co-1,0,JPY,2026-02-03T09:00:00.000Z,""'),
      );
      expect(stdout.endsWith('\n')).toBe(true);
    });

    it('accepts the short table names and --out, writing the file whole', async () => {
      await seedTrickyData(cli);
      const out = path.join(dir, 'interactions.csv');
      const result = await cli.run(['export', 'interactions', '--out', out]);
      expect(result).toMatchObject({ code: 0, stdout: '' });
      expect(result.stderr).toContain('exported 3 customer_interactions row(s)');
      expect(read(out).split('\n')[0]).toBe('id,customer_id,type,channel,note,follow_up_date,created_at');
      expect(fs.readdirSync(dir)).toEqual(['interactions.csv']);
    });

    it('neutralises formula-like cells only with --spreadsheet-safe', async () => {
      await seedTrickyData(cli);
      const lossless = (await cli.run(['export', 'products'])).stdout;
      expect(lossless).toContain(ids('\np-3,=SUM(A1:A2),'));
      const safe = (await cli.run(['export', 'customers', '--spreadsheet-safe'])).stdout;
      expect(safe.startsWith('\uFEFFid,name,')).toBe(true);
      expect(safe).toContain(ids("\nc-3,'@mention,\"\",,p-2,lead,'-5,'\t tab,0,"));
      expect(safe).toContain('+44 20 7946 0000'.replace('+', "'+"));
    });

    it('refuses contradictory or unknown arguments with exit 2', async () => {
      expect(await cli.run(['export', 'customers', '--dir', dir])).toMatchObject({ code: 2, stderr: 'error: give either a table or --dir, not both\n' });
      expect((await cli.run(['export', '--out', 'x.csv'])).code).toBe(2);
      expect(await cli.run(['export', 'deals'])).toMatchObject({
        code: 2,
        stderr: 'error: unknown table "deals": use one of products, customers, customer_interactions, customer_external_ids, customer_tags, companies, settings\n',
      });
    });
  });

  describe('external ids in export and import', () => {
    const HEADER = 'source,external_id,customer_id,created_at\n';
    const externalIds = async (target: BackendCli) =>
      asStored(await target.sql(`SELECT source, external_id, customer_id, created_at FROM customer_external_ids ORDER BY ${ROW_ORDER}`));

    it('export --dir writes customer_external_ids.csv, and a restore keeps a HubSpot re-import from duplicating', async () => {
      const hubspot = path.join(FIXTURES, 'hubspot-contacts.csv');
      expect((await cli.run(['import', 'customers', hubspot])).code).toBe(0);
      const backup = path.join(dir, 'backup');
      expect((await cli.run(['export', '--dir', backup])).code).toBe(0);
      expect(read(path.join(backup, 'customer_external_ids.csv')).startsWith(HEADER)).toBe(true);
      const original = await externalIds(cli);
      await vacate(cli);
      const restored = await fresh();
      try {
        expect((await restored.run(['import', '--dir', backup])).code).toBe(0);
        expect(await externalIds(restored)).toEqual(original);
        const customers = await countOf(restored, 'SELECT count(*) AS n FROM customers');
        const again = await restored.run(['import', 'customers', hubspot]);
        expect(again.code).toBe(0);
        expect(await countOf(restored, 'SELECT count(*) AS n FROM customers')).toBe(customers);
      } finally {
        await restored.close();
      }
    });

    it('export and import customer_external_ids work per table; re-running changes nothing, a moved id follows the file', async () => {
      await seedTrickyData(cli);
      const exported = await cli.run(['export', 'customer_external_ids']);
      expect(exported.code).toBe(0);
      expect(exported.stdout).toBe(
        HEADER +
          ids('linkedin,"https://www.linkedin.com/in/bob-""builder"",x",c-2,2026-02-08T10:00:00.000Z\n') +
          ids('hubspot,101,c-1,2026-02-08T11:00:00.000Z\nhubspot,102,c-2,2026-02-08T12:00:00.000Z\n'),
      );
      const file = write('ids.csv', exported.stdout);
      await cli.sql('DELETE FROM customer_external_ids');
      const first = await cli.run(['import', 'customer_external_ids', file]);
      expect(first).toMatchObject({ code: 0 });
      expect(first.stderr).toContain(': 3 new, 0 updated, 0 unchanged');
      const before = await cli.snapshot();
      const again = await cli.run(['import', 'external_ids', file]);
      expect(again.stderr).toContain(': 0 new, 0 updated, 3 unchanged');
      expect(await cli.snapshot()).toEqual(before);
      const moved = write('moved.csv', HEADER + ids('hubspot,101,c-3,2026-02-08T11:00:00.000Z\n'));
      expect((await cli.run(['import', 'customer_external_ids', moved])).stderr).toContain(': 0 new, 1 updated, 0 unchanged');
      expect(await cli.sql("SELECT customer_id FROM customer_external_ids WHERE external_id = '101'")).toEqual([{ customer_id: ids('c-3') }]);
    });

    it('refuses an external id naming no customer, or without a source, and imports nothing', async () => {
      await seedTrickyData(cli);
      const file = write('ids.csv', HEADER + ids('hubspot,201,c-1,\nhubspot,202,nobody,\n,203,c-1,\n'));
      const before = await cli.snapshot();
      const result = await cli.run(['import', 'customer_external_ids', file]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('line 3, customer_id: no customer with id "nobody"');
      expect(result.stderr).toContain('line 4, source: source is required');
      expect(await cli.snapshot()).toEqual(before);
    });

    it('import --dir restores an older export folder that has only the three data files', async () => {
      await seedTrickyData(cli);
      expect((await cli.run(['export', '--dir', dir])).code).toBe(0);
      fs.rmSync(path.join(dir, 'customer_external_ids.csv'));
      fs.rmSync(path.join(dir, 'customer_tags.csv'));
      await vacate(cli);
      const restored = await fresh();
      try {
        const result = await restored.run(['import', '--dir', dir]);
        expect(result.code).toBe(0);
        expect(result.stderr).not.toContain('customer_external_ids');
        expect(await countOf(restored, 'SELECT count(*) AS n FROM customers')).toBe(3);
        expect(await externalIds(restored)).toEqual([]);
      } finally {
        await restored.close();
      }
    });
  });

  describe('import of crm files', () => {
    it('tolerates a BOM, CRLF, quoted newlines, blank lines and a missing final newline, counting lines right', async () => {
      const file = write(
        'products.csv',
        ids(
          '\uFEFFid,name,description,is_active,created_at,updated_at\r\n' +
            'p-1,One,"two\r\nlines",1,2026-01-01T00:00:00.000Z,2026-01-01T00:00:00.000Z\r\n' +
            '\r\n' +
            'p-2,Two,,0,2026-01-01T00:00:00.000Z,2026-01-01T00:00:00.000Z\r\n' +
            '\n' +
            'p-3,,,0,2026-01-01T00:00:00.000Z,2026-01-01T00:00:00.000Z',
        ),
      );
      const before = await cli.snapshot();
      const bad = await cli.run(['import', 'products', file]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toBe(
        `error: ${file}: 1 invalid row; nothing was imported (--skip-invalid imports the valid rows):\n  line 7, name: name is required\n`,
      );
      expect(await cli.snapshot()).toEqual(before);
      write('products.csv', read(file).replace(ids('p-3,,'), ids('p-3,Three,')) + '\n\n');
      expect((await cli.run(['import', 'products', file])).code).toBe(0);
      const products = await cli.json(['product', 'list']);
      expect(products.map((p: { name: string; description: string | null }) => [p.name, p.description])).toEqual([
        ['One', 'two\r\nlines'],
        ['Three', null],
        ['Two', null],
      ]);
    });

    it('is idempotent: a second run changes nothing and touches no row', async () => {
      await seedTrickyData(cli);
      await cli.run(['export', '--dir', dir]);
      const before = await cli.snapshot();
      const again = await cli.run(['import', '--dir', dir]);
      expect(again.code).toBe(0);
      expect(again.stderr).toContain(`imported ${path.join(dir, 'customers.csv')}: 0 new, 0 updated, 3 unchanged`);
      expect(await cli.snapshot()).toEqual(before);
    });

    it('upserts by id, taking updated_at from the file, and leaves columns the file lacks', async () => {
      await seedTrickyData(cli);
      const file = write('rename.csv', ids('id,name,updated_at\nc-1,Ada King,2026-05-05T05:05:05.000Z\nc-2,Bob The Builder,\n'));
      cli.clock.set('2026-06-01T00:00:00.000Z');
      const result = await cli.run(['import', 'customers', file]);
      expect(result.stderr).toContain(': 0 new, 2 updated, 0 unchanged');
      const rows = asStored(await cli.sql('SELECT id, name, email, updated_at FROM customers WHERE id IN ($1, $2) ORDER BY id', [ids('c-1'), ids('c-2')]));
      expect(rows).toEqual([
        { id: ids('c-1'), name: 'Ada King', email: 'ada@example.com', updated_at: '2026-05-05T05:05:05.000Z' },
        { id: ids('c-2'), name: 'Bob The Builder', email: null, updated_at: '2026-06-01T00:00:00.000Z' },
      ]);
    });

    it("keeps the file's updated_at when a restore changes a row that has that updated_at already", async () => {
      const header = 'id,name,email,updated_at\n';
      expect((await cli.run(['import', 'customers', write('first.csv', header + ids('c-1,Ada,,2026-05-05T05:05:05.000Z\n'))])).code).toBe(0);
      cli.clock.set('2026-06-01T00:00:00.000Z');
      const second = await cli.run(['import', 'customers', write('second.csv', header + ids('c-1,Ada,ada@example.com,2026-05-05T05:05:05.000Z\n'))]);
      expect(second.stderr).toContain(': 0 new, 1 updated, 0 unchanged');
      const [row] = asStored(await cli.sql<{ email: string; updated_at: string }>('SELECT email, updated_at FROM customers'));
      expect(row!.email).toBe('ada@example.com');
      // On a server too: crm's write runs in a change set, where the touch trigger leaves it (drizzle/pg/0012_touch_only_outside_crm.sql).
      expect(row!.updated_at).toBe('2026-05-05T05:05:05.000Z');
    });

    it('stores every ISO form of a timestamp in the canonical UTC form, and a follow-up day as that day', async () => {
      await cli.json(['customer', 'add', 'Ada']);
      const [ada] = await cli.sql<{ id: string }>(`SELECT id FROM customers`);
      const file = write(
        'interactions.csv',
        'id,customer_id,type,channel,note,follow_up_date,created_at\n' +
          ids(`i-1,${ada!.id},Call,phone,n,2026-12-01T09:00+05:00,2026-11-01T10:00:00+02:00\n`) +
          ids(`i-2,${ada!.id},Call,phone,n,2026-12-20,2026-11-02T10:00Z\n`) +
          ids(`i-3,${ada!.id},Call,phone,n,2026-12-21T08:30:15.5Z,2026-11-03T10:00:00\n`),
      );
      expect((await cli.run(['import', 'interactions', file])).code).toBe(0);
      expect(asStored(await cli.sql(`SELECT id, follow_up_date, created_at FROM customer_interactions ORDER BY id`))).toEqual([
        { id: ids('i-1'), follow_up_date: '2026-12-01T04:00:00.000Z', created_at: '2026-11-01T08:00:00.000Z' },
        { id: ids('i-2'), follow_up_date: '2026-12-20', created_at: '2026-11-02T10:00:00.000Z' },
        { id: ids('i-3'), follow_up_date: '2026-12-21T08:30:15.500Z', created_at: '2026-11-03T10:00:00.000Z' },
      ]);
      const products = write('products.csv', 'name,created_at,updated_at\nAudit,2026-01-04,2026-01-04T00:00:00+02:00\n');
      expect((await cli.run(['import', 'products', products])).code).toBe(0);
      expect(asStored(await cli.sql(`SELECT created_at, updated_at FROM products`))).toEqual([
        {
          created_at: '2026-01-04T00:00:00.000Z',
          updated_at: '2026-01-03T22:00:00.000Z',
        },
      ]);
    });

    it('reports a fourth active product in the file as a bad row and writes nothing', async () => {
      const file = write('products.csv', 'name,is_active\nA,1\nB,true\nC,yes\nD,1\nE,0\n');
      const before = await cli.snapshot();
      const result = await cli.run(['import', 'products', file]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('line 5, is_active: a fourth active product is refused: at most 3 products can be active');
      expect(await cli.snapshot()).toEqual(before);
    });

    it('refuses interactions of unknown customers and changed interactions, naming line and column', async () => {
      await seedTrickyData(cli);
      const file = write(
        'interactions.csv',
        'id,customer_id,type,channel,note,follow_up_date,created_at\n' +
          ids('i-9,c-404,Call,phone,Hello,,2026-01-01T00:00:00.000Z\n') +
          ids('i-1,c-1,Call,phone,Rewritten history,2026-03-01,2026-02-05T10:00:00.000Z\n') +
          ids('i-10,c-1,Call,fax,Hello,,2026-01-01T00:00:00.000Z\n'),
      );
      const before = await cli.snapshot();
      const result = await cli.run(['import', 'interactions', file]);
      expect(result.code).toBe(1);
      expect(result.stderr.split('\n').slice(1, 4)).toEqual([
        ids('  line 2, customer_id: no customer with id "c-404"'),
        ids('  line 3, note: interaction i-1 already exists with another note; interactions cannot be changed'),
        '  line 4, channel: invalid channel "fax": use one of phone, email, meeting, chat, other',
      ]);
      expect(await cli.snapshot()).toEqual(before);
    });

    it('restores --dir in one transaction: a bad interaction leaves products and customers unwritten too', async () => {
      await seedTrickyData(cli);
      const folder = path.join(dir, 'export');
      await cli.run(['export', '--dir', folder]);
      const file = path.join(folder, 'customer_interactions.csv');
      fs.appendFileSync(file, ids('i-4,c-404,Call,phone,Orphan,,2026-02-08T10:00:00.000Z\n'));
      await vacate(cli);
      const target = await fresh();
      try {
        const before = await target.snapshot();
        const result = await target.run(['import', '--dir', folder]);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(`error: ${file}: 1 invalid row; nothing was imported`);
        expect(result.stderr).toContain(ids('line 6, customer_id: no customer with id "c-404"'));
        expect(await target.snapshot()).toEqual(before);

        const rejects = path.join(dir, 'rejects');
        const skipped = await target.json(['import', '--dir', folder, '--rejects', rejects]);
        expect(skipped.files.map((f: { table: string; inserted: number; rejected: number }) => [f.table, f.inserted, f.rejected])).toEqual([
          ['products', 3, 0],
          ['companies', 2, 0],
          ['customers', 3, 0],
          ['customer_interactions', 3, 1],
          ['customer_external_ids', 3, 0],
          ['customer_tags', 3, 0],
          ['settings', 1, 0],
        ]);
        expect(skipped.problems).toEqual([{ label: file, line: 6, column: 'customer_id', reason: ids('no customer with id "c-404"') }]);
        expect(fs.readdirSync(rejects)).toEqual(['customer_interactions.rejects.csv']);
        expect(read(path.join(rejects, 'customer_interactions.rejects.csv'))).toBe(
          'id,customer_id,type,channel,note,follow_up_date,created_at,reason\n' +
            ids('i-4,c-404,Call,phone,Orphan,,2026-02-08T10:00:00.000Z,"line 6, customer_id: no customer with id ""c-404"""\n'),
        );
      } finally {
        await target.close();
      }
    });

    it('reads stdin with -', async () => {
      const result = await cli.run(['import', 'products', '-'], { stdin: 'name,description\nAudit,From stdin\n' });
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('imported stdin: 1 new, 0 updated, 0 unchanged');
      const [product] = await cli.json(['product', 'list']);
      expect(product).toMatchObject({ name: 'Audit', description: 'From stdin', is_active: true, created_at: '2026-11-25T10:00:00.000Z' });
      const again = await cli.run(['import', 'products', '-'], { stdin: 'name\naudit\n' });
      expect(again.stderr).toContain('imported stdin: 0 new, 0 updated, 0 unchanged, 1 duplicate(s) skipped');
    });
  });

  describe('import of files from other tools', () => {
    const customers = () => cli.sql<Record<string, string | null>>(`SELECT name, email, phone, status, owner, acquisition_source FROM customers ORDER BY ${ROW_ORDER}`);

    it('maps a HubSpot export (BOM, CRLF, lead statuses, owner) and keeps a phone-only row', async () => {
      const result = await cli.run(['import', 'customers', path.join(FIXTURES, 'hubspot-contacts.csv'), '--source', 'hubspot']);
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('ignored column(s) Create Date');
      expect(await customers()).toEqual([
        { name: 'Ada Lovelace', email: 'ada@analytical.example', phone: '+44 20 7946 0001', status: 'lead', owner: 'Grace Hopper', acquisition_source: 'hubspot' },
        { name: 'Charles Babbage', email: 'CBABBAGE@Engines.example', phone: null, status: 'qualified', owner: 'Grace Hopper', acquisition_source: 'hubspot' },
        { name: '+1 415 555 0100', email: null, phone: '+1 415 555 0100', status: 'proposal', owner: null, acquisition_source: 'hubspot' },
        { name: 'Mary Somerville', email: 'mary@somerville.example', phone: null, status: 'closed_lost', owner: 'Alan Turing', acquisition_source: 'hubspot' },
      ]);
    });

    it('maps Google Contacts: first, middle and last name joined, E-mail 1 and Phone 1, company as a last resort', async () => {
      const result = await cli.run(['import', 'customers', path.join(FIXTURES, 'google-contacts.csv')]);
      expect(result.code).toBe(0);
      expect((await customers()).map(({ name, email, phone }) => ({ name, email, phone }))).toEqual([
        { name: 'Grace Brewster Hopper', email: 'grace@navy.example', phone: '+1 202 555 0142' },
        { name: 'Alan Turing', email: null, phone: '+44 161 555 0199' },
        { name: 'Bletchley Park Trust', email: 'info@bletchley.example', phone: null },
      ]);
    });

    it("skips LinkedIn's Notes: preamble and keeps connections without an e-mail", async () => {
      const result = await cli.run(['import', 'customers', path.join(FIXTURES, 'linkedin-connections.csv'), '--status', 'qualified']);
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('ignored column(s) Position, Connected On');
      expect((await customers()).map(({ name, email, status }) => ({ name, email, status }))).toEqual([
        { name: 'Katherine Johnson', email: 'katherine@nasa.example', status: 'qualified' },
        { name: 'Dorothy Vaughan', email: null, status: 'qualified' },
      ]);
    });

    it('maps Pipedrive person columns, falling back from the work e-mail to the home one', async () => {
      const result = await cli.run(['import', 'customers', path.join(FIXTURES, 'pipedrive-people.csv')]);
      expect(result.code).toBe(0);
      expect((await customers()).map(({ name, email, phone, owner }) => ({ name, email, phone, owner }))).toEqual([
        { name: 'Hedy Lamarr', email: 'hedy@lamarr.example', phone: '+1 310 555 0123', owner: 'Ada Admin' },
        { name: 'Radia Perlman', email: 'radia@stp.example', phone: '+1 617 555 0188', owner: 'Ada Admin' },
      ]);
    });

    it('takes --map over the aliases, and refuses a mapping to an unknown column or from a missing header', async () => {
      const file = write('leads.csv', 'Contact,Mail,Cell,Notes\nJoan Clarke,joan@example.com,+44 1234,met at a talk\n');
      const result = await cli.run(['import', 'customers', file, '--map', 'Contact=name', '--map', 'mail=email', '--map', 'CELL = phone']);
      expect(result.code).toBe(0);
      expect((await customers())[0]).toMatchObject({ name: 'Joan Clarke', email: 'joan@example.com', phone: '+44 1234' });
      const before = await cli.snapshot();
      expect(await cli.run(['import', 'customers', file, '--map', 'Notes=remarks'])).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('error: invalid --map "Notes=remarks": customers has no column "remarks"'),
      });
      expect(await cli.run(['import', 'customers', file, '--map', 'Fax=phone'])).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('--map names a column the file does not have ("fax")'),
      });
      expect(await cli.snapshot()).toEqual(before);
    });

    it('applies --owner and --source where rows have none, and CRM_OWNER to new rows only', async () => {
      const file = write('people.csv', 'Name,Email,Owner\nA,a@example.com,\nB,b@example.com,zoe\n');
      await cli.run(['import', 'customers', file], { env: { CRM_OWNER: 'me' } });
      expect((await customers()).map(({ owner }) => owner)).toEqual(['me', 'zoe']);
      const restoreFile = write('restore.csv', ids('id,name,owner\nx-1,C,\n'));
      await cli.run(['import', 'customers', restoreFile], { env: { CRM_OWNER: 'me' } });
      expect((await customers())[2]).toMatchObject({ name: 'C', owner: null });
      const other = write('more.csv', 'Name,Email,Owner\nD,d@example.com,\n');
      await cli.run(['import', 'customers', other, '--owner', 'sam', '--source', 'fair'], { env: { CRM_OWNER: 'me' } });
      expect((await customers())[3]).toMatchObject({ name: 'D', owner: 'sam', acquisition_source: 'fair' });
    });

    it('dedupes rows without id by lowercased e-mail: skip by default, update on request', async () => {
      await cli.run(['import', 'customers', '-'], { stdin: 'Name,Email,Phone\nAda,ada@example.com,\n' });
      const file = write('again.csv', 'Name,Email,Phone\nAda Lovelace,ADA@Example.com,+44 1\nAda L.,ada@example.com,\n');
      const skipped = await cli.run(['import', 'customers', file]);
      expect(skipped.stderr).toContain(': 0 new, 0 updated, 0 unchanged, 2 duplicate(s) skipped');
      expect(await customers()).toHaveLength(1);
      cli.clock.advance(60_000);
      const updated = await cli.run(['import', 'customers', file, '--on-duplicate', 'update']);
      expect(updated.stderr).toContain(': 0 new, 2 updated, 0 unchanged');
      expect(await customers()).toEqual([
        { name: 'Ada L.', email: 'ada@example.com', phone: '+44 1', status: 'lead', owner: null, acquisition_source: null },
      ]);
      const settled = write('settled.csv', 'Name,Email,Phone\nAda L.,ada@example.com,+44 1\n');
      const rerun = await cli.run(['import', 'customers', settled, '--on-duplicate', 'update']);
      expect(rerun.stderr).toContain(': 0 new, 0 updated, 1 unchanged');
      expect((await cli.run(['import', 'customers', file, '--on-duplicate', 'merge'])).code).toBe(2);
    });

    it('stamps rows updated by --on-duplicate update with the app clock, not SQLite time, and keeps created_at', async () => {
      await cli.run(['import', 'customers', '-'], { stdin: 'Name,Email\nAda,ada@example.com\nBob,bob@example.com\n' });
      await cli.run(['import', 'products', '-'], { stdin: 'name,description\nAudit,Old\n' });
      cli.clock.set('2031-07-04T12:00:00.000Z');
      await cli.run(['import', 'customers', '-', '--on-duplicate', 'update'], { stdin: 'Name,Email,Phone\nAda,ADA@example.com,+44 1\n' });
      await cli.run(['import', 'products', '-', '--on-duplicate', 'update'], { stdin: 'name,description\nAudit,New\n' });
      const stamps = asStored(await cli.sql('SELECT name, created_at, updated_at FROM customers UNION ALL SELECT name, created_at, updated_at FROM products ORDER BY name'));
      expect(stamps).toEqual([
        { name: 'Ada', created_at: '2026-11-25T10:00:00.000Z', updated_at: '2031-07-04T12:00:00.000Z' },
        { name: 'Audit', created_at: '2026-11-25T10:00:00.000Z', updated_at: '2031-07-04T12:00:00.000Z' },
        { name: 'Bob', created_at: '2026-11-25T10:00:00.000Z', updated_at: '2026-11-25T10:00:00.000Z' },
      ]);
    });
  });

  describe('audit of imports', () => {
    interface AuditEntry {
      table_name: string;
      record_id: string | null;
      action: string;
      new_values: string | null;
      actor: string;
      created_at: string;
    }
    const auditLog = async () =>
      asStored(await cli.sql<AuditEntry>('SELECT table_name, record_id, action, new_values, actor, created_at FROM audit_log ORDER BY id')).map(
        ({ new_values, ...entry }) => ({ ...entry, new: new_values === null ? null : JSON.parse(new_values) }),
      );
    const people = 'Name,Email\nAda,ada@example.com\nBob,bob@example.com\nCy,cy@example.com\n';

    it('records one entry per row, with the actor, for a small import by default', async () => {
      const file = write('people.csv', people);
      const started = Date.now();
      const result = await cli.run(['import', 'customers', file], { env: { CRM_OWNER: 'ada' } });
      const ended = Date.now();
      expect(result.code).toBe(0);
      expect(result.stderr).not.toContain('audit log');
      const entries = await auditLog();
      // On a server an entry's time, like its actor, is the server's (the triggers write it, and
      // a member cannot set it): the real time of the import's one transaction, not crm's clock.
      const when = backend === 'sqlite' ? '2026-11-25T10:00:00.000Z' : entries[0]!.created_at;
      if (backend === 'postgres') {
        expect(Date.parse(when)).toBeGreaterThanOrEqual(started - 1000);
        expect(Date.parse(when)).toBeLessThanOrEqual(ended + 1000);
      }
      expect(entries.map(({ table_name, action, actor, created_at }) => [table_name, action, actor, created_at])).toEqual(
        Array(3).fill(['customers', 'insert', cli.actorFor('ada'), when]),
      );
      expect(entries.map((entry) => (entry.new as { name: string }).name)).toEqual(['Ada', 'Bob', 'Cy']);
    });

    // --audit summary is SQLite's: a server audits every row, and refuses it (test/transfer-backends.test.ts).
    if (backend === 'sqlite') it('with --audit summary records exactly one entry naming the file and its counts, and no entry per row', async () => {
      const file = write('people.csv', people);
      const result = await cli.run(['import', 'customers', file, '--audit', 'summary'], { env: { CRM_OWNER: 'ada' } });
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('audit log: one summary entry for this import');
      expect(await countOf(cli, 'SELECT count(*) AS n FROM customers')).toBe(3);
      expect(await auditLog()).toEqual([
        {
          table_name: 'customers',
          record_id: null,
          action: 'import',
          actor: 'ada',
          created_at: '2026-11-25T10:00:00.000Z',
          new: { files: [{ file, table: 'customers', rows: 3, inserted: 3, updated: 0, unchanged: 0, duplicates: 0, rejected: 0 }] },
        },
      ]);
      const next = await cli.run(['product', 'add', 'Audit'], { env: { CRM_OWNER: 'ada' } });
      expect(next.code).toBe(0);
      expect((await auditLog()).map(({ action }) => action)).toEqual(['import', 'insert']);
    });

    if (backend === 'sqlite') it('rolls the summary entry back with the data when the import is refused, and writes none on --dry-run', async () => {
      const file = write('people.csv', people + 'Dee,dee@example.com,extra\n,no-name-nor-mail\n');
      const before = await cli.snapshot();
      const refused = await cli.run(['import', 'customers', file, '--audit', 'summary']);
      expect(refused.code).toBe(1);
      expect(await cli.snapshot()).toEqual(before);
      const dryRun = await cli.run(['import', 'customers', write('ok.csv', people), '--audit', 'summary', '--dry-run']);
      expect(dryRun.code).toBe(0);
      expect(await cli.snapshot()).toEqual(before);
    });

    if (backend === 'sqlite') it('summarises a --dir restore per table in one entry', async () => {
      await seedTrickyData(cli);
      await cli.run(['export', '--dir', dir]);
      const target = new TestCli();
      try {
        expect((await target.run(['import', '--dir', dir, '--audit', 'summary'], { env: { CRM_OWNER: 'ops' } })).code).toBe(0);
        const entries = target.db.sqlite.prepare('SELECT table_name, action, actor, new_values FROM audit_log').all() as Array<Record<string, string>>;
        expect(entries).toHaveLength(1);
        expect(entries[0]).toMatchObject({
          table_name: 'products,companies,customers,customer_interactions,customer_external_ids,customer_tags,settings',
          action: 'import',
          actor: 'ops',
        });
        const files = JSON.parse(entries[0]!.new_values!).files as Array<{ table: string; inserted: number }>;
        expect(files.map(({ table, inserted }) => [table, inserted])).toEqual([
          ['products', 3],
          ['companies', 2],
          ['customers', 3],
          ['customer_interactions', 3],
          ['customer_external_ids', 3],
          ['customer_tags', 3],
          ['settings', 1],
        ]);
      } finally {
        await target.close();
      }
    });

    it('refuses an unknown --audit mode with exit 2 and writes nothing', async () => {
      const before = await cli.snapshot();
      const result = await cli.run(['import', 'customers', write('people.csv', people), '--audit', 'none']);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 2, stderr: 'error: invalid --audit "none": use rows, summary, auto\n' });
      expect(await cli.snapshot()).toEqual(before);
    });

    it('in auto mode audits row by row up to the limit and summarises above it on SQLite; a server audits every row', async () => {
      const db = sqliteDatabaseOf(cli);
      db?.identifyWriter({ actor: 'cron', clock: cli.clock });
      const actor = db ? 'cron' : cli.actorFor('cron');
      const transfer = new TransferService(cli.store, cli.clock, 3);
      const source = (text: string) => [{ table: 'customers' as const, label: 'people.csv', input: Readable.from([text]) }];
      const atLimit = await transfer.import(source(people));
      expect(atLimit.audit).toBe('rows');
      expect((await auditLog()).map(({ action, actor }) => [action, actor])).toEqual(Array(3).fill(['insert', actor]));
      const aboveLimit = await transfer.import(source('Name,Email\nDee,dee@example.com\nEd,ed@example.com\nFay,fay@example.com\nGus,gus@example.com\n'));
      expect(await countOf(cli, 'SELECT count(*) AS n FROM customers')).toBe(7);
      const hal = source('Name,Email\nHal,hal@example.com\n');
      if (backend === 'sqlite') {
        expect(aboveLimit.audit).toBe('summary');
        expect((await auditLog()).slice(3).map(({ action, actor, record_id }) => [action, actor, record_id])).toEqual([['import', 'cron', null]]);
        const forced = await transfer.import(hal, { audit: 'summary' });
        expect(forced.audit).toBe('summary');
        expect(await auditLog()).toHaveLength(5);
      } else {
        expect(aboveLimit.audit).toBe('rows');
        expect((await auditLog()).slice(3).map(({ action, actor, record_id }) => [action, actor, record_id === null])).toEqual(Array(4).fill(['insert', actor, false]));
        await expect(transfer.import(hal, { audit: 'summary' })).rejects.toThrow('--audit summary does not work on a PostgreSQL database');
        expect(await countOf(cli, 'SELECT count(*) AS n FROM customers')).toBe(7);
        expect(await auditLog()).toHaveLength(7);
      }
    });
  });

  // The SQLite adapter's own staging table and slices, under the command tests that run on both.
  if (backend === 'sqlite') describe('bulk restore', () => {
    it('inserts staged rows slice by slice, every row once and in file order', async () => {
      const db = sqliteDatabaseOf(cli)!;
      const sqlite = db.sqlite;
      await new TransferRepository(sqlite).withStaging(async () => {
        const stage = new StagingTable(sqlite, 'customer_interactions', 1);
        sqlite.prepare(`INSERT INTO customers (id, name) VALUES ('c-1', 'Ada')`).run();
        const rows = Array.from({ length: 7 }, (_, index) => ({
          line: index + 2,
          values: [`i-${index}`, 'c-1', 'Call', 'phone', `note ${index}`, null, `2026-01-0${index + 1}T00:00:00.000Z`],
          raw: null,
        }));
        stage.append(rows);
        const writer = new TableWriter(sqlite, 'customer_interactions', new Set(['id', 'customer_id', 'type', 'channel', 'note', 'created_at']), false);
        expect(db.write(() => writer.bulkInsert(stage, '2026-11-25T10:00:00.000Z', 3))).toEqual({ inserted: 7 });
        stage.drop();
      });
      expect(sqlite.prepare('SELECT id FROM customer_interactions ORDER BY rowid').pluck().all()).toEqual(
        Array.from({ length: 7 }, (_, index) => `i-${index}`),
      );
    });
  });

  describe('bulk restore stopped by a refused slice', () => {
    if (backend === 'sqlite') it('keeps the slices before it, undoes that slice and says where the row-by-row path resumes', async () => {
      const db = sqliteDatabaseOf(cli)!;
      const sqlite = db.sqlite;
      let result: unknown;
      await new TransferRepository(sqlite).withStaging(async () => {
        const stage = new StagingTable(sqlite, 'customer_interactions', 1);
        sqlite.prepare(`INSERT INTO customers (id, name) VALUES ('c-1', 'Ada')`).run();
        const rows = Array.from({ length: 7 }, (_, index) => ({
          line: index + 2,
          values: [`i-${index}`, index === 4 ? 'c-missing' : 'c-1', 'Call', 'phone', `note ${index}`, null, '2026-01-01T00:00:00.000Z'],
          raw: null,
        }));
        stage.append(rows);
        const writer = new TableWriter(sqlite, 'customer_interactions', new Set(['id', 'customer_id', 'type', 'channel', 'note', 'created_at']), false);
        result = db.write(() => writer.bulkInsert(stage, '2026-11-25T10:00:00.000Z', 3));
        expect([...stage.rows(3)].map((row) => row.values[0])).toEqual(['i-3', 'i-4', 'i-5', 'i-6']);
        stage.drop();
      });
      expect(result).toEqual({ inserted: 3, stoppedAfter: 3 });
      expect(sqlite.prepare('SELECT id FROM customer_interactions ORDER BY rowid').pluck().all()).toEqual(['i-0', 'i-1', 'i-2']);
    });

    it('imports an export whose later rows exist already: new rows inserted, existing ones unchanged, in file order', async () => {
      const dir = tempDir();
      try {
        const customers = Array.from({ length: 12 }, (_, index) => ids(`c-${String(index).padStart(2, '0')},Customer ${index},,,,lead,,,0,2026-01-01T00:00:00.000Z,2026-01-01T00:00:00.000Z`));
        const header = 'id,name,email,phone,product_id,status,acquisition_source,owner,is_archived,created_at,updated_at';
        fs.writeFileSync(path.join(dir, 'late.csv'), `${header}\n${customers.slice(9).join('\n')}\n`);
        fs.writeFileSync(path.join(dir, 'all.csv'), `${header}\n${customers.join('\n')}\n`);
        const transfer = new TransferService(cli.store, cli.clock);
        const source = (name: string) => [{ table: 'customers' as const, label: name, input: fs.createReadStream(path.join(dir, name)) }];
        await transfer.import(source('late.csv'));
        const result = await transfer.import(source('all.csv'));
        expect(result.files[0]).toMatchObject({ rows: 12, inserted: 9, unchanged: 3, rejected: 0 });
        expect(await countOf(cli, 'SELECT count(*) AS n FROM customers')).toBe(12);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('bad rows', () => {
    const badFile = () => {
      const rows = ['Name,Email,Status'];
      for (let index = 1; index <= 25; index++) rows.push(`Person ${index},person${index}@example,lead`);
      rows.push('Valid,valid@example.com,lead', ',,', 'Wrong,w@example.com,won over', 'Too,many,fields,here');
      return write('bad.csv', rows.join('\n') + '\n');
    };

    it('aborts by default, listing the first 20 bad rows with line and column, then a count', async () => {
      const file = badFile();
      const before = await cli.snapshot();
      const result = await cli.run(['import', 'customers', file]);
      expect(result.code).toBe(1);
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines[0]).toBe(`error: ${file}: 27 invalid rows; nothing was imported (--skip-invalid imports the valid rows):`);
      expect(lines[1]).toBe('  line 2, email: invalid email "person1@example": expected an address like name@example.com');
      expect(lines[20]).toBe('  line 21, email: invalid email "person20@example": expected an address like name@example.com');
      expect(lines[21]).toBe('  … and 7 more');
      expect(lines).toHaveLength(22);
      expect(await cli.snapshot()).toEqual(before);
    });

    it('with --skip-invalid imports the valid rows and writes the rejected ones with a reason', async () => {
      const file = badFile();
      const rejects = path.join(dir, 'rejects.csv');
      const result = await cli.run(['import', 'customers', file, '--skip-invalid', '--rejects', rejects]);
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('warning: rejected 27 invalid row(s):');
      expect(result.stderr).toContain('1 new, 0 updated, 0 unchanged, 27 rejected');
      expect(await cli.sql('SELECT name FROM customers')).toEqual([{ name: 'Valid' }]);
      const lines = read(rejects).trimEnd().split('\n');
      expect(lines[0]).toBe('Name,Email,Status,reason');
      expect(lines[1]).toBe('Person 1,person1@example,lead,"line 2, email: invalid email ""person1@example"": expected an address like name@example.com"');
      expect(lines.at(-2)).toBe('Wrong,w@example.com,won over,"line 29, status: invalid status ""won over"": use one of lead, qualified, proposal, negotiation, closed_won, closed_lost"');
      expect(lines.at(-1)).toBe('Too,many,fields,"line 30, (row): expected 3 fields, found 4 (check quotes and delimiters)"');
      expect(lines).toHaveLength(28);
    });

    it('--dry-run validates and counts without writing anything', async () => {
      const file = write('people.csv', 'Name,Email\nA,a@example.com\nB,b@example.com\n');
      const before = await cli.snapshot();
      const result = await cli.run(['import', 'customers', file, '--dry-run']);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe(`✓ would import ${file}: 2 new, 0 updated, 0 unchanged\ndry run: nothing was written\n`);
      expect(await cli.snapshot()).toEqual(before);
      expect((await cli.run(['import', 'customers', badFile(), '--dry-run'])).code).toBe(1);
    });

    it('reports a file that is not CSV, has no usable column, or is empty', async () => {
      const broken = write('broken.csv', 'name,email\n"Ada,ada@example.com\n');
      expect(await cli.run(['import', 'customers', broken])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error: .*broken\.csv, line \d+: not valid CSV: /) });
      const useless = write('useless.csv', 'Foo,Bar\n1,2\n');
      expect((await cli.run(['import', 'customers', useless])).stderr).toContain('no customer name, email or phone column found (columns: Foo, Bar)');
      const empty = write('empty.csv', '\n\n');
      expect((await cli.run(['import', 'products', empty])).stderr).toBe(`error: ${empty} is empty: expected a header row\n`);
      expect(await cli.run(['import', 'products', path.join(dir, 'nope.csv')])).toMatchObject({ code: 1 });
      const fine = write('fine.csv', 'name\nAudit\n');
      const before = await cli.snapshot();
      expect(await cli.run(['import', 'products', fine, '--rejects', path.join(dir, 'missing', 'r.csv')])).toMatchObject({
        code: 1,
        stderr: `error: no folder ${path.join(dir, 'missing')} for --rejects\n`,
      });
      expect(await cli.snapshot()).toEqual(before);
      expect(await cli.run(['export', 'products', '--out', path.join(dir, 'missing', 'p.csv')])).toMatchObject({
        code: 1,
        stderr: `error: no folder ${path.join(dir, 'missing')} to write p.csv in\n`,
      });
      expect((await cli.run(['import', 'products'])).code).toBe(2);
      expect((await cli.run(['import'])).code).toBe(2);
    });
  });

  describe('progress', () => {
    it('draws a bar on a terminal stderr and nothing when piped', async () => {
      const file = write('products.csv', 'name\nAudit\n');
      const piped = await cli.run(['import', 'products', file, '--dry-run']);
      expect(piped.stderr).not.toContain('%');
      const terminal = await cli.run(['import', 'products', file, '--dry-run'], { tty: true });
      expect(terminal.stderr).toContain('reading');
      expect(terminal.stderr).toContain('100%');
    });
  });

  // crm backup copies a SQLite file; a team database refuses it (test/transfer-backends.test.ts).
  if (backend === 'sqlite') describe('backup', () => {
    it('copies the database, refuses to overwrite without --force, and the copy checks clean', async () => {
      await seedTrickyData(cli);
      const file = path.join(dir, 'copy.db');
      const result = await cli.run(['backup', file]);
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/^✓ backed up to .*copy\.db \(\d+ KiB, integrity and foreign keys checked\)\n$/);
      const copy = new TestCli(file);
      try {
        expect(copy.snapshot()).toEqual(await cli.snapshot());
      } finally {
        copy.close();
      }
      expect(await cli.run(['backup', file])).toMatchObject({ code: 1, stderr: `error: ${file} already exists; pass --force to replace it\n` });
      expect((await cli.run(['backup', file, '--force'])).code).toBe(0);
      expect(await cli.run(['backup', dir, '--force'])).toMatchObject({ code: 2, stderr: `error: ${dir} is a folder; give a file name for the copy\n` });
      expect((await cli.run(['backup', path.join(dir, 'no', 'copy.db')])).code).toBe(1);
      expect(fs.readdirSync(dir)).toEqual(['copy.db']);
    });
  });
});
