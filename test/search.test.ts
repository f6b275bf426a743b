import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeBackends, type BackendCli } from './backends.js';
import { expectRefused } from './helpers.js';

interface Hit {
  id: string;
  name: string;
  tags: string[];
  note: string | null;
  product_name: string | null;
  matches: Array<{ field: string; snippet: string; interaction?: { id: string; type: string; channel: string; created_at: string } }>;
  more_interactions: number;
}

describeBackends('crm search', (backend, fresh) => {
  let cli: BackendCli;
  beforeEach(async () => {
    cli = await fresh();
  });
  afterEach(() => cli.close());

  async function add(name: string, ...args: string[]): Promise<{ id: string }> {
    const customer = await cli.json<{ id: string }>(['customer', 'add', name, ...args]);
    cli.clock.advance(60_000);
    return customer;
  }

  async function log(ref: string, type: string, note: string): Promise<void> {
    await cli.run(['interaction', 'log', ref, '--channel', 'phone', '--type', type, '--note', note]);
    cli.clock.advance(60_000);
  }

  const search = (...words: string[]) => cli.json<Hit[]>(['search', ...words]);
  const names = async (...words: string[]) => (await search(...words)).map((hit) => hit.name);

  describe('what matches', () => {
    it('ignores case and accents: angstrom finds Ångström, ZOLA finds Émile Zola, sondergaard finds Søndergaard', async () => {
      await add('Anders Ångström');
      await add('Émile Zola');
      await add('Søren Søndergaard');
      await add('Łukasz Strauß');
      expect(await names('angstrom')).toEqual(['Anders Ångström']);
      expect(await names('ZOLA')).toEqual(['Émile Zola']);
      expect(await names('emile')).toEqual(['Émile Zola']);
      expect(await names('sondergaard')).toEqual(['Søren Søndergaard']);
      expect(await names('lukasz', 'strauss')).toEqual(['Łukasz Strauß']);
    });

    it('matches the beginning of words: quo finds "quote" in an interaction, but uote does not', async () => {
      await add('Ada Lovelace');
      await log('ada lovelace', 'Intro call', 'Wants a quote for the engine');
      expect(await names('quo')).toEqual(['Ada Lovelace']);
      expect(await names('uote')).toEqual([]);
    });

    it('needs every word, each anywhere in the customer or their interactions', async () => {
      await add('Émile Zola');
      await add('Victor Hugo');
      await log('émile zola', 'Call', 'Wants a quote');
      await log('victor hugo', 'Call', 'Wants a quote too');
      expect(await names('zola', 'quote')).toEqual(['Émile Zola']);
      expect(await names('zola', 'hugo')).toEqual([]);
    });

    it('finds e-mails, phones (with or without their punctuation), tags, the note and interaction types', async () => {
      await add('Ada', '--email', 'ada@analytical.example', '--phone', '+44 (20) 7946-0000', '--note', 'Prefers letters sealed in wax');
      await cli.run(['tag', 'ada', 'add', 'key-account']);
      await log('ada', 'Proposal sent', 'Engine plans');
      for (const words of [['analytical'], ['ada@analytical.example'], ['7946'], ['442079460000'], ['key', 'account'], ['wax'], ['proposal']]) {
        expect(await names(...words)).toEqual(['Ada']);
      }
      const [hit] = await search('wax', 'key-acc');
      expect(hit!.matches.map((match) => [match.field, match.snippet])).toEqual([
        ['tags', 'key-account'],
        ['note', 'Prefers letters sealed in wax'],
      ]);
    });

    it('lists the matching interactions under their customer, newest first, at most three', async () => {
      await add('Ada');
      for (let call = 1; call <= 5; call++) await log('ada', 'Call', `Quote number ${call}`);
      await log('ada', 'Call', 'Nothing about it');
      const [hit] = await search('quote');
      expect(hit!.matches.map((match) => match.snippet)).toEqual(['Call: Quote number 5', 'Call: Quote number 4', 'Call: Quote number 3']);
      expect(hit!.matches[0]).toMatchObject({ field: 'interaction', interaction: { type: 'Call', channel: 'phone', created_at: '2026-11-25T10:05:00.000Z' } });
      expect(hit!.more_interactions).toBe(2);
    });

    it('cuts a long note around the first match', async () => {
      await add('Ada');
      const long = `${'lorem ipsum '.repeat(10)}the engine needs a quote ${'dolor sit '.repeat(10)}`;
      await log('ada', 'Call', long);
      const [hit] = await search('engine');
      expect(hit!.matches[0]!.snippet).toBe('…ipsum lorem ipsum lorem ipsum the engine needs a quote dolor sit dolor sit dolor…');
    });

    it('hides archived customers unless asked', async () => {
      const ada = await add('Ada Quote');
      await add('Grace Quote');
      await cli.run(['customer', 'archive', ada.id]);
      expect(await names('quote')).toEqual(['Grace Quote']);
      expect((await names('quote', '--include-archived')).sort()).toEqual(['Ada Quote', 'Grace Quote']);
    });

    it('ranks a match in the name before a match in an interaction', async () => {
      await add('Grace Hopper');
      await add('Ada');
      await log('grace hopper', 'Call', 'About the engine');
      await log('ada', 'Call', 'Talked about Hopper and the compiler');
      expect(await names('hopper')).toEqual(['Grace Hopper', 'Ada']);
    });
  });

  describe('output', () => {
    it('groups the matches under each customer on a terminal, highlighted unless NO_COLOR', async () => {
      await add('Émile Zola', '--owner', 'grace');
      await log('zola', 'Call', 'Wants a quote');
      const plain = await cli.run(['search', 'zola', 'quote'], { tty: true, env: { NO_COLOR: '1' } });
      expect(plain.stdout).toMatch(
        /^Émile Zola {2}[0-9a-f]{8} {2}lead {2}owner grace\n {2}name {14}Émile Zola\n {2}2026-11-25 phone {2}Call: Wants a quote\n$/,
      );
      expect(plain.stderr).toBe('');
      const coloured = await cli.run(['search', 'zola', 'quote'], { tty: true });
      expect(coloured.stdout).toContain('\u001b[1m\u001b[31mquote\u001b[39m\u001b[22m');
      expect(coloured.stdout).toContain('\u001b[1m\u001b[31mZola\u001b[39m\u001b[22m');
      const noColorFlag = await cli.run(['--no-color', 'search', 'zola'], { tty: true });
      expect(noColorFlag.stdout).not.toContain('\u001b[');
    });

    it('writes a row per match in csv and tsv, and never colours them', async () => {
      const ada = await add('Ada', '--note', 'Sealed quote');
      await log('ada', 'Call', 'Quote, with "quotes"');
      const csv = await cli.run(['search', 'quote', '--format', 'csv']);
      expect(csv.stdout.split('\n')).toEqual([
        'id,name,status,owner,field,interaction_id,interaction_created_at,snippet',
        `${ada.id},Ada,lead,,note,,,Sealed quote`,
        expect.stringMatching(new RegExp(`^${ada.id},Ada,lead,,interaction,[0-9a-f-]{36},2026-11-25T10:01:00.000Z,"Call: Quote, with ""quotes"""$`)),
        '',
      ]);
      const tsv = await cli.run(['search', 'quote']);
      expect(tsv.stdout.split('\n')[0]).toBe('id\tname\tstatus\towner\tfield\tinteraction_id\tinteraction_created_at\tsnippet');
    });

    it('prints each customer with its tags and matches as JSON', async () => {
      const ada = await add('Ada', '--email', 'ada@example.com');
      await cli.run(['tag', 'ada', 'add', 'vip']);
      const [hit] = await search('ada');
      expect(hit).toEqual({
        id: ada.id,
        name: 'Ada',
        email: 'ada@example.com',
        phone: null,
        product_id: null,
        status: 'lead',
        acquisition_source: null,
        owner: null,
        is_archived: false,
        created_at: '2026-11-25T10:00:00.000Z',
        updated_at: '2026-11-25T10:00:00.000Z',
        company_id: null,
        deal_value_minor: null,
        deal_currency: null,
        closed_at: null,
        note: null,
        product_name: null,
        tags: ['vip'],
        matches: [
          { field: 'name', snippet: 'Ada' },
          { field: 'email', snippet: 'ada@example.com' },
        ],
        more_interactions: 0,
      });
    });

    it('pages like customer search, with a footer on stderr', async () => {
      for (let index = 1; index <= 5; index++) await add(`Quote ${index}`);
      const first = await cli.run(['search', 'quote', '--limit', '2']);
      expect(first.stderr).toBe('showing 1–2; more match: --page 2 for the next, --all for everything\n');
      const last = await cli.run(['search', 'quote', '--limit', '2', '--page', '3']);
      expect(last.stderr).toBe('showing 5–5\n');
      const past = await cli.run(['search', 'quote', '--limit', '2', '--page', '4']);
      expect(past.stderr).toBe('page 4 is past the end: no more customers match "quote"\n');
      const all = await cli.json<Hit[]>(['search', 'quote', '--all']);
      expect(all).toHaveLength(5);
      const seen: string[] = [];
      for (const page of ['1', '2', '3']) seen.push(...(await names('quote', '--limit', '2', '--page', page)));
      expect(seen).toEqual(all.map((hit) => hit.name));
    });

    it('says when nothing matches, and refuses words without a letter or digit', async () => {
      expect(await cli.run(['search', 'nobody'])).toMatchObject({ code: 0, stderr: 'no customer matches "nobody"\n' });
      await expectRefused(cli, ['search', '--', '-+-'], { code: 2, stderr: 'error: nothing to search for: give a word with a letter or digit in it\n' });
      await expectRefused(cli, ['search', '--limit', '0', 'x'], { code: 2, stderr: 'error: invalid --limit "0": use a whole number of 1 or more\n' });
    });
  });

  describe('kept current for every writer', () => {
    it('finds customers, interactions and tags written with plain SQL, and forgets what SQL changed or deleted', async () => {
      // Ids are unique in the whole PostgreSQL database, which every test's team shares.
      const id = `${backend === 'sqlite' ? 'aaaa' : 'bbbb'}0000-0000-4000-8000-5ea5c4000001`;
      const at = '2026-11-25T10:00:00.000Z';
      await cli.sql('INSERT INTO customers (id, name, created_at, updated_at) VALUES ($1, $2, $3, $4)', [id, 'Marie Curie', at, at]);
      await cli.sql(
        'INSERT INTO customer_interactions (id, customer_id, type, channel, note, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [id.replace('5ea5c4', '1a7e5c'), id, 'Meeting', 'meeting', 'Asked about radium pricing', '2026-11-25T10:01:00.000Z'],
      );
      await cli.sql('INSERT INTO customer_tags (customer_id, tag) VALUES ($1, $2)', [id, 'physics']);
      expect(await names('curie', 'radium', 'physics')).toEqual(['Marie Curie']);
      await cli.sql('UPDATE customers SET name = $1, note = $2 WHERE id = $3', ['Marie Skłodowska-Curie', 'Two prizes', id]);
      expect(await names('sklodowska', 'prizes')).toEqual(['Marie Skłodowska-Curie']);
      await cli.sql('DELETE FROM customer_tags WHERE customer_id = $1', [id]);
      expect(await names('physics')).toEqual([]);
      await cli.sql('DELETE FROM customers WHERE id = $1', [id]);
      expect(await names('radium')).toEqual([]);
    });

    it('builds the documents of a transaction that defers the index (as an import does) at its commit, as the triggers build them', async () => {
      if (backend !== 'postgres') return expect(backend).toBe('sqlite');
      // One customer written statement by statement, its twin in a deferring transaction: the
      // same text, so the same document (the appended interactions as the rebuilt ones).
      const write = (id: string) => [
        `INSERT INTO customers (id, name, email, note) VALUES ('${id}', 'Søren Kierkegaard', 'soren@example.com', 'Wrote on Æsthetics')`,
        `INSERT INTO customer_interactions (id, customer_id, type, channel, note) VALUES ('${id.replace('0d0c', '1a7e')}', '${id}', 'Call', 'phone', 'Asked about Œuvres')`,
        `INSERT INTO customer_interactions (id, customer_id, type, channel, note) VALUES ('${id.replace('0d0c', '2a7e')}', '${id}', 'Email', 'email', 'Plain text only')`,
        `INSERT INTO customer_tags (customer_id, tag) VALUES ('${id}', 'philosophy')`,
      ];
      const plain = 'cccc0000-0000-4000-8000-0d0c00000001';
      const deferred = 'cccc0000-0000-4000-8000-0d0c00000002';
      for (const statement of write(plain)) await cli.sql(statement);
      await cli.sql(`BEGIN; SET LOCAL crm.search_deferred = 'on'; ${write(deferred).join('; ')}; COMMIT`);
      const docs = await cli.sql<{ customer_id: string; doc: string }>(
        `SELECT customer_id, doc::text AS doc FROM customer_search WHERE customer_id IN ('${plain}', '${deferred}') ORDER BY customer_id`,
      );
      expect(docs).toHaveLength(2);
      expect(docs[1]!.doc).toBe(docs[0]!.doc);
      expect(await names('soren', 'aesthetics', 'oeuvres', 'plain', 'philosophy')).toEqual(['Søren Kierkegaard', 'Søren Kierkegaard']);
      // Nothing is left noted once the transaction is over.
      await cli.sql(`BEGIN; SET LOCAL crm.search_deferred = 'on'; UPDATE customers SET note = 'Either/Or' WHERE id = '${deferred}'; COMMIT`);
      expect(await names('either')).toEqual(['Søren Kierkegaard']);
    });

    it('finds each of many interactions written one by one with plain SQL, across the name and them', async () => {
      const ada = await add('Ada Lovelace');
      const prefix = backend === 'sqlite' ? 'aaaa' : 'bbbb';
      for (let n = 1; n <= 120; n++) {
        await cli.sql(
          'INSERT INTO customer_interactions (id, customer_id, type, channel, note, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
          [`${prefix}0000-0000-4000-8000-${String(n).padStart(12, '0')}`, ada.id, 'Call', 'phone', `Visit ${n}: engine${n}`, `2026-11-25T10:${String(n % 60).padStart(2, '0')}:00.000Z`],
        );
      }
      expect(await names('engine1')).toEqual(['Ada Lovelace']);
      expect(await names('lovelace', 'engine120')).toEqual(['Ada Lovelace']);
      expect(await names('engine77', 'visit')).toEqual(['Ada Lovelace']);
      expect(await names('engine121')).toEqual([]);
      // engine1, engine10–19 and engine100–120: 32 interactions, three of them listed.
      const [hit] = await search('engine1');
      expect(hit!.matches.filter((match) => match.field === 'interaction')).toHaveLength(3);
      expect(hit!.more_interactions).toBe(29);
      if (backend === 'sqlite') expect((await cli.run(['db', 'check'])).stdout).toMatch(/^ok +customer_search +matches/m);
    });

    it("finds a customer by its company's name, and follows the company's renames and the customer's moves", async () => {
      await cli.run(['company', 'add', 'Analytical Engines']);
      await cli.run(['company', 'add', 'Difference Works']);
      await add('Ada Lovelace', '--company', 'analytical engines');
      await add('Charles Babbage');
      expect(await names('analytical')).toEqual(['Ada Lovelace']);
      const [hit] = await search('engines');
      expect(hit!.matches).toEqual([{ field: 'company', snippet: 'Analytical Engines' }]);
      await cli.run(['company', 'edit', 'analytical engines', '--name', 'Calculating Engines']);
      expect(await names('analytical')).toEqual([]);
      expect(await names('calculating', 'ada')).toEqual(['Ada Lovelace']);
      await cli.sql('UPDATE companies SET name = $1 WHERE name = $2', ['Thinking Engines', 'Calculating Engines']);
      expect(await names('thinking')).toEqual(['Ada Lovelace']);
      await cli.run(['customer', 'edit', 'charles babbage', '--company', 'difference works']);
      expect(await names('difference')).toEqual(['Charles Babbage']);
      await cli.run(['company', 'delete', 'difference works', '--yes']);
      expect(await names('difference')).toEqual([]);
      if (backend === 'sqlite') expect((await cli.run(['db', 'check'])).stdout).toMatch(/^ok +customer_search +matches/m);
    });

    it('finds a term that begins more words than a search spells out (a prefix query then), and nothing for one that begins none', async () => {
      for (let n = 1; n <= 70; n++) await cli.sql('INSERT INTO customers (name) VALUES ($1)', [`Quill${n} Keeper`]);
      expect(await cli.json<Hit[]>(['search', 'quill', 'keeper', '--all'])).toHaveLength(70);
      expect(await cli.json<Hit[]>(['search', 'quill7', '--all'])).toHaveLength(2);
      expect(await names('quilt')).toEqual([]);
    });

    it('follows renames, tag changes and deletes made through crm', async () => {
      await add('Ada');
      await cli.run(['customer', 'edit', 'ada', '--name', 'Ada King']);
      await cli.run(['tag', 'ada king', 'add', 'countess']);
      expect(await names('king', 'countess')).toEqual(['Ada King']);
      await cli.run(['tag', 'rename', 'countess', 'lovelace']);
      expect(await names('countess')).toEqual([]);
      expect(await names('lovelace')).toEqual(['Ada King']);
      await cli.run(['customer', 'delete', 'ada king', '--yes']);
      expect(await names('king')).toEqual([]);
    });
  });

  describe('refs by the words of a name', () => {
    it('a unique word of a name names the customer; several are listed', async () => {
      const zola = await add('Émile Zola');
      await add('Émile Durkheim');
      const shown = await cli.json<{ id: string }>(['customer', 'show', 'zola']);
      expect(shown.id).toBe(zola.id);
      await expectRefused(cli, ['customer', 'show', 'emile'], {
        code: 1,
        stderr: expect.stringMatching(/^error: "emile" matches 2 records: [0-9a-f]{8} Émile (Zola|Durkheim), [0-9a-f]{8} Émile (Zola|Durkheim); use a longer id prefix\n$/),
      });
      expect((await cli.json<{ customer_id: string }>(['interaction', 'log', 'emile zo', '-c', 'email', '-t', 'Letter', '--note', 'J’accuse'])).customer_id).toBe(zola.id);
    });
  });
});
