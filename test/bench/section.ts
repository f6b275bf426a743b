/**
 * What every bench section shares: the scale, a work folder, and one way to report a figure.
 * A section measures and returns rows of "figure | reference | ratio | target"; run.ts
 * prints them and exits non-zero when a target is missed. A section that cannot compare
 * equal work (a reference that fails or produces other data) throws instead: no ratio is
 * printed for work that differs.
 */
import path from 'node:path';
import { projectRoot } from '../../src/project-root.js';

export interface BenchContext {
  /** Customers in the generated data (interactions: 3 per customer). */
  customers: number;
  /** Runs per measurement; the best is kept (on a shared machine the slow runs measure the neighbours). */
  repeat: number;
  /** A folder of the section's own under .bench/, created empty. */
  work: string;
  log(message: string): void;
}

export interface FigureRow {
  figure: string;
  /** What was measured, e.g. `12.3 s, 325,000 rows/s, 180 MB`. */
  value: string;
  /** The same work done by the reference, or `-`. */
  reference: string;
  /** How crm compares: higher is better (rate ratio, or budget / used). */
  ratio?: number;
  /** e.g. `≥ 0.5×`, `< 300 MB`. */
  target?: string;
  /** Whether the target is met; undefined when the row has no target. */
  met?: boolean;
}

export interface BenchSection {
  name: string;
  /** One line: what the section measures. */
  describe: string;
  run(context: BenchContext): Promise<FigureRow[]>;
}

/** A reference that did not do the same work as crm: the bench stops rather than print a ratio. */
export class UnequalWorkError extends Error {}

export const BENCH_ROOT = path.join(projectRoot, '.bench');

export function rate(rows: number, seconds: number): string {
  return `${Math.round(rows / seconds).toLocaleString('en-US')} rows/s`;
}

export function megabytes(kb: number): string {
  return `${Math.round(kb / 1024)} MB`;
}

export async function best<T extends { seconds: number }>(repeat: number, run: () => Promise<T>): Promise<T> {
  let result: T | undefined;
  for (let round = 0; round < repeat; round++) {
    const measured = await run();
    if (!result || measured.seconds < result.seconds) result = measured;
  }
  return result!;
}

export function printSection(section: BenchSection, rows: readonly FigureRow[], write: (line: string) => void): void {
  const header = ['figure', 'crm', 'reference', 'ratio', 'target', ''];
  const lines = rows.map((row) => [
    row.figure,
    row.value,
    row.reference,
    row.ratio === undefined ? '-' : `${row.ratio.toFixed(2)}×`,
    row.target ?? '-',
    row.met === undefined ? '' : row.met ? 'ok' : 'MISSED',
  ]);
  const widths = header.map((cell, index) => Math.max(cell.length, ...lines.map((line) => line[index]!.length)));
  write(`\n## ${section.name}: ${section.describe}`);
  for (const line of [header, ...lines]) write(line.map((cell, index) => cell.padEnd(widths[index]!)).join(' | ').trimEnd());
}
