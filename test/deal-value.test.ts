import { beforeEach, describe, expect, it } from 'vitest';
import { decimalAmount, formatMoney, minorDigits, parseAmount, toMinorUnits } from '../src/domain/money.js';
import { canonicalSettingValue, parseSettingKey } from '../src/domain/settings.js';
import { describeBackends, type BackendCli } from './backends.js';
import { expectRefused } from './helpers.js';

describe('amounts as typed', () => {
  it.each([
    ['12 000 EUR', { amount: '12000', currency: 'EUR' }],
    ['12\u202f000\u00a0eur', { amount: '12000', currency: 'EUR' }],
    ['EUR 12000', { amount: '12000', currency: 'EUR' }],
    ['12000EUR', { amount: '12000', currency: 'EUR' }],
    ['12,000.50 usd', { amount: '12000.5', currency: 'USD' }],
    ['1.234,56 EUR', { amount: '1234.56', currency: 'EUR' }],
    ["1'234.50 CHF", { amount: '1234.5', currency: 'CHF' }],
    ['1.234.567 JPY', { amount: '1234567', currency: 'JPY' }],
    ['12,5', { amount: '12.5' }],
    ['12,000', { amount: '12000' }],
    ['0.125 KWD', { amount: '0.125', currency: 'KWD' }],
    ['007.10', { amount: '7.1' }],
    ['0', { amount: '0' }],
  ])('reads %j', (text, expected) => {
    expect(parseAmount(text)).toEqual(expected);
  });

  it.each([
    ['abc', 'invalid value "abc": use an amount and an ISO 4217 currency, like "12 000 EUR" or "12000.50 USD"'],
    ['-5 EUR', 'invalid value "-5 EUR": use an amount and an ISO 4217 currency, like "12 000 EUR" or "12000.50 USD"'],
    ['EUR 5 USD', 'invalid value "EUR 5 USD": use an amount and an ISO 4217 currency, like "12 000 EUR" or "12000.50 USD"'],
    ['1,23,456', 'invalid value "1,23,456": use an amount like 12000, "12 000" or 12000.50, then the currency'],
    ['12..5', 'invalid value "12..5": use an amount like 12000, "12 000" or 12000.50, then the currency'],
    ['12 XYZ', 'unknown currency "XYZ": use an ISO 4217 code like EUR, USD, GBP or JPY'],
  ])('refuses %j', (text, message) => {
    expect(() => parseAmount(text)).toThrow(message);
  });

  it('counts minor units per currency, refusing decimals the currency does not have', () => {
    expect([minorDigits('EUR'), minorDigits('JPY'), minorDigits('KWD')]).toEqual([2, 0, 3]);
    expect(toMinorUnits('12000.5', 'EUR')).toBe(1_200_050);
    expect(toMinorUnits('1234567', 'JPY')).toBe(1_234_567);
    expect(toMinorUnits('0.125', 'KWD')).toBe(125);
    expect(() => toMinorUnits('12.345', 'EUR')).toThrow('EUR has 2 decimal places: 12.345 has 3');
    expect(() => toMinorUnits('12.5', 'JPY')).toThrow('JPY has no minor unit: give a whole amount (12.5 has decimals)');
    expect(() => toMinorUnits('90071992547409.92', 'EUR')).toThrow('value 90071992547409.92 EUR is too large');
  });

  it('writes amounts back exactly, in one form whatever the locale, that --value reads again', () => {
    expect(formatMoney(1_200_050, 'EUR')).toBe('12,000.50 EUR');
    expect(formatMoney(5, 'EUR')).toBe('0.05 EUR');
    expect(formatMoney(1_234_567, 'JPY')).toBe('1,234,567 JPY');
    expect(decimalAmount(125, 'KWD')).toBe('0.125');
    const again = parseAmount(formatMoney(1_200_050, 'EUR'));
    expect(toMinorUnits(again.amount, again.currency!)).toBe(1_200_050);
  });

  it('reads setting keys and values in their canonical form', () => {
    expect(parseSettingKey('Stage.Won.Probability')).toBe('stage.closed_won.probability');
    expect(parseSettingKey('stage.closed-lost.probability')).toBe('stage.closed_lost.probability');
    expect(() => parseSettingKey('stage.maybe.probability')).toThrow(/^unknown setting "stage.maybe.probability"/);
    expect(canonicalSettingValue('stage.lead.probability', '40%')).toBe('0.4');
    expect(canonicalSettingValue('stage.lead.probability', '.25')).toBe('0.25');
    expect(canonicalSettingValue('stage.lead.probability', '1.0')).toBe('1');
    expect(() => canonicalSettingValue('stage.lead.probability', '1.5')).toThrow(/from 0 to 1/);
    expect(canonicalSettingValue('currency', ' gbp ')).toBe('GBP');
  });
});

