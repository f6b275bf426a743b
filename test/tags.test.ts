import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeBackends, type BackendCli } from './backends.js';
import { expectRefused } from './helpers.js';

describeBackends('tags and notes', (backend, fresh) => {
  let cli: BackendCli;
  beforeEach(async () => {
    cli = await fresh();
  });
  afterEach(() => cli.close());

  async function add(name: string, ...args: string[]): Promise<{ id: string; name: string }> {
    const customer = await cli.json<{ id: string; name: string }>(['customer', 'add', name, ...args]);
    cli.clock.advance(60_000);
    return customer;
  }

  async function tagsOf(ref: string): Promise<string[]> {
    return (await cli.json<{ tags: string[] }>(['customer', 'show', ref])).tags;
  }

  describe('tag add and remove', () => {
    it('adds tags in the order given, says so on stderr, and shows them in customer show', async () => {
      const ada = await add('Ada Lovelace');
      const result = await cli.run(['tag', 'ada lovelace', 'add', 'referral', 'big client']);
      expect(result).toMatchObject({ code: 0, stdout: '' });
      expect(result.stderr).toBe(`✓ tagged "Ada Lovelace" (${ada.id.slice(0, 8)}) "referral", "big client"\n`);
      expect(await tagsOf(ada.id)).toEqual(['referral', 'big client']);
      const show = await cli.run(['customer', 'show', 'Ada Lovelace']);
      expect(show.stdout).toContain('\ntags        referral, big client\n');
    });

    it('ignores case in any script: a tag the customer has is not added twice', async () => {
      await add('Ada');
      await cli.run(['tag', 'ada', 'add', 'Été']);
      const again = await cli.run(['tag', 'ada', 'add', 'ÉTÉ', 'new']);
      expect(again.code).toBe(0);
      expect(again.stderr).toContain('"Ada" (');
      expect(again.stderr).toContain('already had "Été"\n');
      expect(await tagsOf('ada')).toEqual(['Été', 'new']);
    });

    it('gives a tag the spelling it already has on other customers', async () => {
      await add('Ada');
      await add('Grace');
      await cli.run(['tag', 'ada', 'add', 'VIP']);
      const grace = await cli.json<{ tags: string[] }>(['tag', 'grace', 'add', 'vip']);
      expect(grace.tags).toEqual(['VIP']);
      expect(await cli.json(['tag', 'list'])).toEqual([{ tag: 'VIP', customers: 2, archived: 0 }]);
    });

    it('prints the customer and its tags with --json', async () => {
      const ada = await add('Ada');
      expect(await cli.json(['tag', ada.id.slice(0, 8), 'add', ' trimmed '])).toEqual({ customer_id: ada.id, name: 'Ada', tags: ['trimmed'] });
    });

    it('removes tags ignoring case and says which were not there', async () => {
      const ada = await add('Ada');
      await cli.run(['tag', 'ada', 'add', 'referral', 'vip']);
      const result = await cli.run(['tag', 'ada', 'remove', 'VIP', 'cold']);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe(`✓ removed "vip" from "Ada" (${ada.id.slice(0, 8)})\n"Ada" (${ada.id.slice(0, 8)}) did not have "cold"\n`);
      expect(await tagsOf('ada')).toEqual(['referral']);
    });

    it('refuses tags that break the rules, changing nothing', async () => {
      await add('Ada');
      const cases: Array<[string, string]> = [
        ['a,b', 'error: invalid tag "a,b": a tag cannot contain commas, line breaks or tabs\n'],
        ['two\nlines', 'error: invalid tag "two?lines": a tag cannot contain commas, line breaks or tabs\n'],
        ['   ', 'error: a tag cannot be empty\n'],
        ['x'.repeat(65), `error: invalid tag "${'x'.repeat(65)}": at most 64 characters\n`],
      ];
      for (const [tag, stderr] of cases) await expectRefused(cli, ['tag', 'ada', 'add', 'fine', tag], { code: 1, stderr });
    });

    it('refuses an unknown action with exit 2 and an unknown customer with exit 1', async () => {
      await add('Ada');
      await expectRefused(cli, ['tag', 'ada', 'put', 'x'], {
        code: 2,
        stderr: 'error: unknown tag action "put": use add or remove (crm tag <customer-ref> add|remove <tag...>)\n',
      });
      await expectRefused(cli, ['tag', 'nobody', 'add', 'x'], { code: 1, stderr: 'error: no customer matches "nobody" (by id, id prefix or name)\n' });
    });

    it('records adding and removing a tag in the customer\'s history', async () => {
      await add('Ada');
      await cli.run(['tag', 'ada', 'add', 'vip']);
      cli.clock.advance(60_000);
      await cli.run(['tag', 'ada', 'remove', 'vip']);
      const history = await cli.json<Array<{ table_name: string; action: string; old_values: unknown; new_values: unknown }>>(['history', 'ada']);
      const tags = history.filter((entry) => entry.table_name === 'customer_tags');
      expect(tags.map((entry) => entry.action)).toEqual(['insert', 'delete']);
      expect(tags[0]!.new_values).toMatchObject({ tag: 'vip', created_at: '2026-11-25T10:01:00.000Z' });
      const text = await cli.run(['history', 'ada']);
      // On PostgreSQL the server stamps entries with its own time.
      expect(text.stdout).toMatch(/\n\S+Z {2}insert {2}tag [0-9a-f]{8} {2}"vip" {2}by /);
    });
  });

  describe('tag list and rename', () => {
    it('lists every tag once with its customers and archived customers, A-Z ignoring case', async () => {
      await add('Ada');
      await add('Grace');
      const linus = await add('Linus');
      await cli.run(['tag', 'ada', 'add', 'vip', 'Beta']);
      await cli.run(['tag', 'grace', 'add', 'VIP']);
      await cli.run(['tag', 'linus', 'add', 'vip']);
      await cli.run(['customer', 'archive', linus.id]);
      const tsv = await cli.run(['tag', 'list']);
      expect(tsv.stdout).toBe('tag\tcustomers\tarchived\nBeta\t1\t0\nvip\t2\t1\n');
      expect(await cli.json(['tag', 'list'])).toEqual([
        { tag: 'Beta', customers: 1, archived: 0 },
        { tag: 'vip', customers: 2, archived: 1 },
      ]);
    });

    it('says how to add one when there are none', async () => {
      expect(await cli.run(['tag', 'list'])).toMatchObject({ code: 0, stdout: 'tag\tcustomers\tarchived\n', stderr: 'no tags yet: crm tag <customer-ref> add <tag>\n' });
    });

    it('renames a tag on every customer, merging into a tag a customer already has', async () => {
      await add('Ada');
      await add('Grace');
      await cli.run(['tag', 'ada', 'add', 'big client', 'key-account']);
      await cli.run(['tag', 'grace', 'add', 'Big Client']);
      const result = await cli.run(['tag', 'rename', 'BIG CLIENT', 'key-account']);
      expect(result).toMatchObject({ code: 0, stdout: '', stderr: '✓ renamed tag "big client" to "key-account" on 2 customer(s)\n' });
      expect(await tagsOf('ada')).toEqual(['key-account']);
      expect(await tagsOf('grace')).toEqual(['key-account']);
      expect(await cli.json(['tag', 'list'])).toEqual([{ tag: 'key-account', customers: 2, archived: 0 }]);
      const history = await cli.json<Array<{ table_name: string; action: string }>>(['history', 'grace']);
      expect(history.filter((entry) => entry.table_name === 'customer_tags').map((entry) => entry.action)).toEqual(['insert', 'update']);
    });

    it('keeps the tag added first when a customer had both, with its date', async () => {
      await add('Ada');
      await cli.run(['tag', 'ada', 'add', 'new']);
      cli.clock.advance(60_000);
      await cli.run(['tag', 'ada', 'add', 'old']);
      await cli.run(['tag', 'rename', 'old', 'new']);
      const rows = await cli.sql<{ tag: string; created_at: unknown }>('SELECT tag, created_at FROM customer_tags');
      expect(rows.map((row) => row.tag)).toEqual(['new']);
      expect(String(rows[0]!.created_at)).toContain('10:01:00');
    });

    it('respells a tag everywhere when only its case changes, and says when nothing would change', async () => {
      await add('Ada');
      await add('Grace');
      await cli.run(['tag', 'ada', 'add', 'vip']);
      await cli.run(['tag', 'grace', 'add', 'vip']);
      expect((await cli.run(['tag', 'rename', 'vip', 'VIP'])).stderr).toBe('✓ renamed tag "vip" to "VIP" on 2 customer(s)\n');
      expect(await tagsOf('grace')).toEqual(['VIP']);
      expect(await cli.run(['tag', 'rename', 'vip', 'VIP'])).toMatchObject({ code: 0, stderr: 'the tag is already "VIP"; nothing changed\n' });
      expect(await cli.json(['tag', 'rename', 'VIP', 'Vip'])).toEqual({ from: 'VIP', to: 'Vip', customers: 2, changed: true });
    });

    it('refuses to rename a tag nobody has, or to an invalid name', async () => {
      await add('Ada');
      await cli.run(['tag', 'ada', 'add', 'vip']);
      await expectRefused(cli, ['tag', 'rename', 'gold', 'vip'], { code: 1, stderr: 'error: no customer has the tag "gold"\n' });
      await expectRefused(cli, ['tag', 'rename', 'vip', 'a, b'], {
        code: 1,
        stderr: 'error: invalid tag "a, b": a tag cannot contain commas, line breaks or tabs\n',
      });
    });
  });

  describe('customer list --tag', () => {
    it('lists the customers having every tag given, ignoring case', async () => {
      await add('Ada');
      await add('Grace');
      await add('Linus');
      await cli.run(['tag', 'ada', 'add', 'referral', 'vip']);
      await cli.run(['tag', 'grace', 'add', 'referral']);
      await cli.run(['tag', 'linus', 'add', 'VIP']);
      const names = async (...args: string[]) => (await cli.json<Array<{ name: string }>>(['customer', 'list', ...args])).map((c) => c.name);
      expect(await names('--tag', 'REFERRAL')).toEqual(['Grace', 'Ada']);
      expect(await names('--tag', 'referral', '-t', 'vip')).toEqual(['Ada']);
      expect(await names('--tag', 'vip', '--sort', 'name')).toEqual(['Ada', 'Linus']);
      expect(await names('--tag', 'gold')).toEqual([]);
      const counted = await cli.run(['customer', 'list', '--tag', 'vip', '--limit', '1']);
      expect(counted.stderr).toBe('showing 1–1 of 2; 1 more: --page 2 for the next, --all for everything\n');
    });

    it('counts archived customers with a tag when asked for them', async () => {
      const ada = await add('Ada');
      await add('Grace');
      await cli.run(['tag', 'ada', 'add', 'vip']);
      await cli.run(['tag', 'grace', 'add', 'vip']);
      await cli.run(['customer', 'archive', ada.id]);
      expect((await cli.json<unknown[]>(['customer', 'list', '--tag', 'vip'])).length).toBe(1);
      expect((await cli.json<unknown[]>(['customer', 'list', '--tag', 'vip', '--include-archived'])).length).toBe(2);
      const only = await cli.run(['customer', 'list', '--tag', 'vip', '--archived', '--limit', '5']);
      expect(only.stdout.split('\n').filter(Boolean)).toHaveLength(2);
    });
  });

  describe('raw SQL', () => {
    it('a tag written with plain SQL is a tag like any other, and the rules hold', async () => {
      const ada = await add('Ada');
      await cli.sql('INSERT INTO customer_tags (customer_id, tag) VALUES ($1, $2)', [ada.id, 'shell']);
      expect(await tagsOf('ada')).toEqual(['shell']);
      expect((await cli.json<Array<{ name: string }>>(['customer', 'list', '--tag', 'SHELL'])).map((c) => c.name)).toEqual(['Ada']);
      await expect(cli.sql('INSERT INTO customer_tags (customer_id, tag) VALUES ($1, $2)', [ada.id, 'a,b'])).rejects.toThrow(/customer_tags_tag_valid/);
      await expect(cli.sql('INSERT INTO customer_tags (customer_id, tag) VALUES ($1, $2)', [ada.id, ' padded'])).rejects.toThrow(/customer_tags_tag_valid/);
      await expect(cli.sql('INSERT INTO customer_tags (customer_id, tag) VALUES ($1, $2)', [ada.id, 'SHELL'])).rejects.toThrow(/UNIQUE|unique|duplicate/);
      await expect(cli.sql('INSERT INTO customer_tags (customer_id, tag) VALUES ($1, $2)', ['no-such-customer', 'x'])).rejects.toThrow(/FOREIGN KEY|foreign key|names no customer/);
      await cli.sql('DELETE FROM customers WHERE id = $1', [ada.id]);
      expect(await cli.sql('SELECT * FROM customer_tags')).toEqual([]);
    });
  });

  describe('customer notes', () => {
    it('sets, replaces and clears a note of several lines, shown under the customer and in JSON', async () => {
      const ada = await add('Ada', '--note', 'Met at the Analytical Society');
      expect((await cli.json<{ note: string }>(['customer', 'show', 'ada'])).note).toBe('Met at the Analytical Society');
      const edited = await cli.run(['customer', 'edit', 'ada', '--note', 'Prefers letters\r\nPartner: Charles  ']);
      expect(edited.code).toBe(0);
      expect(edited.stdout).toContain('\nnote        Prefers letters\n            Partner: Charles\n');
      expect((await cli.json<{ note: string }>(['customer', 'show', ada.id])).note).toBe('Prefers letters\nPartner: Charles');
      await cli.run(['customer', 'edit', 'ada', '--note', '']);
      expect((await cli.json<{ note: string | null }>(['customer', 'show', ada.id])).note).toBeNull();
    });

    it('reads the note from stdin with --note -', async () => {
      await add('Ada');
      await cli.run(['customer', 'edit', 'ada', '--note', '-'], { stdin: 'From a file\nsecond line\n' });
      expect((await cli.json<{ note: string }>(['customer', 'show', 'ada'])).note).toBe('From a file\nsecond line');
    });

    it('opens the editor on a terminal with --edit-note, starting from the current note', async () => {
      await add('Ada', '--note', 'old');
      const result = await cli.run(['customer', 'edit', 'ada', '--edit-note'], { tty: true, answers: ['new from the editor'] });
      expect(result.code).toBe(0);
      expect(result.prompter.asked).toEqual(['Note on "Ada" (opens your editor):']);
      expect((await cli.json<{ note: string }>(['customer', 'show', 'ada'])).note).toBe('new from the editor');
    });

    it('refuses --edit-note without a terminal, and --note with --edit-note', async () => {
      await add('Ada');
      await expectRefused(cli, ['customer', 'edit', 'ada', '--edit-note'], {
        code: 2,
        stderr: 'error: --edit-note opens an editor, which needs a terminal (no terminal to prompt on); use --note TEXT or --note - instead\n',
      });
      await expectRefused(cli, ['customer', 'edit', 'ada', '--note', 'x', '--edit-note'], {
        code: 2,
        stderr: "error: option '--note <text>' cannot be used with option '--edit-note'\n",
      });
    });

    it('is editable and audited, unlike interactions', async () => {
      await add('Ada');
      await cli.run(['customer', 'edit', 'ada', '--note', 'first']);
      cli.clock.advance(60_000);
      await cli.run(['customer', 'edit', 'ada', '--note', 'second']);
      const history = await cli.json<Array<{ table_name: string; action: string; old_values: { note?: string } | null; new_values: { note?: string } | null }>>(['history', 'ada']);
      const updates = history.filter((entry) => entry.action === 'update');
      expect(updates.map((entry) => [entry.old_values?.note, entry.new_values?.note])).toEqual([
        [null, 'first'],
        ['first', 'second'],
      ]);
      const text = await cli.run(['history', 'ada']);
      expect(text.stdout).toContain('note: first → second');
    });
  });

  it(`runs on ${backend}`, () => {
    expect(cli.backend).toBe(backend);
  });
});
