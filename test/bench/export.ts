/**
 * Bench section "export": `crm export --dir` against the sqlite3 shell's `-csv -header` output
 * of the same tables, on the same file (issue 10: at least 0.7× the shell's rows/s).
 *
 * The file holds the generated dataset of test/bench/data.ts (quotes, commas, line breaks,
 * accents, NULLs), written once through crm's schema and kept under .bench/export-data.
 * The reference runs one `sqlite3 -bail -csv -header FILE "SELECT <columns> FROM <table>
 * ORDER BY rowid"` per table, the columns and order crm exports, each to its file; crm is one
 * process writing the whole folder (its start-up included). Rounds alternate the two, so both
 * meet the same machine load; the best wall time of each is compared, and CPU time is shown
 * beside it. Before any ratio is printed, each pair of files must hold the same records
 * (equal.ts: each cell the same text, NULL told apart from "").
 */
import fs from 'node:fs';
import path from 'node:path';
import { TABLE_COLUMNS, fileNameFor } from '../../src/csv/columns.js';
import { projectRoot } from '../../src/project-root.js';
import { TABLE_NAMES } from '../../src/domain/vocabulary.js';
import { datasetRowCount, fillDatabase, type DatasetShape } from './data.js';
import { assertSameCsv } from './equal.js';
import { measureProcess, type ProcessMeasure } from './measure.js';
import { SQLITE3 } from './restore.js';
import { BENCH_ROOT, megabytes, rate, type BenchContext, type BenchSection, type FigureRow } from './section.js';

const CRM = path.join(projectRoot, 'bin', 'crm.js');
const RATIO_TARGET = 0.7;
/** Alternating rounds at least: one round of each on a shared machine says little. */
const MIN_ROUNDS = 3;
/** Below this, the file is written into the section's work folder rather than kept (the test's scale). */
const KEPT_FROM = 10_000;
const CACHE = path.join(BENCH_ROOT, 'export-data');

function database(context: BenchContext, shape: DatasetShape): string {
  const folder = context.customers >= KEPT_FROM ? CACHE : context.work;
  fs.mkdirSync(folder, { recursive: true });
  const file = path.join(folder, `export-${context.customers}.db`);
  if (!fs.existsSync(file)) {
    context.log(`writing ${context.customers.toLocaleString('en-US')} customers and their rows into ${path.relative(projectRoot, file)} (kept for the next runs) …`);
    const partial = `${file}.partial`;
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${partial}${suffix}`, { force: true });
    fillDatabase(partial, shape);
    fs.renameSync(partial, file);
  }
  return file;
}

function add(total: ProcessMeasure, m: ProcessMeasure): ProcessMeasure {
  return { seconds: total.seconds + m.seconds, cpuSeconds: total.cpuSeconds + m.cpuSeconds, peakRssKb: Math.max(total.peakRssKb, m.peakRssKb) };
}

async function shellExport(file: string, out: string): Promise<ProcessMeasure> {
  fs.mkdirSync(out, { recursive: true });
  let total: ProcessMeasure = { seconds: 0, cpuSeconds: 0, peakRssKb: 0 };
  for (const table of TABLE_NAMES) {
    const columns = TABLE_COLUMNS[table].map((column) => `"${column}"`).join(', ');
    total = add(total, await measureProcess(SQLITE3, ['-bail', '-csv', '-header', file, `SELECT ${columns} FROM "${table}" ORDER BY rowid`], { stdoutFile: path.join(out, fileNameFor(table)) }));
  }
  return total;
}

function describeRun(m: ProcessMeasure, rows: number): string {
  return `${m.seconds.toFixed(2)} s, ${rate(rows, m.seconds)}, ${m.cpuSeconds.toFixed(2)} s CPU, ${megabytes(m.peakRssKb)}`;
}

export const exportSection: BenchSection = {
  name: 'export',
  describe: 'crm export --dir against sqlite3 -csv -header of the same tables of the same file, alternating rounds',
  async run(context: BenchContext): Promise<FigureRow[]> {
    if (!fs.existsSync(SQLITE3)) throw new Error(`${SQLITE3} not found (apt-get install sqlite3): the export section compares against it`);
    const shape: DatasetShape = { customers: context.customers };
    const rows = TABLE_NAMES.reduce((sum, table) => sum + datasetRowCount(table, shape), 0);
    const file = database(context, shape);
    const shellOut = path.join(context.work, 'sqlite3');
    const crmOut = path.join(context.work, 'crm');
    let shell: ProcessMeasure | undefined;
    let crm: ProcessMeasure | undefined;
    const rounds = Math.max(context.repeat, MIN_ROUNDS);
    for (let round = 1; round <= rounds; round++) {
      context.log(`round ${round} of ${rounds}: sqlite3 -csv, then crm export --dir (${rows.toLocaleString('en-US')} rows)`);
      fs.rmSync(shellOut, { recursive: true, force: true });
      const s = await shellExport(file, shellOut);
      fs.rmSync(crmOut, { recursive: true, force: true });
      const c = await measureProcess(process.execPath, [CRM, '--db', file, 'export', '--dir', crmOut]);
      context.log(`  sqlite3 ${s.seconds.toFixed(2)} s (${s.cpuSeconds.toFixed(2)} s CPU), crm ${c.seconds.toFixed(2)} s (${c.cpuSeconds.toFixed(2)} s CPU)`);
      if (!shell || s.seconds < shell.seconds) shell = s;
      if (!crm || c.seconds < crm.seconds) crm = c;
    }
    for (const table of TABLE_NAMES) {
      await assertSameCsv(`export of ${table}`, path.join(shellOut, fileNameFor(table)), path.join(crmOut, fileNameFor(table)));
    }
    const ratio = shell!.seconds / crm!.seconds;
    return [
      {
        figure: `export --dir, ${rows.toLocaleString('en-US')} rows, best of ${rounds} (wall)`,
        value: describeRun(crm!, rows),
        reference: describeRun(shell!, rows),
        ratio,
        target: `≥ ${RATIO_TARGET}×`,
        met: ratio >= RATIO_TARGET,
      },
      {
        figure: 'the same runs in CPU time (user + system)',
        value: `${crm!.cpuSeconds.toFixed(2)} s`,
        reference: `${shell!.cpuSeconds.toFixed(2)} s`,
        ratio: shell!.cpuSeconds / crm!.cpuSeconds,
      },
    ];
  },
};
