/**
 * Bench section "search-index" (issue 11): what keeping `crm search`'s index costs an import.
 * SQLite: `crm import --dir` of the same export into a new file, with the index (FTS5, filled
 * once before the commit) and into a new file whose search index, its triggers and its
 * pending table were dropped (crm then maintains nothing). PostgreSQL: the bulk insert an
 * import ends with (INSERT … SELECT from a staging table, one statement per table, every
 * trigger on), with and without the index's statement-level triggers (drizzle/pg/0006), in a
 * transaction that defers the index and builds the noted documents at its end, as crm's
 * import does (drizzle/pg/0016). The runs with and without alternate, so that both see the
 * same neighbours. Target: with the index at most 1.3× the time without.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { projectRoot } from '../../src/project-root.js';
import { DEFER_SEARCH_INDEX, FLUSH_SEARCH_INDEX } from '../../src/repositories/pg/bulk-transfer.js';
import { CUSTOMER_COLUMNS, INTERACTION_COLUMNS } from '../../src/repositories/pg/queries.js';
import { writeExportFiles } from './data.js';
import { measureProcess } from './measure.js';
import { startBenchServer, OWNER } from './pg-data.js';
import { ensureQueriesFile } from './queries.js';
import { freshDatabase } from './restore.js';
import { rate, UnequalWorkError, type BenchContext, type BenchSection, type FigureRow } from './section.js';

const CRM = path.join(projectRoot, 'bin', 'crm.js');
const RATIO_TARGET = 1.3;

/** The search index of drizzle/0012 and what keeps it, dropped: a file as it would be without the feature. */
function dropSearchIndex(file: string): void {
  const db = new Database(file);
  try {
    const triggers = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'customer_search_%'`).pluck().all() as string[];
    for (const trigger of triggers) db.exec(`DROP TRIGGER "${trigger}"`);
    db.exec('DROP TABLE customer_search; DROP TABLE customer_search_pending');
  } finally {
    db.close();
  }
}

function customers(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM customers').pluck().get() as number;
  } finally {
    db.close();
  }
}

const PG_SEARCH_TRIGGERS = ['crm.customers customers_search_insert', 'crm.customer_interactions customer_interactions_search_insert'];
const ROW_TRIGGERS = ['crm.customers customers_audit', 'crm.customers customers_notify', 'crm.customer_interactions customer_interactions_audit', 'crm.customer_interactions customer_interactions_notify'];

export const searchIndexSection: BenchSection = {
  name: 'search-index',
  describe: "what crm search's index costs an import: the same import with and without it (SQLite: crm import --dir; PostgreSQL: the bulk INSERT … SELECT)",
  async run(context: BenchContext): Promise<FigureRow[]> {
    const rows: FigureRow[] = [];
    const input = path.join(context.work, 'input');
    fs.mkdirSync(input);
    context.log(`writing ${context.customers.toLocaleString('en-US')} customers in export form …`);
    await writeExportFiles(input, { customers: context.customers });
    const importInto = async (name: string, withIndex: boolean) => {
      const file = path.join(context.work, name);
      freshDatabase(file);
      if (!withIndex) dropSearchIndex(file);
      const measured = await measureProcess(process.execPath, [CRM, '--db', file, 'import', '--dir', input, '--audit', 'summary']);
      if (customers(file) !== context.customers) throw new UnequalWorkError(`${name}: ${customers(file)} customers imported, not ${context.customers}`);
      return measured.seconds;
    };
    const alternating = async (label: string, run: (withIndex: boolean) => Promise<number>) => {
      let without = Infinity;
      let withIndex = Infinity;
      for (let round = 1; round <= context.repeat; round++) {
        context.log(`${label} without the search index (round ${round}) …`);
        without = Math.min(without, await run(false));
        context.log(`${label} with it (round ${round}) …`);
        withIndex = Math.min(withIndex, await run(true));
      }
      return { without: { seconds: without }, withIndex: { seconds: withIndex } };
    };
    const { without, withIndex } = await alternating('crm import --dir', (withIndex) => importInto(withIndex ? 'with.db' : 'without.db', withIndex));
    const sqliteRatio = withIndex.seconds / without.seconds;
    rows.push({
      figure: `SQLite: crm import --dir of ${context.customers.toLocaleString('en-US')} customers with the search index`,
      value: `${withIndex.seconds.toFixed(2)} s, ${rate(context.customers, withIndex.seconds)}`,
      reference: `without it ${without.seconds.toFixed(2)} s`,
      ratio: RATIO_TARGET / sqliteRatio,
      target: `≤ ${RATIO_TARGET}× the time (ratio = ${RATIO_TARGET} / ${sqliteRatio.toFixed(2)})`,
      met: sqliteRatio <= RATIO_TARGET,
    });

    // PostgreSQL: the rows of the bench:queries file of this scale, staged, then inserted.
    const file = await ensureQueriesFile(context.customers, context.log);
    const server = await startBenchServer(file, (message) => context.log(`[postgres] ${message}`));
    try {
      const client = new pg.Client({ connectionString: server.url(OWNER) });
      await client.connect();
      const insertAll = async (withTriggers: boolean) => {
        await client.query('BEGIN');
        try {
          await client.query(`CREATE TEMPORARY TABLE staged_customers ON COMMIT DROP AS SELECT * FROM crm.customers`);
          await client.query(`CREATE TEMPORARY TABLE staged_interactions ON COMMIT DROP AS SELECT * FROM crm.customer_interactions`);
          // As an import audited as one summary entry: no entry and no notification per row.
          for (const trigger of [...ROW_TRIGGERS, ...(withTriggers ? [] : PG_SEARCH_TRIGGERS)]) {
            await client.query(`ALTER TABLE ${trigger.replace(' ', ' DISABLE TRIGGER ')}`);
          }
          const started = performance.now();
          await client.query(DEFER_SEARCH_INDEX);
          // The same rows again under new ids, as an import adds them.
          const others = (columns: readonly string[]) => columns.filter((column) => column !== 'id' && column !== 'customer_id');
          await client.query(`INSERT INTO crm.customers (id, team_id, ${others(CUSTOMER_COLUMNS).join(', ')})
              SELECT 'n' || id, team_id, ${others(CUSTOMER_COLUMNS).join(', ')} FROM staged_customers`);
          await client.query(`INSERT INTO crm.customer_interactions (id, customer_id, team_id, ${others(INTERACTION_COLUMNS).join(', ')})
              SELECT 'n' || id, 'n' || customer_id, team_id, ${others(INTERACTION_COLUMNS).join(', ')} FROM staged_interactions`);
          await client.query(FLUSH_SEARCH_INDEX);
          return (performance.now() - started) / 1000;
        } finally {
          await client.query('ROLLBACK');
        }
      };
      const postgres = await alternating('PostgreSQL: bulk insert', insertAll);
      const pgWithout = postgres.without.seconds;
      const pgWith = postgres.withIndex.seconds;
      await client.end();
      const pgRatio = pgWith / pgWithout;
      rows.push({
        figure: `PostgreSQL: INSERT … SELECT of ${context.customers.toLocaleString('en-US')} customers and their interactions with the search index`,
        value: `${pgWith.toFixed(2)} s, ${rate(context.customers, pgWith)}`,
        reference: `without it ${pgWithout.toFixed(2)} s`,
        ratio: RATIO_TARGET / pgRatio,
        target: `≤ ${RATIO_TARGET}× the time (ratio = ${RATIO_TARGET} / ${pgRatio.toFixed(2)})`,
        met: pgRatio <= RATIO_TARGET,
      });
    } finally {
      server.close();
    }
    return rows;
  },
};
