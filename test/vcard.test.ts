import fs from 'node:fs';
import path from 'node:path';
import ICAL from 'ical.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeBackends } from './backends.js';
import { expectRefused, TestCli, tempDir } from './helpers.js';

/** As an iPhone (3.0) and Google Contacts (4.0) write them: folded lines, pref types, a card without FN. */
const ADDRESS_BOOK = [
  'BEGIN:VCARD',
  'VERSION:3.0',
  'PRODID:-//Apple Inc.//iPhone OS 17.0//EN',
  'UID:1A2B-iphone',
  'N:Lovelace;Ada;;;',
  'FN:Ada Lovelace',
  'ORG:Analytical Engines;',
  'EMAIL;type=INTERNET;type=HOME:ada@home.example',
  'EMAIL;type=INTERNET;type=WORK;type=pref:ada@work.example',
  'TEL;type=CELL;type=VOICE;type=pref:+44 20 7946 0000',
  'END:VCARD',
  'BEGIN:VCARD',
  'VERSION:4.0',
  'UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1',
  'FN:Émile Zola, écrivain et journaliste, auteur des Rougon-Macquart et de J',
  " 'accuse",
  'EMAIL;PREF=1:emile@example.org',
  'TEL;VALUE=uri;TYPE=voice:tel:+33-1-23-45-67-89',
  'END:VCARD',
  'BEGIN:VCARD',
  'VERSION:3.0',
  'N:Smith;Adam;;;',
  'FN:',
  'EMAIL:adam@example.com',
  'END:VCARD',
  '',
].join('\r\n');

describe('vCard', () => {
  let cli: TestCli;
  let dir: string;
  let file: string;

  beforeEach(() => {
    cli = new TestCli();
    dir = tempDir();
    file = path.join(dir, 'contacts.vcf');
    fs.writeFileSync(file, ADDRESS_BOOK);
  });

  afterEach(() => cli.close());

  const customers = async () =>
    (await cli.json<Array<{ name: string; email: string | null; phone: string | null }>>(['customer', 'list', '--sort', 'name'])).map(
      ({ name, email, phone }) => ({ name, email, phone }),
    );

  it('imports each card as a customer: its name, preferred e-mail and phone', async () => {
    const { code, stderr } = await cli.run(['import', 'vcard', file]);
    expect(code).toBe(0);
    expect(stderr).toContain('3 new');
    expect(await customers()).toEqual([
      { name: 'Ada Lovelace', email: 'ada@work.example', phone: '+44 20 7946 0000' },
      { name: 'Adam Smith', email: 'adam@example.com', phone: null },
      {
        name: "Émile Zola, écrivain et journaliste, auteur des Rougon-Macquart et de J'accuse",
        email: 'emile@example.org',
        phone: '+33-1-23-45-67-89',
      },
    ]);
  });

  it('changes nothing when the same file is imported again, and nothing at all with --dry-run', async () => {
    const before = cli.snapshot();
    expect((await cli.run(['import', 'vcard', file, '--dry-run'])).code).toBe(0);
    expect(cli.snapshot()).toEqual(before);
    await cli.run(['import', 'vcard', file]);
    const imported = cli.snapshot();
    cli.clock.advanceDays(1);
    expect((await cli.run(['import', 'vcard', file])).code).toBe(0);
    expect(cli.snapshot()).toEqual(imported);
  });

  it('finds a card again by its UID after its e-mail changed', async () => {
    await cli.run(['import', 'vcard', file]);
    fs.writeFileSync(file, ADDRESS_BOOK.replace('ada@work.example', 'ada@new.example').replace('ada@home.example', 'x@y.example'));
    await cli.run(['import', 'vcard', file, '--on-duplicate', 'update']);
    const names = (await customers()).map((customer) => customer.name);
    expect(names.filter((name) => name === 'Ada Lovelace')).toHaveLength(1);
  });

  it('refuses a bad card naming its line, and writes nothing', async () => {
    fs.writeFileSync(file, ADDRESS_BOOK.replace('EMAIL:adam@example.com', 'EMAIL:not-an-email'));
    const before = cli.snapshot();
    const { code, stderr } = await cli.run(['import', 'vcard', file]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/line 4.*e-?mail/i);
    expect(cli.snapshot()).toEqual(before);
  });

  it('refuses a file that is not a vCard in one line', async () => {
    fs.writeFileSync(file, 'name,email\nAda,ada@example.com\n');
    await expectRefused(cli, ['import', 'vcard', file], { code: 1, stderr: 'error: not a vCard file: it has no BEGIN:VCARD ... END:VCARD\n' });
  });

  it('exports the customers as vCard 4.0 that a real parser reads, and imports back into an empty database', async () => {
    await cli.run(['import', 'vcard', file]);
    await cli.run(['customer', 'add', 'Archived One']);
    await cli.run(['customer', 'archive', 'Archived One']);
    const out = path.join(dir, 'export.vcf');
    expect((await cli.run(['export', 'vcard', '--out', out])).code).toBe(0);
    const text = fs.readFileSync(out, 'utf8');
    const parsed = ICAL.parse(text) as unknown[];
    const cards = (Array.isArray(parsed[0]) ? parsed : [parsed]).map((json) => new ICAL.Component(json as unknown[]));
    expect(cards.map((card) => card.getFirstPropertyValue('version'))).toEqual(['4.0', '4.0', '4.0']);
    expect(cards.map((card) => card.getFirstPropertyValue('fn'))).toEqual([
      'Ada Lovelace',
      'Adam Smith',
      "Émile Zola, écrivain et journaliste, auteur des Rougon-Macquart et de J'accuse",
    ]);
    expect(text.split('\r\n').every((line) => Buffer.byteLength(line) <= 75)).toBe(true);
    const fresh = new TestCli();
    try {
      expect((await fresh.run(['import', 'vcard', out])).code).toBe(0);
      const restored = await fresh.json<Array<{ name: string; email: string | null; phone: string | null }>>(['customer', 'list', '--sort', 'name']);
      expect(restored.map(({ name, email, phone }) => ({ name, email, phone }))).toEqual(await customers());
    } finally {
      fresh.close();
    }
  });
});

