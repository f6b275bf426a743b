/**
 * `npm run bench [-- --customers N] [--repeat N] [--only SECTION]` (or BENCH_CUSTOMERS=N):
 * runs every bench section at one scale and prints, per section, rows of
 * "figure | crm | reference | ratio | target". Default scale: 1,000,000 customers and
 * 3,000,000 interactions. Exits 1 when a target is missed, 2 on a usage error, and stops
 * (exit 1, no ratio printed) when a reference did not produce exactly crm's data.
 *
 * A new section: a module exporting a BenchSection (test/bench/section.ts), added to SECTIONS.
 */
import fs from 'node:fs';
import path from 'node:path';
import { archiveSection } from './archive.js';
import { completionSection } from './completion.js';
import { exportSection } from './export.js';
import { pgTransferSection } from './pg-transfer.js';
import { restoreSection } from './restore.js';
import { BENCH_ROOT, printSection, UnequalWorkError, type BenchSection, type FigureRow } from './section.js';
import { undoSection } from './undo.js';
import { searchIndexSection } from './search-index.js';
import { serverLatencySection } from './server-latency.js';

const SECTIONS: readonly BenchSection[] = [restoreSection, exportSection, undoSection, archiveSection, completionSection, pgTransferSection, serverLatencySection, searchIndexSection];

const USAGE = `usage: npm run bench -- [--customers N] [--repeat N] [--only ${SECTIONS.map((s) => s.name).join('|')}]`;

function usage(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

function positiveInteger(text: string | undefined, name: string): number {
  const value = Number(text?.replaceAll('_', ''));
  if (!Number.isSafeInteger(value) || value <= 0) usage(`${name} needs a positive whole number (got ${text ?? 'nothing'})`);
  return value;
}

function options(argv: readonly string[]): { customers: number; repeat: number; only?: string } {
  let customers = process.env.BENCH_CUSTOMERS ? positiveInteger(process.env.BENCH_CUSTOMERS, 'BENCH_CUSTOMERS') : 1_000_000;
  let repeat = 1;
  let only: string | undefined;
  for (let index = 0; index < argv.length; index += 2) {
    const [name, value] = [argv[index], argv[index + 1]];
    if (name === '--customers' || name === '--rows') customers = positiveInteger(value, name);
    else if (name === '--repeat') repeat = positiveInteger(value, name);
    else if (name === '--only') {
      if (!SECTIONS.some((section) => section.name === value)) usage(`unknown section ${value ?? ''}`);
      only = value;
    } else usage(`unknown option ${name}`);
  }
  return { customers, repeat, only };
}

async function main(): Promise<void> {
  const { customers, repeat, only } = options(process.argv.slice(2));
  console.log(`# crm bench: ${customers.toLocaleString('en-US')} customers, ${(customers * 3).toLocaleString('en-US')} interactions, best of ${repeat}`);
  let missed = 0;
  for (const section of SECTIONS.filter((s) => !only || s.name === only)) {
    const work = path.join(BENCH_ROOT, section.name);
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(work, { recursive: true });
    const started = Date.now();
    let rows: FigureRow[];
    try {
      rows = await section.run({ customers, repeat, work, log: (message) => console.error(`[${section.name}] ${message}`) });
    } catch (error) {
      if (!(error instanceof UnequalWorkError)) throw error;
      console.error(`\n${section.name}: ABORTED, the reference did not do the same work as crm, so no ratio is printed:\n${error.message}`);
      process.exitCode = 1;
      return;
    }
    printSection(section, rows, (line) => console.log(line));
    console.log(`(${section.name}: ${Math.round((Date.now() - started) / 1000)} s in all)`);
    missed += rows.filter((row) => row.met === false).length;
    fs.rmSync(work, { recursive: true, force: true });
  }
  if (missed > 0) {
    console.log(`\n${missed} target(s) missed`);
    process.exitCode = 1;
  }
}

await main();
