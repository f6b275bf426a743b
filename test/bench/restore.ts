/**
 * Bench section "restore": what users run, whole processes, on data shaped like real exports
 * (test/bench/data.ts). `crm import --dir` against the sqlite3 shell loading the same files
 * into the same schema, with and without the audit triggers; then the peak memory of every
 * import form a restore can take; then `crm export --dir` against the shell's CSV output.
 *
 * The shell reference: `.import` into TEMP tables, then one INSERT … SELECT per table with
 * NULLIF on every column, in one transaction. (`.import` stores an empty field as '' rather
 * than NULL; imported straight into the tables, the product-reference trigger refused every
 * customer without a product, and their interactions.) Every reference is checked to hold
 * exactly crm's data (row counts and a checksum per table) before any ratio is printed.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TABLE_COLUMNS, fileNameFor, RESTORE_ORDER } from '../../src/csv/columns.js';
import { EXPECTED_TRIGGERS } from '../../src/db/expected.js';
import { projectRoot } from '../../src/project-root.js';
import { TABLE_NAMES, type TableName } from '../../src/domain/vocabulary.js';
import { datasetRowCount, writeExportFiles, type DatasetShape } from './data.js';
import { assertSameCsv, assertSameData } from './equal.js';
import { measureProcess, type ProcessMeasure } from './measure.js';
import { best, megabytes, rate, UnequalWorkError, type BenchContext, type BenchSection, type FigureRow } from './section.js';

export const SQLITE3 = '/usr/bin/sqlite3';
const CRM = path.join(projectRoot, 'bin', 'crm.js');
/** Peak memory promised for an import of any size (README, "Guarantees"). */
export const IMPORT_MEMORY_BUDGET_KB = 300 * 1024;
const IMPORT_RATIO_TARGET = 0.5;
const EXPORT_RATIO_TARGET = 0.7;

function removeDatabase(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(`${file}${suffix}`, { force: true });
}

