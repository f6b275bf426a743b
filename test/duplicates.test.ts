import { describe, expect, it } from 'vitest';
import { phoneKey, parseCountryCode } from '../src/domain/phones.js';
import { describeBackends, type BackendCli } from './backends.js';
import { TestCli } from './helpers.js';

async function add(cli: BackendCli, name: string, ...options: string[]): Promise<string> {
  const id = (await cli.json(['customer', 'add', name, '--force', ...options])).id;
  cli.clock.advance(60_000);
  return id;
}

describe('phone keys', () => {
  it('reads one number in its usual spellings, with the default country code for national ones', () => {
    const spellings = ['+44 20 7946 0000', '0044 20 7946 0000', '020 7946 0000', '(020) 7946-0000', '+44.20.7946.0000'];
    expect(new Set(spellings.map((phone) => phoneKey(phone, '44')))).toEqual(new Set(['442079460000']));
    expect(phoneKey('555-123-4567', '1')).toBe('15551234567');
    expect(phoneKey('1 555 123 4567', '1')).toBe('15551234567');
    expect(phoneKey('020 7946 0000', '')).toBe('2079460000');
    expect(phoneKey('+44 20 7946 0000', '')).toBe('442079460000');
    for (const junk of ['n/a', '1234', 'ext. 12', '', null]) expect(phoneKey(junk, '44')).toBeNull();
  });

  it('takes the country code as digits, with or without + or 00', () => {
    expect(['44', '+44', '0044', ' 1 ', '', undefined].map(parseCountryCode)).toEqual(['44', '44', '44', '1', '', '']);
    expect(() => parseCountryCode('UK')).toThrow('CRM_COUNTRY_CODE must be a country calling code like 44 or +1; it is "UK"');
  });
});

describeBackends('crm customer duplicates', (backend, fresh) => {
  it('groups customers by e-mail, phone and folded name, oldest first, with every reason that applies', async () => {
    const cli = await fresh();
    const ada = await add(cli, 'Ada Lovelace', '--email', 'ada@example.com', '--phone', '+44 20 7946 0000');
    const ada2 = await add(cli, 'ADA LOVELACE', '--email', 'Ada@Example.com', '--phone', '020 7946 0000');
    const bob = await add(cli, 'Bob Jones', '--phone', '0044 20 7946 1111');
    const bob2 = await add(cli, 'Robert Jones', '--phone', '020-7946-1111');
    const zoe = await add(cli, 'Zoë Martin');
    const zoe2 = await add(cli, 'ZOË MARTIN', '--email', 'zoe@example.com');
    // Two people of one name: their e-mails say so.
    await add(cli, 'John Smith', '--email', 'john@a.example');
    await add(cli, 'John Smith', '--email', 'john@b.example');
    await add(cli, 'Nobody Else', '--phone', 'n/a');
    await add(cli, 'Nobody Either', '--phone', 'n/a');

    const groups = await cli.json(['customer', 'duplicates'], { env: { CRM_COUNTRY_CODE: '44' } });
    expect(groups.map((group: any) => [group.group, group.reasons, group.customers.map((c: { id: string }) => c.id)])).toEqual([
      [1, [{ reason: 'email', key: 'ada@example.com' }, { reason: 'phone', key: '442079460000' }, { reason: 'name', key: 'ada lovelace' }], [ada, ada2]],
      [2, [{ reason: 'phone', key: '442079461111' }], [bob, bob2]],
      [3, [{ reason: 'name', key: 'zoë martin' }], [zoe, zoe2]],
    ]);
    expect(groups[0].customers[0]).toMatchObject({ id: ada, name: 'Ada Lovelace', email: 'ada@example.com', is_archived: false });

    // Without the country code, national and international spellings are different numbers.
    const plain = await cli.json(['customer', 'duplicates']);
    expect(plain.map((group: any) => group.reasons.map((r: { reason: string }) => r.reason).join('+'))).toEqual(['email+name', 'name']);
  });

  it('prints one row per customer with its group through a pipe, and says how to merge', async () => {
    const cli = await fresh();
    const ada = await add(cli, 'Ada Lovelace', '--email', 'ada@example.com');
    const ada2 = await add(cli, 'Ada King', '--email', 'ADA@example.com');
    const result = await cli.run(['customer', 'duplicates']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('group\treasons\tid\tname\temail\tphone\tstatus\towner\tis_archived\tcreated_at');
    expect(lines.slice(1).map((line) => line.split('\t').slice(0, 4))).toEqual([
      ['1', 'email', ada, 'Ada Lovelace'],
      ['1', 'email', ada2, 'Ada King'],
    ]);
    expect(result.stderr).toBe(
      `1 group(s) of likely duplicates, 2 customers; merge the first group (keeping the oldest) with: crm customer merge ${ada.slice(0, 8)} ${ada2.slice(0, 8)}\n`,
    );
  });

  it('leaves out a name shared by more than 10 customers: a common name, not a duplicate', async () => {
    const cli = await fresh();
    for (let i = 0; i < 10; i++) await add(cli, 'Jo Common');
    for (let i = 0; i < 11; i++) await add(cli, 'John Smith');
    const groups = await cli.json(['customer', 'duplicates']);
    expect(groups.map((group: any) => [group.reasons[0].key, group.customers.length])).toEqual([['jo common', 10]]);
  });

  it('says when there are none, and refuses a malformed country code', async () => {
    const cli = await fresh();
    await add(cli, 'Ada Lovelace');
    const none = await cli.run(['customer', 'duplicates', '--json']);
    expect(none).toMatchObject({ code: 0, stdout: '[]\n', stderr: 'no likely duplicates\n' });
    const bad = await cli.run(['customer', 'duplicates'], { env: { CRM_COUNTRY_CODE: 'UK' } });
    expect(bad).toMatchObject({ code: 2, stdout: '', stderr: 'error: CRM_COUNTRY_CODE must be a country calling code like 44 or +1; it is "UK"\n' });
  });
});

describe('crm customer duplicates on SQLite files', () => {
  it('finds a name written with the sqlite3 shell, not yet folded by crm', async () => {
    const cli = new TestCli();
    try {
      const zoe = (await cli.json(['customer', 'add', 'Zoë Martin'])).id;
      cli.db.sqlite.exec(`INSERT INTO customers (id, name, created_at, updated_at) VALUES ('shell-1', 'ZOË MARTIN', '2026-12-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z')`);
      expect(cli.db.sqlite.prepare(`SELECT name_fold FROM customer_name_folds WHERE customer_id = 'shell-1'`).get()).toEqual({ name_fold: null });
      const groups = await cli.json(['customer', 'duplicates']);
      expect(groups.map((group: any) => [group.reasons, group.customers.map((c: { id: string }) => c.id)])).toEqual([
        [[{ reason: 'name', key: 'zoë martin' }], [zoe, 'shell-1']],
      ]);
    } finally {
      cli.close();
    }
  });
});
