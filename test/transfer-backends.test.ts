import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeBackends, newBackendCli, type BackendCli } from './backends.js';
import { failedChecks } from './db-checks.js';
import { tempDir } from './helpers.js';

/**
 * An export folder as crm writes it, with what a lossless format must keep: NULL apart from
 * "", quotes, commas and line breaks in values, non-ASCII text, every customer column
 * (company, deal value, closing time, note), an all-day follow-up next to an instant, and
 * rows in an order that is neither by id nor by time.
 */
const FOLDER: Record<string, string> = {
  'products.csv': [
    'id,name,description,is_active,created_at,updated_at',
    'p-2,Widget,"A ""quoted"", multi\nline description",1,2026-01-01T10:00:00.000Z,2026-01-02T10:00:00.000Z',
    'p-1,Gadget,,0,2026-01-01T11:00:00.000Z,2026-01-01T11:00:00.000Z',
    'p-3,Empty description,"",1,2026-01-01T09:00:00.000Z,2026-01-01T09:00:00.000Z',
  ].join('\n'),
  'companies.csv': ['id,name,created_at,updated_at', 'co-1,Acme Ångström,2026-01-03T00:00:00.000Z,2026-01-04T00:00:00.000Z'].join('\n'),
  'customers.csv': [
    'id,name,email,phone,product_id,status,acquisition_source,owner,is_archived,created_at,updated_at,company_id,deal_value_minor,deal_currency,closed_at,note',
    'c-2,Émile Zola,zola@example.com,+33 1 23 45 67 89,p-2,closed_won,referral,zola-owner,0,2026-02-01T00:00:00.000Z,2026-02-03T00:00:00.000Z,co-1,1200000,EUR,2026-02-03T00:00:00.000Z,"Wants a quote, ""soon""\nand a call"',
    'c-1,Ada Lovelace,,,,lead,,,1,2026-01-05T00:00:00.000Z,2026-01-05T00:00:00.000Z,,,,,',
    'c-3,Grace,grace@example.com,,p-1,proposal,"",ada,0,2026-01-06T00:00:00.000Z,2026-01-07T00:00:00.000Z,,9900,USD,,""',
  ].join('\n'),
  'customer_interactions.csv': [
    'id,customer_id,type,channel,note,follow_up_date,created_at',
    'i-2,c-2,Call,phone,"Line 1\nLine 2, with a comma",2026-03-01,2026-02-10T09:00:00.000Z',
    'i-1,c-1,Email,email,"",2026-03-02T10:00:00.000Z,2026-02-11T09:00:00.000Z',
    'i-3,c-2,Meeting,meeting,Signed,,2026-02-01T09:00:00.000Z',
  ].join('\n'),
  'customer_external_ids.csv': ['source,external_id,customer_id,created_at', 'hubspot,123,c-2,2026-02-01T00:00:00.000Z'].join('\n'),
  'customer_tags.csv': ['customer_id,tag,created_at', 'c-2,VIP,2026-02-01T00:00:00.000Z', 'c-1,référé,2026-02-02T00:00:00.000Z'].join('\n'),
  'settings.csv': ['key,value,updated_at', 'currency,EUR,2026-01-01T00:00:00.000Z', 'stage.proposal.probability,0.4,2026-01-02T00:00:00.000Z'].join('\n'),
};

/**
 * The ids of a test's rows, made its own: ids are unique across a server's teams (as UUIDs
 * are), and every test of a file gets a new team on the same database.
 */
let idPrefix = '';
const withIds = (text: string) => text.replace(/\b(co|c|p|i)-(\d)\b/g, `${idPrefix}$1-$2`);

function writeFolder(dir: string, files: Record<string, string> = FOLDER): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), `${withIds(text)}\n`);
  return dir;
}

function expectedFolder(): Record<string, string> {
  return Object.fromEntries(Object.entries(FOLDER).map(([name, text]) => [name, `${withIds(text)}\n`]));
}

let tests = 0;

function readFolder(dir: string): Record<string, string> {
  return Object.fromEntries(Object.keys(FOLDER).map((name) => [name, fs.readFileSync(path.join(dir, name), 'utf8')]));
}

