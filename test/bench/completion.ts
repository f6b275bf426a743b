/**
 * Bench section "completion": what a Tab costs. `crm __complete -- customer show Ad` (what the
 * bash script runs for `crm customer show Ad<Tab>`) as a whole process, against `node -e 0`,
 * the floor of any Node program, on 100,000 customers and on the bench's scale (a million by
 * default). Issue 12: completion must feel instant, ≤ 100 ms. Each round runs every command
 * once, in an order that rotates from round to round, so a neighbour's load falls on all of
 * them alike; the figures are medians, with the mean CPU time (user + system) beside them,
 * which a busy machine inflates far less than wall time. The program's own path (`crm --db F
 * __complete …`, commander, drizzle and migrations) is shown for comparison.
 *
 * The databases (customers, products and companies, no interactions) are kept in
 * .bench/completion-data/ between runs: a million customers take minutes to write.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { foldCase } from '../../src/domain/fold.js';
import { projectRoot } from '../../src/project-root.js';
import { fillDatabase } from './data.js';
import { BENCH_ROOT, UnequalWorkError, type BenchContext, type BenchSection, type FigureRow } from './section.js';

const CRM = path.join(projectRoot, 'bin', 'crm.js');
const TARGET_MS = 100;
const SMALL = 100_000;
const ROUNDS = 21;
/** Below this, a database is written into the section's work folder rather than kept (the test's scale). */
const KEPT_FROM = 10_000;
const PREFIX = 'Ad';
const CACHE = path.join(BENCH_ROOT, 'completion-data');

interface Probe {
  label: string;
  args: string[];
  /** The candidates it printed must be names starting with PREFIX (checked on the first round). */
  names?: boolean;
}

const CLOCK_TICKS_PER_MS = 100 / 1000;

/** CPU time of this process's finished children (cutime + cstime), in ms. */
function childrenCpuMs(): number {
  const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_MS;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A crm file of `customers` customers, written once and kept. */
function database(customers: number, context: BenchContext): string {
  const folder = customers >= KEPT_FROM ? CACHE : context.work;
  fs.mkdirSync(folder, { recursive: true });
  const file = path.join(folder, `customers-${customers}.db`);
  if (!fs.existsSync(file)) {
    context.log(`writing ${customers.toLocaleString('en-US')} customers into ${path.relative(projectRoot, file)} (kept for the next runs) …`);
    const partial = `${file}.partial`;
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${partial}${suffix}`, { force: true });
    fillDatabase(partial, { customers, interactionsPerCustomer: 0 }, ['products', 'companies', 'customers']);
    fs.renameSync(partial, file);
  }
  return file;
}

/** Equal work: names, each starting with the prefix once folded, in folded order, at most 50. */
function checkNames(label: string, stdout: string): void {
  const names = stdout.split('\n').filter(Boolean);
  const folds = names.map(foldCase);
  const wanted = foldCase(PREFIX);
  if (names.length === 0 || names.length > 50 || folds.some((fold) => !fold.startsWith(wanted)) || folds.some((fold, i) => i > 0 && folds[i - 1]! >= fold)) {
    throw new UnequalWorkError(`${label} did not print the names starting with ${PREFIX}:\n${stdout}`);
  }
}

/** `rounds`: interleaved rounds (the test runs a few). */
export function completionBench(rounds = ROUNDS): BenchSection {
  return {
    name: 'completion',
    describe: `crm __complete -- customer show ${PREFIX} (a Tab) against node -e 0, whole processes, medians of ${rounds} interleaved rounds`,
    async run(context: BenchContext): Promise<FigureRow[]> {
      const sizes = [...new Set([Math.min(SMALL, context.customers), context.customers])];
      const files = new Map(sizes.map((size) => [size, database(size, context)]));
      const words = ['customer', 'show', PREFIX];
      const probes: Probe[] = [{ label: 'node -e 0', args: ['-e', '0'] }];
      for (const [size, file] of files) {
        probes.push({ label: `crm __complete, ${size.toLocaleString('en-US')} customers`, args: [CRM, '__complete', '--', '--db', file, ...words], names: true });
      }
      const largest = files.get(context.customers)!;
      const programPath = `the program's path (crm --db F __complete), ${context.customers.toLocaleString('en-US')} customers`;
      probes.push({ label: programPath, args: [CRM, '--db', largest, '__complete', '--', ...words], names: true });

      const wall = new Map<string, number[]>(probes.map((probe) => [probe.label, []]));
      const cpu = new Map<string, number[]>(probes.map((probe) => [probe.label, []]));
      context.log(`${rounds} rounds of ${probes.length} commands …`);
      for (let round = 0; round < rounds; round++) {
        for (let index = 0; index < probes.length; index++) {
          const probe = probes[(index + round) % probes.length]!;
          const cpuBefore = childrenCpuMs();
          const started = process.hrtime.bigint();
          const result = spawnSync(process.execPath, probe.args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: context.work } });
          wall.get(probe.label)!.push(Number(process.hrtime.bigint() - started) / 1e6);
          cpu.get(probe.label)!.push(childrenCpuMs() - cpuBefore);
          if (result.status !== 0 || result.stderr !== '') throw new UnequalWorkError(`${probe.label} failed (${result.status}): ${result.stderr}`);
          if (probe.names) checkNames(probe.label, result.stdout);
        }
      }
      const wallMs = (label: string) => median(wall.get(label)!);
      const cpuMs = (label: string) => cpu.get(label)!.reduce((sum, value) => sum + value, 0) / rounds;
      const node = 'node -e 0';
      const reference = `node -e 0: ${wallMs(node).toFixed(0)} ms (CPU ${cpuMs(node).toFixed(0)} ms)`;
      return probes.slice(1).map((probe): FigureRow => {
        const ms = wallMs(probe.label);
        const row: FigureRow = {
          figure: probe.label,
          value: `${ms.toFixed(0)} ms (CPU ${cpuMs(probe.label).toFixed(0)} ms), node -e 0 + ${(ms - wallMs(node)).toFixed(0)} ms`,
          reference,
          ratio: wallMs(node) / ms,
        };
        return probe.label === programPath ? row : { ...row, target: `≤ ${TARGET_MS} ms`, met: ms <= TARGET_MS };
      });
    },
  };
}

export const completionSection = completionBench();
