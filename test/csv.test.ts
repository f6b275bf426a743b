import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { csvStringifyOptions, decodeBoolean, isIsoTimestamp, losslessCsvRecord } from '../src/csv/codec.js';
import { parseTableName } from '../src/csv/columns.js';
import { mapColumns, normalizeHeader, parseMapOptions } from '../src/csv/headers.js';
import { normalizeStatus } from '../src/csv/rows.js';
import { UsageError } from '../src/domain/errors.js';

describe('CSV vocabulary', () => {
  it('normalises headers ignoring case, spaces and punctuation', () => {
    expect(normalizeHeader('E-mail 1 - Value')).toBe('email1value');
    expect(normalizeHeader('  Person - Email - Work ')).toBe('personemailwork');
    expect(normalizeHeader('acquisition_source')).toBe('acquisitionsource');
  });

  it('names tables by plural, singular or short form', () => {
    expect(parseTableName('Interactions')).toBe('customer_interactions');
    expect(parseTableName('customer')).toBe('customers');
    expect(() => parseTableName('deals')).toThrow(UsageError);
  });

  it('accepts ISO 8601 dates and date-times only, with real field ranges', () => {
    for (const good of ['2026-11-25T10:00:00.000Z', '2026-11-25', '2026-11-25T10:00+02:00', '2026-02-28T23:59:59Z']) {
      expect(isIsoTimestamp(good)).toBe(true);
    }
    for (const bad of ['2026-13-01', '2026-11-32', '25/11/2026', '2026-11-25 10:00', '2026-11-25T24:00:00Z', '']) {
      expect(isIsoTimestamp(bad)).toBe(false);
    }
  });

  it('reads statuses as typed by people and by HubSpot', () => {
    expect(normalizeStatus('Closed Won')).toBe('closed_won');
    expect(normalizeStatus('open deal')).toBe('proposal');
    expect(normalizeStatus('Attempted to contact')).toBe('lead');
    expect(normalizeStatus('hot')).toBeUndefined();
  });

  it('reads booleans as 1/0, true/false, yes/no', () => {
    expect([decodeBoolean('1'), decodeBoolean('TRUE'), decodeBoolean(' yes '), decodeBoolean('0'), decodeBoolean('No')]).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(decodeBoolean('maybe')).toBeUndefined();
  });

  it('recognises a crm export header as native and anything else as needing tidying', () => {
    const native = mapColumns('products', ['id', 'name', 'description', 'is_active', 'created_at', 'updated_at'], new Map());
    expect(native.native).toBe(true);
    const other = mapColumns('products', ['Name', 'Description'], new Map());
    expect(other.native).toBe(false);
    expect([...other.sources.keys()]).toEqual(['name', 'description']);
  });

  it('gives --map priority over aliases and keeps the other feeders as fallbacks in file order', () => {
    const mapping = mapColumns('customers', ['Email', 'Work Email', 'Backup'], parseMapOptions('customers', ['Backup=email']));
    expect(mapping.sources.get('email')).toEqual([2, 0, 1]);
    expect(() => parseMapOptions('customers', ['Backup'])).toThrow('invalid --map "Backup": use "Their Header=our_column"');
  });
});

describe('the hand-written lossless CSV record', () => {
  const viaCsvStringify = (row: unknown[]) => stringify([row], csvStringifyOptions()).slice(0, -1);

  it('is byte for byte what csv-stringify writes, on every awkward value', () => {
    const awkward: unknown[] = [
      null, '', ' ', 'plain', '"', '""', 'a,b', ',', 'say "hi"', 'line\nbreak', 'cr\ronly', 'crlf\r\n', '\n', '\r',
      '\uFEFFbom', '=SUM(A1)', '+1', '-5', '@x', '\ttab', "'quote", 'Ünïcödé 🚀', 0, 1, -3, 2.5, 1e21, 0.1 + 0.2,
    ];
    for (const value of awkward) expect(losslessCsvRecord([value])).toBe(viaCsvStringify([value]));
    expect(losslessCsvRecord(awkward)).toBe(viaCsvStringify(awkward));
    // Random rows over the characters that matter, so no combination is left to chance.
    const alphabet = ['"', ',', '\r', '\n', 'a', ' ', '\uFEFF', '='];
    let seed = 42;
    const random = (below: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % below);
    for (let round = 0; round < 2_000; round++) {
      const row = Array.from({ length: 1 + random(4) }, () =>
        random(6) === 0 ? null : Array.from({ length: random(5) }, () => alphabet[random(alphabet.length)]).join(''),
      );
      expect(losslessCsvRecord(row)).toBe(viaCsvStringify(row));
    }
  });

  it('leaves values it does not know (a BLOB) to csv-stringify', () => {
    expect(losslessCsvRecord(['a', Buffer.from('x')])).toBeUndefined();
  });
});


describe('the csv-parse fast path', () => {
  it('is in use with the pinned csv-parse: its field and record builders are replaced', async () => {
    const { createCsvParser, usesFastInfoBuilders } = await import('../src/csv/codec.js');
    expect(usesFastInfoBuilders(createCsvParser())).toBe(true);
  });

  it('pins csv-parse to an exact version, since the fast path replaces its private functions', async () => {
    const fs = await import('node:fs');
    const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const installed = JSON.parse(fs.readFileSync(new URL('../node_modules/csv-parse/package.json', import.meta.url), 'utf8'));
    expect(pkg.dependencies['csv-parse']).toBe(installed.version);
  });
});