describeBackends('import and export', (backend, fresh) => {
  let cli: BackendCli;
  let dir: string;
  beforeEach(async () => {
    cli = await fresh();
    dir = tempDir();
    idPrefix = `${backend[0]}${++tests}x`;
  });
  afterEach(async () => {
    await cli.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const ok = async (argv: string[]) => {
    const result = await cli.run(argv);
    expect(result.stderr).not.toMatch(/^error/m);
    expect(result.code).toBe(0);
    return result;
  };

  it('restores an export folder row for row and exports it again byte for byte; a second import changes nothing', async () => {
    const source = writeFolder(path.join(dir, 'in'));
    await ok(['import', '--dir', source]);
    await ok(['export', '--dir', path.join(dir, 'out')]);
    expect(readFolder(path.join(dir, 'out'))).toEqual(expectedFolder());
    const single = await ok(['export', 'customers']);
    expect(single.stdout).toBe(expectedFolder()['customers.csv']);

    const before = await cli.snapshot();
    const again = await cli.run(['import', '--dir', source, '--json']);
    expect(again.code).toBe(0);
    const files = JSON.parse(again.stdout).files as Array<{ table: string; inserted: number; updated: number }>;
    expect(files.map(({ inserted, updated }) => inserted + updated)).toEqual(files.map(() => 0));
    expect(await cli.snapshot()).toEqual(before);
    // The tables kept for reports and search (activity, counts, values, the search index) are
    // right after a bulk import as after any write.
    expect(await failedChecks(cli)).toEqual([]);
  });

  it('exports a note far longer than one read from the connection byte for byte, its neighbours too', async () => {
    // About 1.5 MB: PostgreSQL's COPY sends it as one message that many socket reads cut.
    const note = `"${'Line with ""quotes"", commas, Ångström ünïcode\n'.repeat(30_000)}end"`;
    const customers = FOLDER['customers.csv']!.replace(',"Wants a quote, ""soon""\nand a call"', `,${note}`);
    expect(customers).toContain('end"');
    const source = writeFolder(path.join(dir, 'in'), { ...FOLDER, 'customers.csv': customers });
    await ok(['import', '--dir', source]);
    await ok(['export', '--dir', path.join(dir, 'out')]);
    expect(readFolder(path.join(dir, 'out'))).toEqual(readFolder(source));
  });

  it('audits every imported row as the connected writer', async () => {
    await ok(['import', '--dir', writeFolder(path.join(dir, 'in')), '--audit', 'rows']);
    const entries = await cli.sql<{ table_name: string; n: number }>(
      `SELECT table_name, count(*) AS n FROM audit_log WHERE action = 'insert' GROUP BY table_name ORDER BY table_name`,
    );
    expect(entries.map(({ table_name, n }) => [table_name, Number(n)])).toEqual([
      ['companies', 1],
      ['customer_external_ids', 1],
      ['customer_interactions', 3],
      ['customer_tags', 2],
      ['customers', 3],
      ['products', 3],
      ['settings', 2],
    ]);
  });

  it('refuses a file with a bad row: nothing written, the same report on either backend', async () => {
    writeFolder(dir, {
      'people.csv': [
        'id,name,email,phone,product_id,status,acquisition_source,owner,is_archived,created_at,updated_at',
        'c-9,Fine,,,,lead,,,0,2026-01-05T00:00:00.000Z,2026-01-05T00:00:00.000Z',
        'c-8,Orphan,,,nope,lead,,,0,2026-01-05T00:00:00.000Z,2026-01-05T00:00:00.000Z',
      ].join('\n'),
    });
    const before = await cli.snapshot();
    const result = await cli.run(['import', 'customers', path.join(dir, 'people.csv')]);
    expect({ code: result.code, stderr: result.stderr }).toEqual({
      code: 1,
      stderr:
        'error: ' +
        `${path.join(dir, 'people.csv')}: 1 invalid row; nothing was imported (--skip-invalid imports the valid rows):\n` +
        '  line 3, product_id: no product with id "nope"\n',
    });
    expect(await cli.snapshot()).toEqual(before);

    const rejects = path.join(dir, 'rejects.csv');
    const skipped = await cli.run(['import', 'customers', path.join(dir, 'people.csv'), '--skip-invalid', '--rejects', rejects, '--json']);
    expect(skipped.code).toBe(0);
    expect(JSON.parse(skipped.stdout).files[0]).toMatchObject({ rows: 2, inserted: 1, rejected: 1 });
    expect(fs.readFileSync(rejects, 'utf8')).toContain(withIds('c-8,Orphan') + ',,,nope,lead,,,0,2026-01-05T00:00:00.000Z,2026-01-05T00:00:00.000Z,"line 3, product_id: no product with id ""nope"""');
  });

  it('restores a folder all or nothing: a bad interaction leaves the products and customers unwritten', async () => {
    const files = { ...FOLDER };
    files['customer_interactions.csv'] += '\ni-9,c-missing,Call,phone,x,,2026-02-01T09:00:00.000Z';
    const before = await cli.snapshot();
    const result = await cli.run(['import', '--dir', writeFolder(path.join(dir, 'bad'), files)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('line 6, customer_id: no customer with id "c-missing"');
    expect(await cli.snapshot()).toEqual(before);
  });

  it('checks everything on --dry-run and writes nothing', async () => {
    const before = await cli.snapshot();
    const result = await cli.run(['import', '--dir', writeFolder(path.join(dir, 'in')), '--dry-run', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).files.find((file: { table: string }) => file.table === 'customers')).toMatchObject({ inserted: 3 });
    expect(await cli.snapshot()).toEqual(before);
  });

  it("imports another tool's contacts: companies created once, duplicates by e-mail skipped, a re-import changes nothing", async () => {
    const file = path.join(dir, 'hubspot.csv');
    fs.writeFileSync(
      file,
      'Record ID,First Name,Last Name,Email,Company Name\n1,Ada,Lovelace,ada@example.com,Acme\n2,Grace,Hopper,GRACE@example.com,ACME\n3,Dup,Licate,ada@EXAMPLE.com,Other\n',
    );
    const first = JSON.parse((await ok(['import', 'customers', file, '--json'])).stdout).files[0];
    // The duplicate's company is created before the duplicate is found, as it always was on SQLite.
    expect(first).toMatchObject({ rows: 3, inserted: 2, duplicates: 1, companiesCreated: 2 });
    const before = await cli.snapshot();
    const second = JSON.parse((await ok(['import', 'customers', file, '--json'])).stdout).files[0];
    expect(second).toMatchObject({ rows: 3, inserted: 0, updated: 0 });
    expect(await cli.snapshot()).toEqual(before);
    const companies = await cli.json<Array<{ name: string }>>(['company', 'list']);
    expect(companies.map((company) => company.name)).toEqual(['Acme', 'Other']);
  });

  it('imports a vCard address book as customers and exports the same cards; a re-import adds nobody', async () => {
    const file = path.join(dir, 'contacts.vcf');
    fs.writeFileSync(
      file,
      [
        'BEGIN:VCARD', 'VERSION:3.0', 'FN:Émile Zola', 'EMAIL:zola@example.com', 'TEL:+33 1 23 45 67 89', 'END:VCARD',
        'BEGIN:VCARD', 'VERSION:4.0', 'FN:Ada Lovelace', 'EMAIL:ada@example.com', 'END:VCARD',
      ].join('\r\n') + '\r\n',
    );
    const first = JSON.parse((await ok(['import', 'vcard', file, '--json'])).stdout).files[0];
    expect(first).toMatchObject({ rows: 2, inserted: 2 });
    const cards = (await ok(['export', 'vcard'])).stdout;
    expect(cards).toContain('FN:Ada Lovelace\r\n');
    expect(cards).toContain('FN:Émile Zola\r\n');
    expect(cards).toContain('EMAIL:zola@example.com\r\n');
    const again = JSON.parse((await ok(['import', 'vcard', file, '--json'])).stdout).files[0];
    expect(again).toMatchObject({ rows: 2, inserted: 0, duplicates: 2 });
  });

  it('exports with --spreadsheet-safe the same rows as the lossless export', async () => {
    await ok(['import', '--dir', writeFolder(path.join(dir, 'in'))]);
    const safe = await ok(['export', 'customers', '--spreadsheet-safe']);
    expect(safe.stdout.startsWith('\ufeffid,name,')).toBe(true);
    expect(safe.stdout).toContain(withIds('c-3,Grace,grace@example.com,,p-1,proposal,"",ada,0,'));
  });

  if (backend === 'postgres') {
    it('refuses --audit summary in one line: the server audits every row', async () => {
      const result = await cli.run(['import', '--dir', writeFolder(path.join(dir, 'in')), '--audit', 'summary']);
      expect({ code: result.code, stderr: result.stderr }).toEqual({
        code: 2,
        stderr: 'error: --audit summary does not work on a PostgreSQL database: its server audits every row (use rows or auto)\n',
      });
    });

    it('lets a plain member import customers they own, and refuses others in one line with nothing written', async () => {
      const member = await cli.otherMember('member');
      const header = 'id,name,email,phone,product_id,status,acquisition_source,owner,is_archived,created_at,updated_at';
      const row = (id: string, owner: string) => `${withIds(id)},Mine ${id},,,,lead,,${owner},0,2026-01-05T00:00:00.000Z,2026-01-05T00:00:00.000Z`;
      fs.writeFileSync(path.join(dir, 'mine.csv'), `${header}\n${row('c-1', member.actor)}\n`);
      fs.writeFileSync(path.join(dir, 'theirs.csv'), `${header}\n${row('c-2', member.actor)}\n${row('c-3', 'someone-else')}\n`);
      expect(await member.run(['import', 'customers', path.join(dir, 'mine.csv')])).toMatchObject({ code: 0 });
      const before = await cli.snapshot();
      const refused = await member.run(['import', 'customers', path.join(dir, 'theirs.csv')]);
      expect({ code: refused.code, stderr: refused.stderr }).toEqual({
        code: 1,
        stderr: 'error: you can add or edit only customers you own (and they must stay yours); a manager can change any\n',
      });
      expect(await cli.snapshot()).toEqual(before);
      const owners = await cli.sql<{ owner: string }>('SELECT owner FROM crm.customers');
      expect(owners).toEqual([{ owner: member.actor }]);
    });

    it('refuses crm backup in one line, pointing to export', async () => {
      const result = await cli.run(['backup', path.join(dir, 'copy.db')]);
      expect({ code: result.code, stderr: result.stderr }).toEqual({
        code: 2,
        stderr: "error: crm backup copies a SQLite file; on a team database use crm export --dir (or pg_dump, as the server's administrator)\n",
      });
      expect(fs.existsSync(path.join(dir, 'copy.db'))).toBe(false);
    });

    it("keeps a team's import from the members of another team", async () => {
      await ok(['import', '--dir', writeFolder(path.join(dir, 'in'))]);
      const stranger = await cli.otherMember('stranger', { otherTeam: true });
      const exported = await stranger.run(['export', 'customers']);
      expect(exported).toMatchObject({ code: 0, stdout: `${FOLDER['customers.csv']!.split('\n')[0]}\n` });
      expect(await stranger.sql('SELECT * FROM crm.customer_external_ids')).toEqual([]);
      expect(await stranger.sql('SELECT * FROM crm.customers')).toEqual([]);
    });

    it('db push copies a solo file, its rows and its history, into the team; a second push changes nothing', async () => {
      const solo = await newBackendCli('sqlite');
      try {
        expect((await solo.run(['import', '--dir', writeFolder(path.join(dir, 'in'))])).code).toBe(0);
        expect((await solo.run(['customer', 'edit', 'Grace', '--note', 'Called back'])).code).toBe(0);
        const history = await solo.sql<{ n: number }>('SELECT count(*) AS n FROM audit_log');
        const url = (cli as unknown as { url: string }).url;
        const first = await solo.run(['db', 'push', url, '--json']);
        expect(first.stderr).not.toMatch(/^error/m);
        expect(first.code).toBe(0);
        const pushed = JSON.parse(first.stdout);
        expect(pushed).toMatchObject({ audit_added: history[0]!.n, audit_read: history[0]!.n });
        expect(pushed.tables.find((table: { table: string }) => table.table === 'customers')).toMatchObject({ rows: 3, inserted: 3 });

        await solo.run(['export', '--dir', path.join(dir, 'solo')]);
        await ok(['export', '--dir', path.join(dir, 'team')]);
        expect(readFolder(path.join(dir, 'team'))).toEqual(readFolder(path.join(dir, 'solo')));
        const origins = await cli.sql<{ n: string }>('SELECT count(*) AS n FROM audit_log WHERE origin IS NOT NULL');
        expect(Number(origins[0]!.n)).toBe(history[0]!.n);

        const before = await cli.snapshot();
        const second = JSON.parse((await solo.run(['db', 'push', url, '--json'])).stdout);
        expect(second.audit_added).toBe(0);
        expect(second.tables.every((table: { inserted: number; updated: number }) => table.inserted + table.updated === 0)).toBe(true);
        expect(await cli.snapshot()).toEqual(before);
        expect(await failedChecks(cli)).toEqual([]);
      } finally {
        await solo.close();
      }
    });

    it('moves a SQLite export to PostgreSQL and back byte for byte', async () => {
      const sqlite = await newBackendCli('sqlite');
      try {
        expect((await sqlite.run(['import', '--dir', writeFolder(path.join(dir, 'in'))])).code).toBe(0);
        expect((await sqlite.run(['export', '--dir', path.join(dir, 'from-sqlite')])).code).toBe(0);
        await ok(['import', '--dir', path.join(dir, 'from-sqlite')]);
        await ok(['export', '--dir', path.join(dir, 'from-pg')]);
        expect(readFolder(path.join(dir, 'from-pg'))).toEqual(readFolder(path.join(dir, 'from-sqlite')));
      } finally {
        await sqlite.close();
      }
    });
  }
});
