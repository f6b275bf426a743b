/**
 * Bench section "undo": `crm undo` of a 100,000-row import against the import itself (issue
 * 12: the undo must take less time than the import did), whole processes as users run them.
 * The import is audited row by row (--audit rows): an import audited as one summary entry
 * leaves no rows to put back and cannot be undone, so its time is shown beside, for what
 * keeping an import undoable costs. Before any ratio is printed the undo is checked to have
 * done the whole work: every imported customer gone, the products (an earlier change set)
 * untouched, and the data equal to a file that never had the import.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { fileNameFor } from '../../src/csv/columns.js';
import { projectRoot } from '../../src/project-root.js';
import { writeExportFiles } from './data.js';
import { assertSameData } from './equal.js';
import { measureProcess } from './measure.js';
import { freshDatabase } from './restore.js';
import { best, megabytes, rate, UnequalWorkError, type BenchContext, type BenchSection, type FigureRow } from './section.js';

const CRM = path.join(projectRoot, 'bin', 'crm.js');
const IMPORT_ROWS = 100_000;
/** The undo must be faster than the import it takes back. */
const RATIO_TARGET = 1;

const crmRun = (file: string, args: readonly string[]) => measureProcess(process.execPath, [CRM, '--db', file, ...args]);

function count(file: string, table: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

export const undoSection: BenchSection = {
  name: 'undo',
  describe: 'crm undo of a 100,000-customer import (audited row by row) against the import itself',
  async run(context: BenchContext): Promise<FigureRow[]> {
    const rows = Math.min(context.customers, IMPORT_ROWS);
    const input = path.join(context.work, 'input');
    fs.mkdirSync(input);
    context.log(`writing ${rows.toLocaleString('en-US')} customers in export form …`);
    await writeExportFiles(input, { customers: rows }, ['products', 'companies', 'customers']);
    const file = (name: string) => path.join(context.work, name);
    const products = path.join(input, fileNameFor('products'));
    const companies = path.join(input, fileNameFor('companies'));
    const customers = path.join(input, fileNameFor('customers'));

    // The file as it is without the import: the products and companies the customers name.
    freshDatabase(file('before.db'));
    await crmRun(file('before.db'), ['import', 'products', products]);
    await crmRun(file('before.db'), ['import', 'companies', companies]);

    const importAndUndo = async () => {
      const db = file('crm.db');
      freshDatabase(db);
      await crmRun(db, ['import', 'products', products]);
      await crmRun(db, ['import', 'companies', companies]);
      const imported = await crmRun(db, ['import', 'customers', customers, '--audit', 'rows']);
      if (count(db, 'customers') !== rows) throw new UnequalWorkError(`the import wrote ${count(db, 'customers')} customers, not ${rows}`);
      const undone = await crmRun(db, ['undo', '--yes']);
      return { seconds: imported.seconds + undone.seconds, imported, undone, db };
    };
    context.log('crm import customers --audit rows, then crm undo --yes …');
    const { imported, undone, db } = await best(context.repeat, importAndUndo);
    if (count(db, 'customers') !== 0) throw new UnequalWorkError(`the undo left ${count(db, 'customers')} of ${rows} customers`);
    assertSameData('crm undo of the import vs a file that never had it', file('before.db'), db, ['products', 'customers', 'customer_interactions']);

    context.log('crm import customers --audit summary (cannot be undone), for comparison …');
    const summary = await best(context.repeat, async () => {
      const target = file('summary.db');
      freshDatabase(target);
      await crmRun(target, ['import', 'products', products]);
      await crmRun(target, ['import', 'companies', companies]);
      return crmRun(target, ['import', 'customers', customers, '--audit', 'summary']);
    });

    const ratio = imported.seconds / undone.seconds;
    return [
      {
        figure: `crm undo of a ${rows.toLocaleString('en-US')}-row import`,
        value: `${undone.seconds.toFixed(2)} s (CPU ${undone.cpuSeconds.toFixed(1)} s), ${rate(rows, undone.seconds)}, ${megabytes(undone.peakRssKb)}`,
        reference: `import ${imported.seconds.toFixed(2)} s (CPU ${imported.cpuSeconds.toFixed(1)} s), ${megabytes(imported.peakRssKb)}`,
        ratio,
        target: `≥ ${RATIO_TARGET}× (faster than the import)`,
        met: ratio >= RATIO_TARGET,
      },
      {
        figure: 'the same import audited as a summary (not undoable)',
        value: `${summary.seconds.toFixed(2)} s, ${rate(rows, summary.seconds)}`,
        reference: `--audit rows ${imported.seconds.toFixed(2)} s`,
        ratio: imported.seconds / summary.seconds,
      },
    ];
  },
};
