/**
 * Bench section "server" (issue 9): the one-shot latency of `crm customer list` against a
 * team's PostgreSQL server (a local throwaway cluster, over its Unix socket, as a member under
 * row-level security) and against the SQLite file holding the same rows (the bench:queries
 * data of this scale, copied into the server with psql \copy). Whole processes, interleaved
 * so that both see the same moments of a shared machine; medians. Target: the server at most
 * 50 ms slower than the file.
 */
import path from 'node:path';
import { projectRoot } from '../../src/project-root.js';
import { measureProcess } from './measure.js';
import { MEMBER, startBenchServer } from './pg-data.js';
import { ensureQueriesFile } from './queries.js';
import type { BenchContext, BenchSection, FigureRow } from './section.js';

const CRM = path.join(projectRoot, 'bin', 'crm.js');
const BUDGET_MS = 50;
const ROUNDS = 15;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export const serverLatencySection: BenchSection = {
  name: 'server',
  describe: 'one-shot crm customer list against a PostgreSQL server vs the SQLite file with the same rows (whole processes, interleaved)',
  async run(context: BenchContext): Promise<FigureRow[]> {
    const file = await ensureQueriesFile(context.customers, context.log);
    const server = await startBenchServer(file, (message) => context.log(`[postgres] ${message}`));
    try {
      const url = server.url(MEMBER);
      const run = (location: string) => measureProcess(process.execPath, [CRM, '--db', location, 'customer', 'list'], { env: { ...process.env, NO_COLOR: '1' } });
      // Warm both (page cache, the server's buffers), then alternate.
      await run(file);
      await run(url);
      const sqlite: number[] = [];
      const postgres: number[] = [];
      const cpu = { sqlite: [] as number[], postgres: [] as number[] };
      const rounds = Math.max(ROUNDS, context.repeat);
      context.log(`${rounds} interleaved rounds …`);
      for (let round = 0; round < rounds; round++) {
        const [first, second] = round % 2 === 0 ? [file, url] : [url, file];
        for (const location of [first, second]) {
          const { seconds, cpuSeconds } = await run(location);
          (location === file ? sqlite : postgres).push(seconds * 1000);
          cpu[location === file ? 'sqlite' : 'postgres'].push(cpuSeconds * 1000);
        }
      }
      const over = median(postgres) - median(sqlite);
      return [
        {
          figure: `crm customer list, one shot, ${context.customers.toLocaleString('en-US')} customers (median of ${rounds})`,
          value: `PostgreSQL ${median(postgres).toFixed(0)} ms (crm CPU ${median(cpu.postgres).toFixed(0)} ms)`,
          reference: `SQLite ${median(sqlite).toFixed(0)} ms (CPU ${median(cpu.sqlite).toFixed(0)} ms)`,
          target: `≤ ${BUDGET_MS} ms over SQLite (${over >= 0 ? '+' : ''}${over.toFixed(0)} ms)`,
          met: over <= BUDGET_MS,
        },
      ];
    } finally {
      server.close();
    }
  },
};
