import fs from 'node:fs';
import path from 'node:path';
import ICAL from 'ical.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnCrm, tempDir } from './helpers.js';

/**
 * Duplicates, merge, undo, vCard, the calendar and completion through the built binary, as a
 * user's shell runs them, one after the other on one file (the in-process tests cover each in
 * depth; the kill -9 ones are in test/undo-processes.test.ts).
 */
const CARDS = [
  'BEGIN:VCARD',
  'VERSION:3.0',
  'UID:1A2B-iphone',
  'FN:Ada Lovelace',
  'ORG:Analytical Engines;',
  'EMAIL;type=INTERNET;type=pref:ada@work.example',
  'TEL;type=CELL;type=pref:+44 20 7946 0000',
  'END:VCARD',
  'BEGIN:VCARD',
  'VERSION:4.0',
  'UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1',
  'FN:Grace Hopper',
  'EMAIL:grace@example.org',
  'END:VCARD',
  '',
].join('\r\n');

function components(file: string, name: string): ICAL.Component[] {
  const parsed = ICAL.parse(fs.readFileSync(file, 'utf8')) as unknown[];
  const roots = (Array.isArray(parsed[0]) ? parsed : [parsed]).map((json) => new ICAL.Component(json as unknown[]));
  return roots.flatMap((root) => (root.name === name ? [root] : root.getAllSubcomponents(name)));
}

describe('issue 12 commands end to end, through bin/crm.js', () => {
  let dir: string;
  let env: Record<string, string>;
  const crm = (...args: string[]) => spawnCrm(args, { env });
  const ok = (...args: string[]) => {
    const result = crm(...args);
    expect({ args, code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ args, code: 0, stderr: '' });
    return result;
  };

  beforeEach(() => {
    dir = tempDir();
    env = { CRM_DB: path.join(dir, 'crm.db'), TZ: 'UTC' };
    fs.writeFileSync(path.join(dir, 'contacts.vcf'), CARDS);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('imports a vCard file, finds and merges a duplicate, undoes the merge, exports by tag, writes the calendar and completes names', () => {
    const vcf = path.join(dir, 'contacts.vcf');
    ok('db', 'init');
    expect(ok('import', 'vcard', vcf, '--dry-run').stderr).toContain('2 new');
    expect(JSON.parse(ok('customer', 'list', '--json').stdout)).toEqual([]);
    ok('import', 'vcard', vcf);
    ok('customer', 'add', 'A. Lovelace', '--phone', '0044 20 7946 0000');

    const groups = JSON.parse(ok('customer', 'duplicates', '--json').stdout) as Array<{ reasons: Array<{ reason: string }>; customers: Array<{ name: string; id: string }> }>;
    expect(groups).toHaveLength(1);
    expect(groups[0]!.reasons.map((reason) => reason.reason)).toEqual(['phone']);
    const [keep, other] = groups[0]!.customers;
    expect([keep!.name, other!.name]).toEqual(['Ada Lovelace', 'A. Lovelace']);

    ok('customer', 'merge', keep!.id, other!.id, '--prefer', 'keep', '--yes');
    const names = () => (JSON.parse(ok('customer', 'list', '--sort', 'name', '--json').stdout) as Array<{ name: string }>).map((c) => c.name);
    expect(names()).toEqual(['Ada Lovelace', 'Grace Hopper']);
    const sets = JSON.parse(ok('undo', '--list', '--json').stdout) as Array<{ command: string }>;
    expect(sets[0]!.command).toContain('customer merge');
    ok('undo', '--yes');
    expect(names()).toEqual(['A. Lovelace', 'Ada Lovelace', 'Grace Hopper']);

    ok('tag', 'Ada Lovelace', 'add', 'referral');
    ok('export', 'vcard', '--tag', 'Referral', '--out', path.join(dir, 'referrals.vcf'));
    expect(components(path.join(dir, 'referrals.vcf'), 'vcard').map((card) => card.getFirstPropertyValue('fn'))).toEqual(['Ada Lovelace']);

    ok('interaction', 'log', 'Ada Lovelace', '-c', 'phone', '-t', 'Call', '--note', 'Wants a quote', '--follow-up', '2030-01-15');
    ok('followups', '--until', '2030-12-31', '--ics', '--out', path.join(dir, 'crm.ics'));
    const events = components(path.join(dir, 'crm.ics'), 'vevent');
    expect(events).toHaveLength(1);
    expect(String(events[0]!.getFirstPropertyValue('summary'))).toContain('Ada Lovelace');

    // The card's ORG made the company.
    expect(ok('__complete', '--', 'company', 'show', 'ana').stdout).toBe('Analytical Engines\n');
    expect(ok('__complete', '--', 'customer', 'merge', 'Ada Lovelace', 'a.').stdout).toBe('A. Lovelace\n');
    expect(ok('completion', 'zsh').stdout).toContain('compdef _crm crm');
  });
});
