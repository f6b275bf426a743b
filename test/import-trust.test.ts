import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countOf, describeBackends, insertionOrder, type BackendCli } from './backends.js';
import { tempDir } from './helpers.js';

describeBackends('import trust', (backend, fresh) => {
  let cli: BackendCli;
  let dir: string;
  beforeEach(async () => {
    cli = await fresh();
    dir = tempDir('crm-import-trust-');
  });
  afterEach(async () => {
    await cli.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  /** Orders rows as they were written (an import keeps its file's order). */
  const ROW_ORDER = insertionOrder(backend);
  const column = async (text: string, values: unknown[] = []) => (await cli.sql<Record<string, unknown>>(text, values)).map((row) => Object.values(row)[0]);

  function write(name: string, content: string | Buffer): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  }

  async function addThreeActiveProducts(): Promise<void> {
    for (const name of ['Audit', 'Coaching', 'Training']) expect((await cli.run(['product', 'add', name])).code).toBe(0);
    expect((await cli.run(['product', 'add', 'Retired', '--inactive'])).code).toBe(0);
    expect((await cli.run(['customer', 'add', 'Ada', '--email', 'ada@example.com'])).code).toBe(0);
  }

  describe('the active-product limit on import is judged on the final state', () => {
    it('restores an export with 3 active products into the same database twice, changing nothing', async () => {
      await addThreeActiveProducts();
      expect((await cli.run(['export', '--dir', dir])).code).toBe(0);
      const before = await cli.snapshot();
      for (let run = 0; run < 2; run++) {
        const again = await cli.run(['import', '--dir', dir]);
        expect(again.stderr).not.toContain('error');
        expect(again.code).toBe(0);
        expect(again.stderr).toContain('products.csv: 0 new, 0 updated, 4 unchanged');
        expect(await cli.snapshot()).toEqual(before);
      }
    });

    it('re-imports the products file alone, and a file without ids, as unchanged', async () => {
      await addThreeActiveProducts();
      expect((await cli.run(['export', 'products', '--out', path.join(dir, 'products.csv')])).code).toBe(0);
      const byName = write('names.csv', 'name,is_active\nAudit,1\nCoaching,1\nTraining,1\nRetired,0\n');
      const before = await cli.snapshot();
      const byId = await cli.run(['import', 'products', path.join(dir, 'products.csv')]);
      expect(byId.code).toBe(0);
      expect(byId.stderr).toContain('0 new, 0 updated, 4 unchanged');
      const update = await cli.run(['import', 'products', byName, '--on-duplicate', 'update']);
      expect(update.code).toBe(0);
      expect(update.stderr).toContain('0 new, 0 updated, 4 unchanged');
      expect(await cli.snapshot()).toEqual(before);
    });

    it('accepts a file that activates one product before deactivating another when the end state has 3 active', async () => {
      await addThreeActiveProducts();
      const products = await cli.json<Array<{ id: string; name: string }>>(['product', 'list']);
      const id = (name: string) => products.find((product) => product.name === name)!.id;
      const file = write('swap.csv', `id,name,is_active\n${id('Retired')},Retired,1\n${id('Audit')},Audit,0\n`);
      const result = await cli.run(['import', 'products', file]);
      expect(result.stderr).not.toContain('error');
      expect(result.code).toBe(0);
      const active = await column('SELECT name FROM products WHERE is_active = $1 ORDER BY name', [1]);
      expect(active).toEqual(['Coaching', 'Retired', 'Training']);
    });

    it('still refuses a file whose end state has a fourth active product, naming its line, and writes nothing', async () => {
      await addThreeActiveProducts();
      const file = write('four.csv', 'name,is_active\nExtra,0\nRetired,1\n');
      const before = await cli.snapshot();
      const result = await cli.run(['import', 'products', file, '--on-duplicate', 'update']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('line 3, is_active: a fourth active product is refused: at most 3 products can be active');
      expect(await cli.snapshot()).toEqual(before);
    });
  });

  describe('headers that name a column twice', () => {
    it('refuses the same header twice, naming it, and writes nothing', async () => {
      const before = await cli.snapshot();
      const customers = write('twice.csv', 'name,email,email\nAda,ada@example.com,other@example.com\n');
      const result = await cli.run(['import', 'customers', customers]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('the header has "email" twice (columns 2 and 3)');
      const products = write('products.csv', 'name,description,Description\nAudit,one,two\n');
      const refused = await cli.run(['import', 'products', products]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('the header has "Description" twice (columns 2 and 3)');
      expect(await cli.snapshot()).toEqual(before);
    });

    it('refuses two headers that map to one column, and lets --map choose the one read first', async () => {
      const file = write('both.csv', 'Name,Email,E-mail Address\nAda,ada@example.com,ada@work.example\n');
      const before = await cli.snapshot();
      const result = await cli.run(['import', 'customers', file]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('columns "Email" and "E-mail Address" both hold email; choose one with --map "Email=email"');
      expect(await cli.snapshot()).toEqual(before);
      const chosen = await cli.run(['import', 'customers', file, '--map', 'E-mail Address=email']);
      expect(chosen.code).toBe(0);
      expect(await column('SELECT email FROM customers')).toEqual(['ada@work.example']);
    });

    it('still fills a field from typed variants in turn (work, then home)', async () => {
      const file = write('typed.csv', 'Name,Phone,Mobile,Work Phone\nAda,,+44 1,+44 2\n');
      const result = await cli.run(['import', 'customers', file]);
      expect(result.code).toBe(0);
      expect(await column('SELECT phone FROM customers')).toEqual(['+44 1']);
    });
  });

  describe('one set of rules for the CLI and the import', () => {
    it('refuses names and interaction types with control characters in an import, as the CLI does', async () => {
      const customers = write('customers.csv', 'name,email\n"Ada\tLovelace",ada@example.com\n"Bob\u0085",bob@example.com\n');
      const result = await cli.run(['import', 'customers', customers]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('line 2, name: customer name cannot contain tabs, line breaks or other control characters');
      expect(result.stderr).toContain('line 3, name: customer name cannot contain tabs, line breaks or other control characters');
      const products = write('products.csv', 'name\n"Audit\nDeluxe"\n');
      const refused = await cli.run(['import', 'products', products]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('line 2, name: product name cannot contain tabs, line breaks or other control characters');
      expect((await cli.run(['customer', 'add', 'Ada', '--email', 'ada@example.com'])).code).toBe(0);
      const id = (await column('SELECT id FROM customers'))[0] as string;
      const interactions = write('interactions.csv', `customer_id,type,channel,note\n${id},"Ca\tll",phone,hello\n`);
      const bad = await cli.run(['import', 'interactions', interactions]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('line 2, type: interaction type cannot contain tabs, line breaks or other control characters');
      expect(await countOf(cli, 'SELECT count(*) AS n FROM customer_interactions')).toBe(0);
      expect(await countOf(cli, 'SELECT count(*) AS n FROM products')).toBe(0);
    });

    const refusedEmails = ['x@y..com', '<a@b.c>', 'a b@c.de', 'a@b', '.a@b.co', 'a.@b.co', 'a..b@c.co', 'a@.b.co', 'a@b.co.', 'a@@b.co', 'a@-b.co'];
    const acceptedEmails = ['ada@example.com', "o'brien+crm@mail.example.co.uk", 'first.last@xn--bcher-kva.example', 'jürgen@bücher.de', 'A_B-c@Sub-Domain.Example'];

    it('refuses malformed e-mail addresses in customer add and in an import alike', async () => {
      for (const email of refusedEmails) {
        const add = await cli.run(['customer', 'add', 'Ada', '--email', email]);
        expect({ email, code: add.code, stderr: add.stderr }).toEqual({
          email,
          code: 1,
          stderr: `error: invalid email "${email}": expected an address like name@example.com\n`,
        });
      }
      const file = write('emails.csv', `name,email\n${refusedEmails.map((email) => `N,"${email}"`).join('\n')}\n`);
      const result = await cli.run(['import', 'customers', file]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`${refusedEmails.length} invalid rows`);
      expect(await countOf(cli, 'SELECT count(*) AS n FROM customers')).toBe(0);
    });

    it('accepts practical addresses, including unicode domains', async () => {
      const file = write('emails.csv', `name,email\n${acceptedEmails.map((email) => `N,"${email}"`).join('\n')}\n`);
      const result = await cli.run(['import', 'customers', file]);
      expect(result.stderr).not.toContain('invalid');
      expect(result.code).toBe(0);
      expect(await column(`SELECT email FROM customers ORDER BY ${ROW_ORDER}`)).toEqual(acceptedEmails);
    });
  });

  describe('CSV syntax errors are bad rows', () => {
    const file = () =>
      write('people.csv', 'name,height,email\nAda,"1,70 m",ada@example.com\nBob,5\' 2" tall,bob@example.com\n"Cy Jr","sh\r\nort",cy@example.com\nFay,6\' 1" tall,fay@example.com\nEve,ok,eve@example.com\n');

    it('reports a bare quote in an unquoted field with its line and 1-based column, and writes nothing', async () => {
      const before = await cli.snapshot();
      const result = await cli.run(['import', 'customers', file()]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('2 invalid rows; nothing was imported');
      expect(result.stderr).toContain('line 6, height (column 2): a quote inside a field');
      expect(result.stderr).toContain('line 3, height (column 2): a quote inside a field that does not start with one');
      expect(await cli.snapshot()).toEqual(before);
    });

    it('imports the other rows with --skip-invalid and lists the bad ones in --rejects', async () => {
      const rejects = path.join(dir, 'rejects.csv');
      const result = await cli.run(['import', 'customers', file(), '--rejects', rejects]);
      expect(result.code).toBe(0);
      expect(await column(`SELECT name FROM customers ORDER BY ${ROW_ORDER}`)).toEqual(['Ada', 'Cy Jr', 'Eve']);
      const rejected = fs.readFileSync(rejects, 'utf8');
      expect(rejected).toContain('line 3, height (column 2)');
      expect(rejected).toContain('line 6, height (column 2)');
    });
  });

  describe('encodings', () => {
    const names = () => column(`SELECT name FROM customers ORDER BY ${ROW_ORDER}`);
    const lines = ['name,email,Notes', 'Ada,ada@example.com,', 'Bob,bob@example.com,"two', 'lines"', 'Cy,cy@example.com,', 'Dee,dee@example.com,', 'Jürgen Müller €,jm@example.com,', 'Zoë,zoe@example.com,'];

    it('refuses bytes that are not UTF-8 with the line number and a hint, writing nothing', async () => {
      const file = write('excel.csv', Buffer.from(lines.join('\r\n') + '\r\n', 'latin1'));
      const before = await cli.snapshot();
      const result = await cli.run(['import', 'customers', file]);
      expect({ code: result.code, stderr: result.stderr }).toEqual({
        code: 1,
        stderr: `error: ${file}: line 7 is not valid UTF-8; if the file comes from Excel try --encoding cp1252\n`,
      });
      expect(await cli.snapshot()).toEqual(before);
    });

    it('reads Windows-1252 and Latin-1 with --encoding', async () => {
      const cp1252 = Buffer.from(lines.join('\r\n').replace('€', '\u0080') + '\r\n', 'latin1');
      const result = await cli.run(['import', 'customers', write('cp1252.csv', cp1252), '--encoding', 'cp1252']);
      expect(result.code).toBe(0);
      expect(await names()).toEqual(['Ada', 'Bob', 'Cy', 'Dee', 'Jürgen Müller €', 'Zoë']);
      const latin1 = Buffer.from('name,email\nJosé,jose@example.com\n', 'latin1');
      expect((await cli.run(['import', 'customers', write('latin1.csv', latin1), '--encoding', 'latin1'])).code).toBe(0);
      expect((await names()).at(-1)).toBe('José');
    });

    it('reads UTF-16 with a byte order mark, little or big endian, with or without --encoding', async () => {
      const text = '\uFEFFname,email\r\nÅsa 🚀,asa@example.com\r\n';
      const le = Buffer.from(text, 'utf16le');
      const be = Buffer.from(le).swap16();
      expect((await cli.run(['import', 'customers', write('le.csv', le)])).code).toBe(0);
      expect((await cli.run(['import', 'customers', write('be.csv', be), '--encoding', 'utf16', '--on-duplicate', 'update'])).code).toBe(0);
      expect(await names()).toEqual(['Åsa 🚀']);
    });

    it('still takes a UTF-8 byte order mark, and refuses an unknown encoding with exit 2', async () => {
      const file = write('bom.csv', '\uFEFFname,email\nÅsa,asa@example.com\n');
      expect((await cli.run(['import', 'customers', file])).code).toBe(0);
      expect(await names()).toEqual(['Åsa']);
      const refused = await cli.run(['import', 'customers', file, '--encoding', 'ebcdic']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('unknown --encoding "ebcdic": use one of utf8, latin1, cp1252, utf16');
    });
  });

  describe("Google Contacts' multi-value cells", () => {
    it('keeps the first e-mail and phone of a " ::: " cell and says how many others were not imported', async () => {
      const file = write(
        'google.csv',
        'First Name,Last Name,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value\n' +
          'Grace,Hopper,* Work ::: Home,grace@navy.example ::: grace@home.example,Mobile ::: Work,+1 202 555 0142 ::: +1 202 555 0143 ::: +1 202 555 0144\n' +
          'Alan,Turing,,alan@example.com,,\n',
      );
      const result = await cli.run(['import', 'customers', file]);
      expect(result.code).toBe(0);
      expect(result.stderr).toContain(`${file}: kept the first of several e-mails or phones in a cell (" ::: "); 3 other value(s) not imported`);
      expect(await cli.sql(`SELECT name, email, phone FROM customers ORDER BY ${ROW_ORDER}`)).toEqual([
        { name: 'Grace Hopper', email: 'grace@navy.example', phone: '+1 202 555 0142' },
        { name: 'Alan Turing', email: 'alan@example.com', phone: null },
      ]);
      const json = await cli.json(['import', 'customers', file, '--dry-run']);
      expect(json.files[0].extraValuesDropped).toBe(3);
    });
  });

  describe('customer add of an e-mail that exists', () => {
    it('is refused when the e-mail differs only in case, naming the customer, and added with --force and a warning', async () => {
      expect((await cli.run(['customer', 'add', 'Ada Lovelace', '--email', 'Ada@Example.com'])).code).toBe(0);
      const id = (await column('SELECT id FROM customers'))[0] as string;
      const before = await cli.snapshot();
      const refused = await cli.run(['customer', 'add', 'Ada L.', '--email', 'ada@example.COM']);
      expect({ code: refused.code, stderr: refused.stderr }).toEqual({
        code: 1,
        stderr: `error: customer "Ada Lovelace" (${id.slice(0, 8)}) already has the e-mail Ada@Example.com; use --force to add another customer with it\n`,
      });
      expect(await cli.snapshot()).toEqual(before);
      const forced = await cli.run(['customer', 'add', 'Ada L.', '--email', 'ada@example.COM', '--force']);
      expect(forced.code).toBe(0);
      expect(forced.stderr).toContain(`warning: customer "Ada Lovelace" (${id.slice(0, 8)}) has the same e-mail`);
      expect(await countOf(cli, 'SELECT count(*) AS n FROM customers')).toBe(2);
    });
  });

  describe('customer_external_ids', () => {
    // SQLite: as in the sqlite3 shell, whose foreign keys are off; PostgreSQL enforces them always.
    it('obeys its relation in plain SQL, follows its customer, and is audited', async () => {
      expect((await cli.run(['customer', 'add', 'Ada', '--email', 'ada@example.com'])).code).toBe(0);
      const id = (await column('SELECT id FROM customers'))[0] as string;
      const renamed = `${id}-new`;
      if (backend === 'sqlite') await cli.sql('PRAGMA foreign_keys = OFF');
      try {
        await expect(cli.sql("INSERT INTO customer_external_ids (source, external_id, customer_id) VALUES ('hubspot', '1', 'nobody')")).rejects.toThrow(
          'customer_external_ids.customer_id names no customer',
        );
        await cli.sql("INSERT INTO customer_external_ids (source, external_id, customer_id) VALUES ('hubspot', '1', $1)", [id]);
        await cli.sql('UPDATE customers SET id = $1 WHERE id = $2', [renamed, id]);
        expect(await column('SELECT customer_id FROM customer_external_ids')).toEqual([renamed]);
        await cli.sql('DELETE FROM customers WHERE id = $1', [renamed]);
        expect(await countOf(cli, 'SELECT count(*) AS n FROM customer_external_ids')).toBe(0);
      } finally {
        if (backend === 'sqlite') await cli.sql('PRAGMA foreign_keys = ON');
      }
      const audited = await column("SELECT action FROM audit_log WHERE table_name = 'customer_external_ids' ORDER BY id");
      expect(audited).toEqual(['insert', 'update', 'delete']);
      const check = await cli.run(['db', 'check']);
      expect(check.stdout).toMatch(/ok +triggers +all \d+ present/);
      expect(check.stdout).toMatch(/ok +indexes +all \d+ present/);
    });
  });

  describe('re-importing exports of other tools', () => {
    const FIXTURES = path.join(import.meta.dirname, 'fixtures');
    const count = () => countOf(cli, 'SELECT count(*) AS n FROM customers');

    it.each([
      ['hubspot-contacts.csv', 'hubspot', 4],
      ['linkedin-connections.csv', 'linkedin', 2],
    ])('finds the customers of %s again by their %s id, rows without e-mail included', async (fixture, source, rows) => {
      const file = path.join(FIXTURES, fixture);
      expect((await cli.run(['import', 'customers', file])).code).toBe(0);
      expect(await count()).toBe(rows);
      expect(await column('SELECT DISTINCT source FROM customer_external_ids')).toEqual([source]);
      const before = await cli.snapshot();
      const again = await cli.run(['import', 'customers', file]);
      expect(again.code).toBe(0);
      expect(again.stderr).toContain(`0 new, 0 updated, 0 unchanged, ${rows} duplicate(s) skipped`);
      const updated = await cli.run(['import', 'customers', file, '--on-duplicate', 'update']);
      expect(updated.stderr).toContain(`0 new, 0 updated, ${rows} unchanged`);
      expect(await cli.snapshot()).toEqual(before);
    });

    it("uses Pipedrive's Person - ID, and finds a contact whose e-mail changed", async () => {
      const first = write('pipedrive.csv', '"Person - ID","Person - Name","Person - Email - Work","Person - Phone - Work"\n7,Hedy Lamarr,,+1 310 555 0123\n8,Radia Perlman,radia@stp.example,\n');
      expect((await cli.run(['import', 'customers', first])).code).toBe(0);
      const later = write('later.csv', '"Person - ID","Person - Name","Person - Email - Work","Person - Phone - Work"\n7,Hedy Lamarr,,+1 310 555 0123\n8,Radia Perlman,radia@new.example,\n9,Ada,,\n');
      const result = await cli.run(['import', 'customers', later, '--on-duplicate', 'update']);
      expect(result.stderr).toContain('1 new, 1 updated, 1 unchanged');
      expect(await cli.sql(`SELECT name, email FROM customers ORDER BY ${ROW_ORDER}`)).toEqual([
        { name: 'Hedy Lamarr', email: null },
        { name: 'Radia Perlman', email: 'radia@new.example' },
        { name: 'Ada', email: null },
      ]);
    });

    it('takes a URL column as a LinkedIn key only for LinkedIn profile URLs', async () => {
      const file = write('sites.csv', 'Name,URL\nShop A,https://shared.example\nShop B,https://shared.example\n');
      expect((await cli.run(['import', 'customers', file])).code).toBe(0);
      expect(await count()).toBe(2);
      expect(await countOf(cli, 'SELECT count(*) AS n FROM customer_external_ids')).toBe(0);
    });
  });
});
