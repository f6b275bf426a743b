import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLE_NAMES } from '../src/domain/vocabulary.js';
import { writeExportFiles } from './bench/data.js';
import { assertSameCsv, assertSameData } from './bench/equal.js';
import { freshDatabase, runShellScript, shellRestoreScript } from './bench/restore.js';
import { UnequalWorkError } from './bench/section.js';
import { spawnCrm, tempDir } from './helpers.js';

/**
 * The bench prints a ratio only when its sqlite3 reference produced exactly crm's data. These
 * tests run that checking code on references that lose or change data and expect it to stop.
 */
let dir: string;
const input = () => path.join(dir, 'export');
const file = (name: string) => path.join(dir, name);

beforeAll(async () => {
  dir = tempDir('crm-bench-check-');
  await writeExportFiles(input(), { customers: 400 });
  expect(spawnCrm(['--db', file('crm.db'), 'import', '--dir', input()]).code).toBe(0);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function shellReference(name: string): Promise<string> {
  freshDatabase(file(name));
  await runShellScript(file(name), shellRestoreScript(input()), file(`${name}.sql`));
  return file(name);
}

describe('bench reference checks', () => {
  it('accept the sqlite3 reference: TEMP tables and NULLIF load exactly what crm loads', async () => {
    const reference = await shellReference('reference.db');
    expect(() => assertSameData('reference', reference, file('crm.db'), TABLE_NAMES)).not.toThrow();
  });

  it('stop on a reference that dropped a row', async () => {
    const reference = await shellReference('dropped.db');
    const db = new Database(reference);
    // The rules refuse deleting an interaction outright; a broken reference would not have them.
    db.exec('DROP TRIGGER customer_interactions_no_delete');
    db.prepare('DELETE FROM customer_interactions WHERE rowid = (SELECT max(rowid) FROM customer_interactions)').run();
    db.close();
    expect(() => assertSameData('reference', reference, file('crm.db'), TABLE_NAMES)).toThrow(UnequalWorkError);
    expect(() => assertSameData('reference', reference, file('crm.db'), TABLE_NAMES)).toThrow(/customer_interactions holds 1199 rows in the reference and 1200/);
  });

  it('stop on a reference that stored an empty field as text instead of NULL', async () => {
    const reference = await shellReference('changed.db');
    const db = new Database(reference);
    db.prepare(`UPDATE customers SET phone = '' WHERE rowid = (SELECT min(rowid) FROM customers WHERE phone IS NULL)`).run();
    db.close();
    expect(() => assertSameData('reference', reference, file('crm.db'), TABLE_NAMES)).toThrow(/customers has 400 rows on both sides but different values/);
  });

  it('stop on the shell loading the files straight into the tables, which refuses rows', async () => {
    freshDatabase(file('direct.db'));
    const script = TABLE_NAMES.map((table) => `.import --csv --skip 1 '${path.join(input(), `${table}.csv`)}' ${table}`).join('\n');
    await expect(runShellScript(file('direct.db'), `${script}\n`, file('direct.sql'))).rejects.toThrow(UnequalWorkError);
  });

  it('compare exported records, telling NULL from an empty string', async () => {
    fs.writeFileSync(file('a.csv'), 'id,note\n1,"Zoë"\n2,\n');
    fs.writeFileSync(file('b.csv'), 'id,note\n1,Zoë\n2,\n');
    fs.writeFileSync(file('c.csv'), 'id,note\n1,Zoë\n2,""\n');
    await expect(assertSameCsv('same', file('a.csv'), file('b.csv'))).resolves.toBe(3);
    await expect(assertSameCsv('null vs empty', file('b.csv'), file('c.csv'))).rejects.toThrow(/record 3 differs/);
  });
});