/** A new file with crm's schema and every trigger, made by crm itself. */
export function freshDatabase(file: string): void {
  removeDatabase(file);
  const result = spawnSync(process.execPath, [CRM, '--db', file, 'db', 'init'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`cannot create ${file}: ${result.stderr}`);
}

export function dropAuditTriggers(file: string): void {
  const db = new Database(file);
  try {
    for (const trigger of EXPECTED_TRIGGERS.filter((name) => name.includes('_audit_'))) db.exec(`DROP TRIGGER ${trigger}`);
  } finally {
    db.close();
  }
}

/**
 * The sqlite3 shell script that loads an export folder into a crm file: `.import` into TEMP
 * tables (text, every empty field ''), then one transaction of INSERT … SELECT with NULLIF
 * per column, in dependency order. Exported for the test that proves the check catches a
 * reference that loses rows.
 */
export function shellRestoreScript(inputDir: string, tables: readonly TableName[] = RESTORE_ORDER): string {
  const lines: string[] = [];
  for (const table of tables) {
    const columns = TABLE_COLUMNS[table].map((column) => `"${column}"`).join(', ');
    lines.push(`CREATE TEMP TABLE "load_${table}" (${columns});`);
    lines.push(`.import --csv --skip 1 --schema temp '${path.join(inputDir, fileNameFor(table))}' load_${table}`);
  }
  lines.push('BEGIN;');
  for (const table of tables) {
    const columns = TABLE_COLUMNS[table].map((column) => `"${column}"`);
    const values = columns.map((column) => `NULLIF(${column}, '')`).join(', ');
    lines.push(`INSERT INTO "${table}" (${columns.join(', ')}) SELECT ${values} FROM temp."load_${table}" ORDER BY rowid;`);
  }
  lines.push('COMMIT;');
  return `${lines.join('\n')}\n`;
}

/** Runs a shell script against a file; any error message (a refused row included) fails it. */
export async function runShellScript(file: string, script: string, scriptFile: string): Promise<ProcessMeasure> {
  fs.writeFileSync(scriptFile, script);
  const stderrFile = `${scriptFile}.stderr`;
  const measured = await measureProcess('/bin/sh', ['-c', `exec "$0" -bail "$1" ".read '$2'" 2>"$3"`, SQLITE3, file, scriptFile, stderrFile]);
  const stderr = fs.readFileSync(stderrFile, 'utf8').trim();
  if (stderr) throw new UnequalWorkError(`the sqlite3 reference reported errors, so it did not load every row:\n${stderr.split('\n').slice(0, 5).join('\n')}`);
  return measured;
}

const crmRun = (file: string, args: readonly string[]) => measureProcess(process.execPath, [CRM, '--db', file, ...args]);

function describeRun(m: ProcessMeasure, rows: number): string {
  return `${m.seconds.toFixed(1)} s, ${rate(rows, m.seconds)}, ${megabytes(m.peakRssKb)}`;
}

function memoryRow(figure: string, m: ProcessMeasure): FigureRow {
  return {
    figure,
    value: `${megabytes(m.peakRssKb)} (${m.seconds.toFixed(1)} s)`,
    reference: megabytes(IMPORT_MEMORY_BUDGET_KB),
    ratio: IMPORT_MEMORY_BUDGET_KB / m.peakRssKb,
    target: `< ${megabytes(IMPORT_MEMORY_BUDGET_KB)}`,
    met: m.peakRssKb < IMPORT_MEMORY_BUDGET_KB,
  };
}

function speedRow(figure: string, crm: ProcessMeasure, reference: ProcessMeasure, rows: number, target: number): FigureRow {
  const ratio = reference.seconds / crm.seconds;
  return {
    figure,
    value: describeRun(crm, rows),
    reference: describeRun(reference, rows),
    ratio,
    target: `≥ ${target}×`,
    met: ratio >= target,
  };
}

export const restoreSection: BenchSection = {
  name: 'restore',
  describe: 'crm import/export --dir against the sqlite3 shell on the same files, plus peak memory of each import form',
  async run(context: BenchContext): Promise<FigureRow[]> {
    if (!fs.existsSync(SQLITE3)) throw new Error(`${SQLITE3} not found (apt-get install sqlite3): the restore section compares against it`);
    const shape: DatasetShape = { customers: context.customers };
    const rows = TABLE_NAMES.reduce((sum, table) => sum + datasetRowCount(table, shape), 0);
    const input = path.join(context.work, 'input');
    const file = (name: string) => path.join(context.work, name);
    context.log(`generating ${rows.toLocaleString('en-US')} rows in ${input} …`);
    await writeExportFiles(input, shape);

    const reference = async (name: string, withAudit: boolean) => {
      context.log(`sqlite3 reference, ${withAudit ? 'every trigger (an audit entry per row)' : 'no audit triggers'} …`);
      return best(context.repeat, async () => {
        freshDatabase(file(name));
        if (!withAudit) dropAuditTriggers(file(name));
        return runShellScript(file(name), shellRestoreScript(input), file(`${name}.sql`));
      });
    };
    const importInto = async (name: string, args: readonly string[], what: string) => {
      context.log(`${what} …`);
      return best(context.repeat, async () => {
        freshDatabase(file(name));
        return crmRun(file(name), args);
      });
    };

    const shellPlain = await reference('sqlite3-plain.db', false);
    const summary = await importInto('crm.db', ['import', '--dir', input, '--audit', 'summary'], 'crm import --dir --audit summary');
    assertSameData('crm import --audit summary vs sqlite3 without audit triggers', file('sqlite3-plain.db'), file('crm.db'), TABLE_NAMES);
    removeDatabase(file('sqlite3-plain.db'));

    const shellAudited = await reference('sqlite3-audited.db', true);
    const perRow = await importInto('crm-rows.db', ['import', '--dir', input, '--audit', 'rows'], 'crm import --dir --audit rows');
    assertSameData('crm import --audit rows vs sqlite3 with every trigger', file('sqlite3-audited.db'), file('crm-rows.db'), TABLE_NAMES);
    const auditEntries = (name: string) => {
      const db = new Database(file(name), { readonly: true });
      try {
        return db.prepare('SELECT count(*) FROM audit_log').pluck().get() as number;
      } finally {
        db.close();
      }
    };
    if (auditEntries('sqlite3-audited.db') !== auditEntries('crm-rows.db')) {
      throw new UnequalWorkError(`audit entries differ: sqlite3 ${auditEntries('sqlite3-audited.db')}, crm --audit rows ${auditEntries('crm-rows.db')}`);
    }
    removeDatabase(file('sqlite3-audited.db'));
    removeDatabase(file('crm-rows.db'));

    // Peak memory of the other forms a restore takes, each on the full data.
    context.log('crm import --dir --dry-run into an empty file …');
    freshDatabase(file('crm-dry.db'));
    const dryRun = await crmRun(file('crm-dry.db'), ['import', '--dir', input, '--dry-run']);
    removeDatabase(file('crm-dry.db'));
    context.log('crm import <table> <file>, table by table …');
    freshDatabase(file('crm-tables.db'));
    let perTable: ProcessMeasure = { seconds: 0, cpuSeconds: 0, peakRssKb: 0 };
    for (const table of RESTORE_ORDER) {
      const m = await crmRun(file('crm-tables.db'), ['import', table, path.join(input, fileNameFor(table)), '--audit', 'summary']);
      perTable = { seconds: perTable.seconds + m.seconds, cpuSeconds: perTable.cpuSeconds + m.cpuSeconds, peakRssKb: Math.max(perTable.peakRssKb, m.peakRssKb) };
    }
    assertSameData('crm import table by table vs crm import --dir', file('crm.db'), file('crm-tables.db'), TABLE_NAMES);
    context.log('crm import customers again --on-duplicate update (every row exists) …');
    const again = await crmRun(file('crm-tables.db'), ['import', 'customers', path.join(input, fileNameFor('customers')), '--on-duplicate', 'update']);
    assertSameData('re-import with --on-duplicate update', file('crm.db'), file('crm-tables.db'), TABLE_NAMES);
    removeDatabase(file('crm-tables.db'));
    context.log('crm import customer_interactions --skip-invalid into an empty file (every row rejected) …');
    freshDatabase(file('crm-rejects.db'));
    const rejects = await crmRun(file('crm-rejects.db'), ['import', 'customer_interactions', path.join(input, fileNameFor('customer_interactions')), '--skip-invalid']);
    removeDatabase(file('crm-rejects.db'));

    context.log('sqlite3 -csv export …');
    const shellOut = file('sqlite3-export');
    const crmOut = file('crm-export');
    fs.mkdirSync(shellOut, { recursive: true });
    const shellExport = await best(context.repeat, async () => {
      let total: ProcessMeasure = { seconds: 0, cpuSeconds: 0, peakRssKb: 0 };
      for (const table of TABLE_NAMES) {
        const columns = TABLE_COLUMNS[table].map((column) => `"${column}"`).join(', ');
        const m = await measureProcess(SQLITE3, ['-bail', '-csv', '-header', file('crm.db'), `SELECT ${columns} FROM "${table}" ORDER BY rowid`], {
          stdoutFile: path.join(shellOut, fileNameFor(table)),
        });
        total = { seconds: total.seconds + m.seconds, cpuSeconds: total.cpuSeconds + m.cpuSeconds, peakRssKb: Math.max(total.peakRssKb, m.peakRssKb) };
      }
      return total;
    });
    context.log('crm export --dir …');
    const crmExport = await best(context.repeat, () => crmRun(file('crm.db'), ['export', '--dir', crmOut]));
    for (const table of TABLE_NAMES) {
      await assertSameCsv(`export of ${table}`, path.join(shellOut, fileNameFor(table)), path.join(crmOut, fileNameFor(table)));
    }
    const roundTrip = TABLE_NAMES.every((table) => spawnSync('cmp', ['-s', path.join(input, fileNameFor(table)), path.join(crmOut, fileNameFor(table))]).status === 0);

    return [
      speedRow('import --dir --audit summary vs sqlite3 without audit triggers (headline)', summary, shellPlain, rows, IMPORT_RATIO_TARGET),
      speedRow('import --dir --audit rows vs sqlite3 with every trigger', perRow, shellAudited, rows, IMPORT_RATIO_TARGET),
      {
        figure: 'import --dir --audit summary vs sqlite3 with every trigger',
        value: describeRun(summary, rows),
        reference: describeRun(shellAudited, rows),
        ratio: shellAudited.seconds / summary.seconds,
      },
      speedRow('export --dir vs sqlite3 -csv (same records, checked)', crmExport, shellExport, rows, EXPORT_RATIO_TARGET),
      memoryRow('peak memory: import --dir (--audit summary)', summary),
      memoryRow('peak memory: import --dir --audit rows', perRow),
      memoryRow('peak memory: import --dir --dry-run', dryRun),
      memoryRow('peak memory: import <table> <file>, largest table', perTable),
      memoryRow('peak memory: import customers --on-duplicate update (all exist)', again),
      memoryRow(`peak memory: import --skip-invalid, ${datasetRowCount('customer_interactions', shape).toLocaleString('en-US')} rejects`, rejects),
      memoryRow('peak memory: export --dir', crmExport),
      {
        figure: 'round trip: generated export → crm import → crm export',
        value: roundTrip ? 'byte-identical' : 'DIFFERENT',
        reference: '-',
        target: 'byte-identical',
        met: roundTrip,
      },
    ];
  },
};