describeBackends('deal values and crm config', (backend, fresh) => {
  let cli: BackendCli;
  beforeEach(async () => {
    cli = await fresh();
  });

  const add = (name: string, ...flags: string[]) => cli.json(['customer', 'add', name, ...flags]);
  const table = (name: string) => (backend === 'postgres' ? `crm.${name}` : name);

  describe('customer --value', () => {
    it('stores the exact amount in minor units with its currency', async () => {
      expect(await add('Ada', '--value', '12 000 EUR')).toMatchObject({ deal_value_minor: 1_200_000, deal_currency: 'EUR' });
      expect(await add('Kenji', '--value', '1,500,000 jpy')).toMatchObject({ deal_value_minor: 1_500_000, deal_currency: 'JPY' });
      expect(await add('Omar', '--value', '0.125 KWD')).toMatchObject({ deal_value_minor: 125, deal_currency: 'KWD' });
      const shown = await cli.run(['customer', 'show', 'ada']);
      expect(shown.stdout).toMatch(/^value +12,000\.00 EUR$/m);
    });

    it('takes the currency from CRM_CURRENCY, else from crm config, else says how to give one', async () => {
      await expectRefused(cli, ['customer', 'add', 'Ada', '--value', '12000'], {
        code: 1,
        stderr: 'error: value 12000 has no currency: write it with the amount ("12000 EUR"), set CRM_CURRENCY, or run crm config set currency EUR\n',
      });
      expect(await cli.json(['customer', 'add', 'Ada', '--value', '12000'], { env: { CRM_CURRENCY: 'gbp' } })).toMatchObject({
        deal_value_minor: 1_200_000,
        deal_currency: 'GBP',
      });
      expect((await cli.run(['config', 'set', 'currency', 'usd'])).stderr).toBe('✓ currency = USD\n');
      expect(await add('Bob', '--value', '99.99')).toMatchObject({ deal_value_minor: 9_999, deal_currency: 'USD' });
      // The variable comes before the setting; a currency in the text before both.
      expect(await cli.json(['customer', 'add', 'Cy', '--value', '5'], { env: { CRM_CURRENCY: 'EUR' } })).toMatchObject({ deal_currency: 'EUR' });
      expect(await cli.json(['customer', 'add', 'Di', '--value', '5 CHF'], { env: { CRM_CURRENCY: 'EUR' } })).toMatchObject({ deal_currency: 'CHF' });
      await expectRefused(
        cli,
        ['customer', 'add', 'Ed', '--value', '5'],
        { code: 2, stderr: 'error: CRM_CURRENCY: unknown currency "euro": use an ISO 4217 code like EUR, USD, GBP or JPY\n' },
        { env: { CRM_CURRENCY: 'euro' } },
      );
    });

    it('refuses malformed values as usage errors and decimals a currency lacks as failures, writing nothing', async () => {
      await add('Ada');
      await expectRefused(cli, ['customer', 'edit', 'ada', '--value', 'lots'], {
        code: 2,
        stderr: 'error: --value: invalid value "lots": use an amount and an ISO 4217 currency, like "12 000 EUR" or "12000.50 USD"\n',
      });
      await expectRefused(cli, ['customer', 'edit', 'ada', '--value', '12.5 JPY'], {
        code: 1,
        stderr: 'error: JPY has no minor unit: give a whole amount (12.5 has decimals)\n',
      });
      await expectRefused(cli, ['customer', 'edit', 'ada', '--value', '5 EUR', '--no-value'], {
        code: 2,
        stderr: "error: option '--value <amount>' cannot be used with option '--no-value'\n",
      });
    });

    it('edits and removes a value; the same value again changes nothing', async () => {
      await add('Ada', '--value', '100 EUR');
      cli.clock.advance(1_000);
      expect(await cli.json(['customer', 'edit', 'ada', '--value', '250.5 usd'])).toMatchObject({ deal_value_minor: 25_050, deal_currency: 'USD' });
      const same = await cli.run(['customer', 'edit', 'ada', '--value', 'USD 250.50']);
      expect(same.stderr).toBe('"Ada" already had those values; nothing changed\n');
      expect(await cli.json(['customer', 'edit', 'ada', '--no-value'])).toMatchObject({ deal_value_minor: null, deal_currency: null });
    });
  });

  describe('crm config', () => {
    it('lists every key with its value, source and default; set, get and unset round-trip', async () => {
      const list = await cli.json(['config', 'list']);
      expect(list.map((entry: { key: string; value: string | null; source: string }) => [entry.key, entry.value, entry.source])).toEqual([
        ['currency', null, 'default'],
        ['stage.lead.probability', '0.1', 'default'],
        ['stage.qualified.probability', '0.25', 'default'],
        ['stage.proposal.probability', '0.5', 'default'],
        ['stage.negotiation.probability', '0.75', 'default'],
        ['stage.closed_won.probability', '1', 'default'],
        ['stage.closed_lost.probability', '0', 'default'],
      ]);
      expect((await cli.run(['config', 'set', 'stage.proposal.probability', '40%'])).stderr).toBe('✓ stage.proposal.probability = 0.4\n');
      expect((await cli.run(['config', 'get', 'stage.proposal.probability'])).stdout).toBe('0.4\n');
      expect(await cli.json(['config', 'get', 'stage.proposal.probability'])).toMatchObject({
        key: 'stage.proposal.probability',
        value: '0.4',
        source: 'set',
        default: '0.5',
        updated_at: '2026-11-25T10:00:00.000Z',
      });
      expect((await cli.run(['config', 'set', 'stage.proposal.probability', '0.40'])).stderr).toBe(
        'stage.proposal.probability was already 0.4; nothing changed\n',
      );
      expect((await cli.run(['config', 'unset', 'stage.proposal.probability'])).stderr).toBe(
        '✓ stage.proposal.probability unset: back to its default, 0.5\n',
      );
      expect((await cli.run(['config', 'get', 'stage.won.probability'])).stdout).toBe('1\n');
    });

    it('refuses unknown keys and bad values, and a currency that is not set is a failure to get', async () => {
      await expectRefused(cli, ['config', 'set', 'colour', 'blue'], {
        code: 2,
        stderr:
          'error: unknown setting "colour": use currency or stage.<stage>.probability (lead, qualified, proposal, negotiation, closed_won, closed_lost)\n',
      });
      await expectRefused(cli, ['config', 'set', 'stage.lead.probability', '2'], {
        code: 1,
        stderr: 'error: invalid probability "2" for stage.lead.probability: use a number from 0 to 1, like 0.4 (or 40%)\n',
      });
      await expectRefused(cli, ['config', 'set', 'currency', 'dollars'], {
        code: 1,
        stderr: 'error: unknown currency "dollars": use an ISO 4217 code like EUR, USD, GBP or JPY\n',
      });
      await expectRefused(cli, ['config', 'get', 'currency'], { code: 1, stderr: 'error: currency is not set (crm config set currency VALUE)\n' });
    });

    it('keeps settings in the database, audited under their key', async () => {
      await cli.run(['config', 'set', 'currency', 'EUR']);
      await cli.run(['config', 'set', 'currency', 'GBP']);
      await cli.run(['config', 'unset', 'currency']);
      const rows = await cli.sql<{ record_id: string; action: string; old_values: string | null; new_values: string | null }>(
        `SELECT record_id, action, old_values, new_values FROM ${table('audit_log')} WHERE table_name = 'settings' ORDER BY id`,
      );
      expect(rows.map((row) => [row.record_id, row.action, row.new_values && JSON.parse(row.new_values).value])).toEqual([
        ['currency', 'insert', 'EUR'],
        ['currency', 'update', 'GBP'],
        ['currency', 'delete', null],
      ]);
      expect(await cli.sql(`SELECT key FROM ${table('settings')}`)).toEqual([]);
    });
  });

  describe('pipeline with deal values', () => {
    beforeEach(async () => {
      await add('L1', '--value', '1000 EUR');
      await add('L2', '--value', '500 USD');
      await add('L3');
      await add('P1', '--status', 'proposal', '--value', '12 000 EUR');
      await add('N1', '--status', 'negotiation', '--value', '2000 EUR', '--owner', 'alice');
      await add('W1', '--status', 'closed_won', '--value', '3000 EUR');
      await add('X1', '--status', 'closed_lost', '--value', '700 EUR');
      const gone = await add('A1', '--status', 'proposal', '--value', '99 EUR');
      await cli.run(['customer', 'archive', gone.id]);
    });

    it('sums each stage per currency, never across currencies, with totals and a forecast weighted by stage', async () => {
      await cli.run(['config', 'set', 'stage.proposal.probability', '0.4']);
      const report = await cli.json(['pipeline']);
      const stage = (status: string) => report.stages.find((s: { status: string }) => s.status === status);
      expect(stage('lead')).toEqual({
        status: 'lead',
        count: 3,
        probability: 0.1,
        values: [
          { currency: 'EUR', count: 1, value_minor: 100_000, weighted_minor: 10_000, value: '1000.00', weighted: '100.00' },
          { currency: 'USD', count: 1, value_minor: 50_000, weighted_minor: 5_000, value: '500.00', weighted: '50.00' },
        ],
      });
      expect(stage('proposal')).toMatchObject({ count: 1, probability: 0.4, values: [{ currency: 'EUR', value_minor: 1_200_000, weighted_minor: 480_000 }] });
      expect(report.values).toEqual([
        {
          currency: 'EUR',
          value_minor: 1_870_000,
          open_minor: 1_500_000,
          won_minor: 300_000,
          lost_minor: 70_000,
          // 1000×0.1 + 12000×0.4 + 2000×0.75 + 3000×1 + 700×0
          forecast_minor: 940_000,
          value: '18700.00',
          open: '15000.00',
          won: '3000.00',
          lost: '700.00',
          forecast: '9400.00',
        },
        { currency: 'USD', value_minor: 50_000, open_minor: 50_000, won_minor: 0, lost_minor: 0, forecast_minor: 5_000, value: '500.00', open: '500.00', won: '0.00', lost: '0.00', forecast: '50.00' },
      ]);
      expect(report.won_since).toBeNull();
      const alice = await cli.json(['pipeline', '--owner', 'ALICE']);
      expect(alice.values).toEqual([expect.objectContaining({ currency: 'EUR', value_minor: 200_000, forecast_minor: 150_000 })]);
    });

    it('prints values per stage, a line per currency, and rows per stage and currency when piped', async () => {
      const { stdout } = await cli.run(['pipeline', '--format', 'table']);
      expect(stdout).toBe(
        [
          'stage        count  share  value                        p',
          'lead             3    43%  1,000.00 EUR, 500.00 USD   10%',
          'qualified        0     0%                             25%',
          'proposal         1    14%  12,000.00 EUR              50%',
          'negotiation      1    14%  2,000.00 EUR               75%',
          'closed_won       1    14%  3,000.00 EUR              100%',
          'closed_lost      1    14%  700.00 EUR                  0%',
          'total            7',
          'won/lost       1/1  50% won',
          '',
          'currency      total       open       won    lost   forecast',
          'EUR       18,700.00  15,000.00  3,000.00  700.00  10,600.00',
          'USD          500.00     500.00      0.00    0.00      50.00',
          '',
        ].join('\n'),
      );
      const tsv = (await cli.run(['pipeline'])).stdout.split('\n');
      expect(tsv.slice(0, 4)).toEqual([
        'status\tcount\tprobability\tcurrency\tvalue\tweighted',
        'lead\t3\t0.1\tEUR\t1000.00\t100.00',
        'lead\t3\t0.1\tUSD\t500.00\t50.00',
        'qualified\t0\t0.25\t\t\t',
      ]);
    });

    it('reports the deals won since a date, by when crm closed them', async () => {
      cli.clock.set('2026-12-10T09:00:00.000Z');
      await cli.run(['customer', 'move', 'p1', 'closed_won']);
      const moved = await cli.json(['customer', 'show', 'p1']);
      expect(moved.closed_at).toBe('2026-12-10T09:00:00.000Z');
      await add('W2', '--status', 'closed_won');
      const december = await cli.json(['pipeline', '--since', '2026-12-01']);
      expect(december.won_since).toEqual({
        since: '2026-12-01T00:00:00.000Z',
        count: 2,
        values: [{ currency: 'EUR', count: 1, value_minor: 1_200_000, value: '12000.00' }],
      });
      const all = await cli.json(['pipeline', '--since', '2026-01-01']);
      expect(all.won_since).toMatchObject({ count: 3, values: [{ currency: 'EUR', count: 2, value_minor: 1_500_000 }] });
      // Reopening clears the closing time; --since also takes a duration.
      await cli.run(['customer', 'move', 'p1', 'negotiation']);
      expect((await cli.json(['customer', 'show', 'p1'])).closed_at).toBeNull();
      expect((await cli.json(['pipeline', '--since', '30d'])).won_since).toMatchObject({ since: '2026-11-10T09:00:00.000Z', count: 2 });
      const text = await cli.run(['pipeline', '--since', '2026-12-01', '--format', 'table']);
      expect(text.stdout).toMatch(/\nwon since 2026-12-01: 1 customer\n$/);
      await expectRefused(cli, ['pipeline', '--since', 'someday'], {
        code: 2,
        stderr: 'error: invalid date "someday": use YYYY-MM-DD, an ISO date-time, today, or a duration ago like 90d, 6m, 1y\n',
      });
    });

    it('leaves the value columns out while no customer has a value', async () => {
      const empty = await fresh();
      await empty.json(['customer', 'add', 'Nobody']);
      const report = await empty.json(['pipeline']);
      expect(report.values).toEqual([]);
      expect(report.stages[0]).toEqual({ status: 'lead', count: 1, probability: 0.1, values: [] });
      expect((await empty.run(['pipeline'])).stdout).toBe('status\tcount\nlead\t1\nqualified\t0\nproposal\t0\nnegotiation\t0\nclosed_won\t0\nclosed_lost\t0\n');
    });
  });
});