describeBackends('export vcard --tag', (_backend, fresh) => {
  const fns = (text: string) => {
    const parsed = ICAL.parse(text) as unknown[];
    if (parsed.length === 0) return [];
    const cards = (Array.isArray(parsed[0]) ? parsed : [parsed]).map((json) => new ICAL.Component(json as unknown[]));
    return cards.map((card) => card.getFirstPropertyValue('fn'));
  };

  it('writes only the customers carrying every tag given, in any case, archived ones left out', async () => {
    const cli = await fresh();
    try {
      for (const name of ['Ada Lovelace', 'Grace Hopper', 'Linus Torvalds', 'Archived Ann']) await cli.run(['customer', 'add', name]);
      await cli.run(['tag', 'Ada Lovelace', 'add', 'Referral', 'Big client']);
      await cli.run(['tag', 'Grace Hopper', 'add', 'referral']);
      await cli.run(['tag', 'Archived Ann', 'add', 'referral', 'big client']);
      await cli.run(['customer', 'archive', 'Archived Ann']);
      const one = await cli.run(['export', 'vcard', '--tag', 'REFERRAL']);
      expect(one.code).toBe(0);
      expect(fns(one.stdout)).toEqual(['Ada Lovelace', 'Grace Hopper']);
      const both = await cli.run(['export', 'vcard', '-t', 'referral', '--tag', 'big CLIENT']);
      expect(fns(both.stdout)).toEqual(['Ada Lovelace']);
      expect(fns((await cli.run(['export', 'vcard'])).stdout)).toEqual(['Ada Lovelace', 'Grace Hopper', 'Linus Torvalds']);
      const none = await cli.run(['export', 'vcard', '--tag', 'no such tag']);
      expect(none).toMatchObject({ code: 0, stdout: '' });
    } finally {
      await cli.close();
    }
  });

  it('refuses --tag for a CSV table, in one line, writing nothing', async () => {
    const cli = await fresh();
    try {
      await cli.run(['customer', 'add', 'Ada Lovelace']);
      const result = await cli.run(['export', 'customers', '--tag', 'referral']);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe('error: --tag is for crm export vcard; for CSV, crm customer list --tag T --all --format csv\n');
    } finally {
      await cli.close();
    }
  });
});
