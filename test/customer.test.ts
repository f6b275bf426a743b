import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeBackends, type BackendCli } from './backends.js';
import { expectRefused, type RunOptions } from './helpers.js';

describeBackends('customer commands', (backend, fresh) => {
let cli: BackendCli;
beforeEach(async () => {
  cli = await fresh();
});
afterEach(() => cli.close());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const STATUS_LIST = 'lead, qualified, proposal, negotiation, closed_won, closed_lost';

let archivedIds = 0;
/**
 * A fresh id for each archived customer a test inserts: ids are unique in the whole database,
 * and on PostgreSQL every test's team shares the file's one database.
 */
const archivedId = () => `aaaa0000-0000-4000-8000-${String(++archivedIds).padStart(12, '0')}`;

/** Rows with chosen ids, for refs that must collide; timestamps order them oldest first. */
async function insertCustomer(id: string, name: string, minute = 0, extra: { is_archived?: number; email?: string } = {}): Promise<void> {
  const at = new Date(Date.UTC(2026, 10, 1, 9, minute)).toISOString();
  await cli.sql(
    'INSERT INTO customers (id, name, email, is_archived, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)',
    [id, name, extra.email ?? null, extra.is_archived ?? 0, at, at],
  );
}

async function add(...args: string[]): Promise<any> {
  return cli.json(['customer', 'add', ...args]);
}

/** Adds customers one minute apart, so "newest first" has a single right answer. */
async function addInOrder(names: string[]): Promise<void> {
  for (const name of names) {
    await cli.run(['customer', 'add', name]);
    cli.clock.advance(60_000);
  }
}

function refused(argv: string[], expected: { code: number; stderr: string }, options: RunOptions = {}): Promise<void> {
  return expectRefused(cli, argv, expected, options);
}

describe('customer add', () => {
  it('adds a customer with every option and prints the data-model columns as JSON', async () => {
    const product = await cli.json(['product', 'add', 'Website audit']);
    const customer = await add(
      'Ada Lovelace',
      '--email', 'ada@example.com',
      '--phone', '+44 20 7946 0000',
      '--product', 'website audit',
      '--status', 'qualified',
      '--source', 'referral',
      '--owner', 'grace',
    );
    expect(customer).toEqual({
      id: expect.stringMatching(UUID),
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      phone: '+44 20 7946 0000',
      product_id: product.id,
      status: 'qualified',
      acquisition_source: 'referral',
      owner: 'grace',
      is_archived: false,
      created_at: '2026-11-25T10:00:00.000Z',
      updated_at: '2026-11-25T10:00:00.000Z',
      company_id: null,
      deal_value_minor: null,
      deal_currency: null,
      closed_at: null,
      note: null,
    });
  });

  it('defaults to status lead, no product, and the owner from CRM_OWNER', async () => {
    const customer = await add('Ada');
    expect(customer).toMatchObject({ status: 'lead', product_id: null, owner: null });
    const owned = await cli.json(['customer', 'add', 'Bob'], { env: { CRM_OWNER: 'grace' } });
    expect(owned.owner).toBe('grace');
    const overridden = await cli.json(['customer', 'add', 'Cy', '--owner', 'alan'], { env: { CRM_OWNER: 'grace' } });
    expect(overridden.owner).toBe('alan');
  });

  it('accepts a status in any case', async () => {
    expect((await add('Ada', '--status', 'Closed_Won')).status).toBe('closed_won');
  });

  it('prints the record with the product name and a confirmation on stderr', async () => {
    await cli.run(['product', 'add', 'Audit']);
    const result = await cli.run(['customer', 'add', 'Ada', '--product', 'audit']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^product +Audit$/m);
    expect(result.stdout).toMatch(/^status +lead$/m);
    expect(result.stderr).toMatch(/^✓ added customer "Ada" \([0-9a-f]{8}\)\n$/);
  });

  it('refuses an invalid email with exit 1 and changes nothing', async () => {
    await refused(['customer', 'add', 'Ada', '--email', 'ada-at-example'], {
      code: 1,
      stderr: 'error: invalid email "ada-at-example": expected an address like name@example.com\n',
    });
  });

  it('refuses an unknown status with exit 2, naming the valid ones', async () => {
    await refused(['customer', 'add', 'Ada', '--status', 'won'], {
      code: 2,
      stderr: `error: invalid status "won": use one of ${STATUS_LIST}\n`,
    });
  });

  it('refuses a blank name with exit 1', async () => {
    await refused(['customer', 'add', '  '], { code: 1, stderr: 'error: customer name is required\n' });
  });

  it('refuses an unknown product ref with exit 1', async () => {
    await refused(['customer', 'add', 'Ada', '--product', 'nothing'], {
      code: 1,
      stderr: 'error: no product matches "nothing" (by id, id prefix or name)\n',
    });
  });

  it('is a usage error naming the missing name when there is no terminal', async () => {
    await refused(['customer', 'add', '--email', 'ada@example.com'], {
      code: 2,
      stderr: 'error: missing customer name: give it as the first argument (no terminal to prompt on)\n',
    });
  });

  it('does not prompt with --no-input even on a terminal', async () => {
    await refused(
      ['--no-input', 'customer', 'add'],
      { code: 2, stderr: 'error: missing customer name: give it as the first argument (--no-input was given)\n' },
      { tty: true, env: { NO_COLOR: '1' } },
    );
  });
});

describe('customer add prompts (on a terminal, without a name)', () => {
  it('asks for every field, with selects for product (active ones + none) and status', async () => {
    await cli.run(['product', 'add', 'Audit']);
    await cli.run(['product', 'add', 'Retired', '--inactive']);
    const result = await cli.run(['customer', 'add', '--json'], {
      tty: true,
      env: { CRM_OWNER: 'grace' },
      answers: ['Ada Lovelace', 'ada@example.com', '555 0101', 'Audit', 'proposal', 'conference', undefined],
    });
    expect(result.code).toBe(0);
    expect(result.prompter.asked).toEqual([
      'Name:',
      'Email (optional):',
      'Phone (optional):',
      'Product:',
      'Status:',
      'Acquisition source (optional):',
      'Owner (optional):',
    ]);
    expect(JSON.parse(result.stdout)).toMatchObject({
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      phone: '555 0101',
      status: 'proposal',
      acquisition_source: 'conference',
      owner: 'grace',
    });
    const shown = await cli.json(['customer', 'show', 'ada lovelace']);
    expect(shown.product_name).toBe('Audit');
  });

  it('offers only active products plus "none", and "none" leaves the customer without one', async () => {
    await cli.run(['product', 'add', 'Audit']);
    await cli.run(['product', 'add', 'Retired', '--inactive']);
    const result = await cli.run(['customer', 'add', '--json'], {
      tty: true,
      answers: ['Ada', '', '', 'none', 'lead', '', ''],
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ product_id: null, email: null, phone: null, owner: null });
  });

  it('skips the questions the flags already answer', async () => {
    const result = await cli.run(['customer', 'add', '--email', 'ada@example.com', '--status', 'qualified', '--owner', 'alan', '--json'], {
      tty: true,
      answers: ['Ada', '555', 'web'],
    });
    expect(result.code).toBe(0);
    // No active product exists, so there is nothing to choose and no product question.
    expect(result.prompter.asked).toEqual(['Name:', 'Phone (optional):', 'Acquisition source (optional):']);
    expect(JSON.parse(result.stdout)).toMatchObject({
      name: 'Ada',
      email: 'ada@example.com',
      status: 'qualified',
      acquisition_source: 'web',
      owner: 'alan',
    });
  });

  it('checks the flags before asking anything, so no answer is typed in vain', async () => {
    const result = await cli.run(['customer', 'add', '--status', 'won'], { tty: true, answers: ['Ada'] });
    expect(result.code).toBe(2);
    expect(result.prompter.asked).toEqual([]);
    const unknownProduct = await cli.run(['customer', 'add', '--product', 'nope'], { tty: true, answers: ['Ada'] });
    expect(unknownProduct.code).toBe(1);
    expect(unknownProduct.prompter.asked).toEqual([]);
    const badEmail = await cli.run(['customer', 'add', '--email', 'nope'], { tty: true, answers: ['Ada'] });
    expect(badEmail.code).toBe(1);
    expect(badEmail.prompter.asked).toEqual([]);
  });
});

describe('customer list', () => {
  it('lists newest first as TSV with a header when piped, archived excluded', async () => {
    await cli.run(['product', 'add', 'Audit']);
    await cli.run(['customer', 'add', 'Ada', '--email', 'ada@example.com', '--product', 'audit', '--owner', 'grace']);
    cli.clock.advance(60_000);
    await cli.run(['customer', 'add', 'Bob', '--phone', '555\t01']);
    await insertCustomer(archivedId(), 'Archived Al', 0, { is_archived: 1 });
    const { stdout, stderr, code } = await cli.run(['customer', 'list']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('id\tname\temail\tphone\tstatus\tproduct_id\tproduct_name\towner\tcreated_at');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^[0-9a-f-]{36}\tBob\t\t555\\t01\tlead\t\t\t\t2026-11-25T10:01:00.000Z$/);
    expect(lines[2]).toMatch(/^[0-9a-f-]{36}\tAda\tada@example.com\t\tlead\t[0-9a-f-]{36}\tAudit\tgrace\t2026-11-25T10:00:00.000Z$/);
  });

  it('prints CSV and JSON in the data-model shape', async () => {
    await cli.run(['customer', 'add', 'Ada, Countess', '--email', 'ada@example.com']);
    const csv = await cli.run(['customer', 'list', '--format', 'csv']);
    const [header, row] = csv.stdout.trimEnd().split('\n');
    expect(header).toBe('id,name,email,phone,status,product_id,product_name,owner,created_at');
    expect(row).toMatch(/^[0-9a-f-]{36},"Ada, Countess",ada@example.com,,lead,,,,2026-11-25T10:00:00.000Z$/);
    const json = await cli.json(['customer', 'list']);
    expect(json).toHaveLength(1);
    expect(Object.keys(json[0])).toEqual([
      'id', 'name', 'email', 'phone', 'product_id', 'status', 'acquisition_source', 'owner', 'is_archived', 'created_at', 'updated_at',
      'company_id', 'deal_value_minor', 'deal_currency', 'closed_at', 'note',
    ]);
  });

  it('draws a table on a terminal', async () => {
    await cli.run(['customer', 'add', 'Ada Lovelace', '--status', 'closed_won']);
    const { stdout } = await cli.run(['customer', 'list'], { tty: true, columns: 120, env: { NO_COLOR: '1' } });
    expect(stdout).toContain('│ Ada Lovelace');
    expect(stdout).toContain('│ closed_won');
    expect(stdout).toContain('│ 2026-11-25 ');
    const coloured = await cli.run(['customer', 'list'], { tty: true });
    expect(coloured.stdout).toContain('\u001b[32mclosed_won\u001b[39m');
  });

  it('shows only archived customers with --archived, and both with --include-archived', async () => {
    await cli.run(['customer', 'add', 'Ada']);
    await insertCustomer(archivedId(), 'Archived Al', 0, { is_archived: 1 });
    const archived = await cli.json(['customer', 'list', '--archived']);
    expect(archived.map((c: { name: string }) => c.name)).toEqual(['Archived Al']);
    const both = await cli.run(['customer', 'list', '--include-archived']);
    expect(both.stdout.split('\n')[0]).toBe('id\tname\temail\tphone\tstatus\tproduct_id\tproduct_name\towner\tcreated_at\tis_archived');
    expect(both.stdout).toContain('\tArchived Al\t');
    expect(both.stdout).toMatch(/\tAda\t.*\tfalse\n/);
  });

  it('refuses --archived together with --include-archived', async () => {
    const result = await cli.run(['customer', 'list', '--archived', '--include-archived']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("option '--archived' cannot be used with option '--include-archived'");
  });

  it('filters by status, product and owner (case-insensitive)', async () => {
    await cli.run(['product', 'add', 'Audit']);
    await cli.run(['customer', 'add', 'Ada', '--status', 'qualified', '--owner', 'Grace']);
    await cli.run(['customer', 'add', 'Bob', '--product', 'audit']);
    await cli.run(['customer', 'add', 'Cy', '--owner', 'alan']);
    const names = async (...args: string[]) =>
      (await cli.json(['customer', 'list', ...args])).map((c: { name: string }) => c.name);
    expect(await names('--status', 'qualified')).toEqual(['Ada']);
    expect(await names('--product', 'AUDIT')).toEqual(['Bob']);
    expect(await names('--owner', 'grace')).toEqual(['Ada']);
    expect(await names('--status', 'lead', '--owner', 'alan')).toEqual(['Cy']);
  });

  it('sorts by name, status (pipeline order) and last update', async () => {
    await cli.run(['customer', 'add', 'bob', '--status', 'negotiation']);
    cli.clock.advance(60_000);
    await cli.run(['customer', 'add', 'Ada', '--status', 'closed_lost']);
    cli.clock.advance(60_000);
    await cli.run(['customer', 'add', 'Cy', '--status', 'qualified']);
    cli.clock.advance(60_000);
    await cli.run(['customer', 'edit', 'bob', '--phone', '1']);
    const names = async (sort: string) =>
      (await cli.json(['customer', 'list', '--sort', sort])).map((c: { name: string }) => c.name);
    expect(await names('created')).toEqual(['Cy', 'Ada', 'bob']);
    expect(await names('name')).toEqual(['Ada', 'bob', 'Cy']);
    expect(await names('status')).toEqual(['Cy', 'bob', 'Ada']);
    expect(await names('updated')).toEqual(['bob', 'Cy', 'Ada']);
  });

  it('refuses an unknown sort key with exit 2', async () => {
    const result = await cli.run(['customer', 'list', '--sort', 'email']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("argument 'email' is invalid. Allowed choices are created, updated, name, status.");
  });

  it('refuses an unknown status filter with exit 2, naming the valid ones', async () => {
    await refused(['customer', 'list', '--status', 'hot'], {
      code: 2,
      stderr: `error: invalid status "hot": use one of ${STATUS_LIST}\n`,
    });
  });

  it('refuses an unknown product filter with exit 1', async () => {
    await refused(['customer', 'list', '--product', 'nothing'], {
      code: 1,
      stderr: 'error: no product matches "nothing" (by id, id prefix or name)\n',
    });
  });

  it('says so on stderr when nothing matches', async () => {
    const result = await cli.run(['customer', 'list']);
    expect(result).toMatchObject({ code: 0, stdout: 'id\tname\temail\tphone\tstatus\tproduct_id\tproduct_name\towner\tcreated_at\n', stderr: 'no customers match\n' });
  });
});

describe('customer list pagination', () => {
  beforeEach(async () => {
    await addInOrder(Array.from({ length: 25 }, (_, i) => `Customer ${String(i + 1).padStart(2, '0')}`));
  });
  const names = (stdout: string) => stdout.trimEnd().split('\n').slice(1).map((line) => line.split('\t')[1]);

  it('shows 20 by default with a footer on stderr saying how many more there are', async () => {
    const result = await cli.run(['customer', 'list']);
    expect(names(result.stdout)).toHaveLength(20);
    expect(names(result.stdout)[0]).toBe('Customer 25');
    expect(result.stderr).toBe('showing 1–20 of 25; 5 more: --page 2 for the next, --all for everything\n');
  });

  it('shows the next page with --page, and says where it is', async () => {
    const result = await cli.run(['customer', 'list', '--page', '2']);
    expect(names(result.stdout)).toEqual(['Customer 05', 'Customer 04', 'Customer 03', 'Customer 02', 'Customer 01']);
    expect(result.stderr).toBe('showing 21–25 of 25\n');
  });

  it('pages by --limit', async () => {
    const result = await cli.run(['customer', 'list', '--limit', '10', '--page', '2']);
    expect(names(result.stdout)[0]).toBe('Customer 15');
    expect(names(result.stdout)).toHaveLength(10);
    expect(result.stderr).toBe('showing 11–20 of 25; 5 more: --page 3 for the next, --all for everything\n');
  });

  it('shows everything with --all and no footer', async () => {
    const result = await cli.run(['customer', 'list', '--all']);
    expect(names(result.stdout)).toHaveLength(25);
    expect(result.stderr).toBe('');
  });

  it('says when a page is past the end', async () => {
    const result = await cli.run(['customer', 'list', '--page', '4', '--limit', '10']);
    expect(result.code).toBe(0);
    expect(names(result.stdout)).toEqual([]);
    expect(result.stderr).toBe('page 4 is past the end: 25 customer(s) make 3 page(s) of 10\n');
  });

  it.each([
    [['--limit', 'abc'], 'error: invalid --limit "abc": use a whole number of 1 or more\n'],
    [['--limit', '0'], 'error: invalid --limit "0": use a whole number of 1 or more\n'],
    [['--limit', '2.5'], 'error: invalid --limit "2.5": use a whole number of 1 or more\n'],
    [['--page', '0'], 'error: invalid --page "0": use a whole number of 1 or more\n'],
    [['--page', 'two'], 'error: invalid --page "two": use a whole number of 1 or more\n'],
  ])('refuses %j with exit 2', async (args, stderr) => {
    await refused(['customer', 'list', ...args], { code: 2, stderr });
  });

  it('refuses --all with --page or --limit', async () => {
    expect((await cli.run(['customer', 'list', '--all', '--page', '2'])).code).toBe(2);
    expect((await cli.run(['customer', 'list', '--all', '--limit', '5'])).code).toBe(2);
  });
});

describe('customer search', () => {
  beforeEach(async () => {
    await cli.run(['customer', 'add', 'Ada Lovelace', '--email', 'ada@analytical.org']);
    await cli.run(['customer', 'add', 'Charles Babbage', '--phone', '+44 555 0199', '--email', 'cb@engine.co']);
    await cli.run(['customer', 'add', '100% Real']);
    await insertCustomer(archivedId(), 'Ada Archived', 0, { is_archived: 1 });
  });
  const found = async (text: string) =>
    (await cli.json(['customer', 'search', text])).map((c: { name: string }) => c.name);

  it('matches name, email or phone, case-insensitively, archived excluded', async () => {
    expect(await found('ADA')).toEqual(['Ada Lovelace']);
    expect(await found('ENGINE.co')).toEqual(['Charles Babbage']);
    expect(await found('555 01')).toEqual(['Charles Babbage']);
    expect(await found('a')).toEqual(['Ada Lovelace', 'Charles Babbage', '100% Real'].sort());
  });

  it('folds ASCII and other text alike: case, compatibility forms, and letters that fold to ASCII', async () => {
    await cli.run(['customer', 'add', 'JOHN SMITH']);
    await cli.run(['customer', 'add', 'Jo ſmith']);
    await cli.run(['customer', 'add', 'Ｓｍｉｔｈ Fullwidth']);
    await cli.run(['customer', 'add', 'Zoë Ng', '--email', 'ZOE@SMITH.EXAMPLE']);
    await cli.run(['customer', 'add', 'İlker Yılmaz']);
    expect(await found('smith')).toEqual(['Jo ſmith', 'JOHN SMITH', 'Zoë Ng', 'Ｓｍｉｔｈ Fullwidth']);
    expect(await found('ZOË')).toEqual(['Zoë Ng']);
    expect(await found('yilmaz')).toEqual(['İlker Yılmaz']);
  });

  it('matches % and _ literally', async () => {
    expect(await found('0%')).toEqual(['100% Real']);
    expect(await found('_')).toEqual([]);
  });

  it('formats like a list', async () => {
    const result = await cli.run(['customer', 'search', 'lovelace']);
    expect(result.stdout.split('\n')[0]).toBe('id\tname\temail\tphone\tstatus\tproduct_id\tproduct_name\towner\tcreated_at');
    expect(result.stdout).toContain('\tAda Lovelace\tada@analytical.org\t');
  });

  it('says so when nothing matches, and refuses blank text', async () => {
    const none = await cli.run(['customer', 'search', 'zebra']);
    expect(none).toMatchObject({ code: 0, stderr: 'no customer\'s name, email or phone contains "zebra"\n' });
    await refused(['customer', 'search', ' '], {
      code: 2,
      stderr: 'error: nothing to search for: give some text (use "customer list" to see everyone)\n',
    });
  });
});

describe('customer show', () => {
  it('shows the record with its product name and its interactions, newest first', async () => {
    await cli.run(['product', 'add', 'Audit']);
    const ada = await add('Ada', '--product', 'audit');
    await cli.run(['interaction', 'log', 'ada', '--channel', 'phone', '--type', 'Intro call', '--note', 'older note']);
    cli.clock.advance(3_600_000);
    await cli.run(['interaction', 'log', 'ada', '--channel', 'email', '--type', 'Quote', '--note', 'newer note']);
    const shown = await cli.json(['customer', 'show', 'ADA']);
    expect(shown).toMatchObject({ id: ada.id, name: 'Ada', product_id: ada.product_id, product_name: 'Audit' });
    expect(shown.interactions.map((i: { note: string }) => i.note)).toEqual(['newer note', 'older note']);
    expect(shown.interactions[0]).toEqual({
      id: expect.stringMatching(UUID),
      customer_id: ada.id,
      type: 'Quote',
      channel: 'email',
      note: 'newer note',
      follow_up_date: null,
      created_at: '2026-11-25T11:00:00.000Z',
    });

    const text = await cli.run(['customer', 'show', ada.id.slice(0, 6)]);
    expect(text.stdout).toMatch(/^product +Audit$/m);
    expect(text.stdout).toContain('interactions (2, newest first)');
    expect(text.stdout.indexOf('newer note')).toBeLessThan(text.stdout.indexOf('older note'));
  });

  it('says when there is no history', async () => {
    await cli.run(['customer', 'add', 'Ada']);
    const { stdout } = await cli.run(['customer', 'show', 'ada']);
    expect(stdout).toContain('no interactions logged yet');
  });

  it('reports an unknown ref with exit 1', async () => {
    await refused(['customer', 'show', 'nobody'], {
      code: 1,
      stderr: 'error: no customer matches "nobody" (by id, id prefix or name)\n',
    });
  });

  it('reports an id prefix shared by two customers as ambiguous, listing both', async () => {
    await insertCustomer('abcd1111-0000-4000-8000-000000000001', 'Ann');
    await insertCustomer('abcd2222-0000-4000-8000-000000000002', 'Ben');
    await refused(['customer', 'show', 'abcd'], {
      code: 1,
      stderr: 'error: "abcd" matches 2 records: abcd1111 Ann, abcd2222 Ben; use a longer id prefix\n',
    });
    expect((await cli.json(['customer', 'show', 'abcd2'])).name).toBe('Ben');
  });

  it('reports a name shared by two customers as ambiguous', async () => {
    await insertCustomer('11110000-0000-4000-8000-000000000001', 'Ada');
    await insertCustomer('22220000-0000-4000-8000-000000000002', 'ADA');
    await refused(['customer', 'show', 'ada'], {
      code: 1,
      stderr: 'error: "ada" matches 2 records: 11110000 Ada, 22220000 ADA; use a longer id prefix\n',
    });
  });
});

describe('customer edit', () => {
  beforeEach(async () => {
    await cli.run(['product', 'add', 'Audit']);
    await cli.run(['product', 'add', 'Coaching']);
    await cli.run(['customer', 'add', 'Ada', '--email', 'ada@example.com', '--product', 'audit', '--source', 'web']);
    cli.clock.advance(60_000);
  });

  it('changes the given fields and moves updated_at', async () => {
    const edited = await cli.json([
      'customer', 'edit', 'ada', '--name', 'Ada Lovelace', '--email', 'ada@new.org', '--phone', '555',
      '--product', 'coaching', '--source', 'referral', '--owner', 'grace',
    ]);
    const coaching = await cli.json(['product', 'show', 'coaching']);
    expect(edited).toMatchObject({
      name: 'Ada Lovelace',
      email: 'ada@new.org',
      phone: '555',
      product_id: coaching.id,
      acquisition_source: 'referral',
      owner: 'grace',
      status: 'lead',
      created_at: '2026-11-25T10:00:00.000Z',
      updated_at: '2026-11-25T10:01:00.000Z',
    });
  });

  it("keeps crm's clock for a second edit at the same instant (no server or wall-clock time slips in)", async () => {
    expect((await cli.run(['customer', 'edit', 'ada', '--phone', '555'])).code).toBe(0);
    const second = await cli.json(['customer', 'edit', 'ada', '--phone', '556']);
    expect(second).toMatchObject({ phone: '556', updated_at: '2026-11-25T10:01:00.000Z' });
    expect((await cli.json(['customer', 'show', 'ada'])).updated_at).toBe('2026-11-25T10:01:00.000Z');
  });

  it('unlinks the product with --no-product and clears fields with ""', async () => {
    const edited = await cli.json(['customer', 'edit', 'ada', '--no-product', '--email', '', '--source', '']);
    expect(edited).toMatchObject({ product_id: null, email: null, acquisition_source: null });
  });

  it('leaves updated_at alone when nothing actually differs', async () => {
    const result = await cli.run(['customer', 'edit', 'ada', '--email', 'ada@example.com']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('"Ada" already had those values; nothing changed\n');
    expect((await cli.json(['customer', 'show', 'ada'])).updated_at).toBe('2026-11-25T10:00:00.000Z');
  });

  it('needs something to change', async () => {
    await refused(['customer', 'edit', 'ada'], {
      code: 2,
      stderr: 'error: nothing to change: give --name, --email, --phone, --company, --no-company, --value, --no-value, --product, --no-product, --source, --owner, --note or --edit-note\n',
    });
  });

  it('refuses an invalid email, a blank name and an unknown product, changing nothing', async () => {
    await refused(['customer', 'edit', 'ada', '--email', 'nope', '--phone', '1'], {
      code: 1,
      stderr: 'error: invalid email "nope": expected an address like name@example.com\n',
    });
    await refused(['customer', 'edit', 'ada', '--name', ''], { code: 1, stderr: 'error: customer name is required\n' });
    await refused(['customer', 'edit', 'ada', '--product', 'nothing'], {
      code: 1,
      stderr: 'error: no product matches "nothing" (by id, id prefix or name)\n',
    });
  });

  it('does not take --status (that is "customer move")', async () => {
    const result = await cli.run(['customer', 'edit', 'ada', '--status', 'qualified']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--status'");
  });
});

describe('customer move', () => {
  beforeEach(async () => {
    await cli.run(['customer', 'add', 'Ada']);
    cli.clock.advance(60_000);
  });

  it('moves a customer to another stage', async () => {
    const result = await cli.run(['customer', 'move', 'ada', 'Proposal']);
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '✓ moved "Ada" from lead to proposal\n' });
    expect(await cli.json(['customer', 'show', 'ada'])).toMatchObject({
      status: 'proposal',
      updated_at: '2026-11-25T10:01:00.000Z',
    });
  });

  it('prints the customer with --json, and takes "closed won" for closed_won', async () => {
    const moved = await cli.json(['customer', 'move', 'ada', 'Closed won']);
    expect(moved).toMatchObject({ name: 'Ada', status: 'closed_won' });
    expect(moved).not.toHaveProperty('product_name');
  });

  it('says nothing changed when the customer is already there', async () => {
    const result = await cli.run(['customer', 'move', 'ada', 'lead']);
    expect(result).toMatchObject({ code: 0, stderr: '"Ada" is already lead; nothing changed\n' });
    expect((await cli.json(['customer', 'show', 'ada'])).updated_at).toBe('2026-11-25T10:00:00.000Z');
  });

  it('refuses an unknown status with exit 2, like every other status option', async () => {
    await refused(['customer', 'move', 'ada', 'won'], {
      code: 2,
      stderr: `error: invalid status "won": use one of ${STATUS_LIST}\n`,
    });
  });

  it('refuses an unknown ref with exit 1', async () => {
    await refused(['customer', 'move', 'bob', 'qualified'], {
      code: 1,
      stderr: 'error: no customer matches "bob" (by id, id prefix or name)\n',
    });
  });
});

describe('customer delete', () => {
  beforeEach(async () => {
    await cli.run(['customer', 'add', 'Ada']);
    await cli.run(['customer', 'add', 'Bob']);
    for (const note of ['one', 'two']) {
      await cli.run(['interaction', 'log', 'ada', '-c', 'phone', '-t', 'Call', '--note', note]);
    }
  });

  it('needs --yes when there is no terminal', async () => {
    await refused(['customer', 'delete', 'ada'], {
      code: 2,
      stderr: 'error: deleting customer "Ada" needs confirmation: pass --yes (no terminal to ask on)\n',
    });
  });

  it('asks on a terminal and keeps everything when the answer is no', async () => {
    const before = await cli.snapshot();
    const result = await cli.run(['customer', 'delete', 'ada'], { tty: true, env: { NO_COLOR: '1' }, answers: [false] });
    expect(result).toMatchObject({ code: 1, stderr: 'error: cancelled; nothing was changed\n' });
    expect(result.prompter.asked).toEqual(['Delete customer "Ada" and 2 interactions? This cannot be undone']);
    expect(await cli.snapshot()).toEqual(before);
  });

  it('deletes the customer and its interactions, saying how many', async () => {
    const result = await cli.run(['customer', 'delete', 'ada', '--yes']);
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '✓ deleted customer "Ada" and 2 interactions\n' });
    const left = await cli.snapshot();
    expect((left.customers as Array<{ name: string }>).map((c) => c.name)).toEqual(['Bob']);
    expect(left.customer_interactions).toEqual([]);
  });

  it('deletes after a yes on a terminal', async () => {
    const result = await cli.run(['customer', 'delete', 'bob'], { tty: true, env: { NO_COLOR: '1' }, answers: [true] });
    expect(result.code).toBe(0);
    expect(result.prompter.asked).toEqual(['Delete customer "Bob" and 0 interactions? This cannot be undone']);
    expect(result.stderr).toBe('✓ deleted customer "Bob" and 0 interactions\n');
    expect(((await cli.snapshot()).customers as Array<{ name: string }>).map((c) => c.name)).toEqual(['Ada']);
  });

  it('refuses an unknown ref before asking anything', async () => {
    await refused(
      ['customer', 'delete', 'cy'],
      { code: 1, stderr: 'error: no customer matches "cy" (by id, id prefix or name)\n' },
      { tty: true, env: { NO_COLOR: '1' } },
    );
  });
});

describe('customer --help', () => {
  it.each(['add', 'list', 'search', 'show', 'edit', 'move', 'archive', 'restore', 'delete'])('%s has examples', async (verb) => {
    const result = await cli.run(['customer', verb, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Examples:');
    expect(result.stdout).toContain(`$ crm customer ${verb}`);
  });
});
});
