/**
 * Bench section "pg-transfer": import and export on a team's PostgreSQL server (issue 9),
 * whole processes as a member runs them, against psql's \copy of the same files into the
 * same schema.
 *
 * A throwaway cluster (test/pg/server.ts: initdb, fsync off, on a Unix socket) holds two
 * databases migrated by crm, each with a team and a manager: `crm import --dir` loads the
 * bench's export folder into one, a psql script into the other. COPY FROM refuses tables
 * under row-level security, so the reference does what crm does: \copy into temporary tables,
 * then one INSERT … SELECT per table (with the casts the columns need), in one transaction,
 * with every trigger of the schema on (audit, search index, rules) in both. Then
 * `crm export --dir` against \copy (SELECT … ORDER BY position) TO of each table, formatted
 * as crm's lossless CSV. The two exports must be the same files byte for byte (and hold the
 * rows generated) before any ratio is printed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { TABLE_COLUMNS, fileNameFor, RESTORE_ORDER } from '../../src/csv/columns.js';
import { openPgPool } from '../../src/db/pg/connection.js';
import { migratePg } from '../../src/db/pg/migrate.js';
import { projectRoot } from '../../src/project-root.js';
import type { TableName } from '../../src/domain/vocabulary.js';
import { createServerFolder, destroyServer, serverBinDir, startServerOnce, type ServerInfo } from '../pg/server.js';
import { datasetRowCount, writeExportFiles } from './data.js';
import { measureProcess } from './measure.js';
import { best, rate, UnequalWorkError, type BenchContext, type BenchSection, type FigureRow } from './section.js';

const CRM = path.join(projectRoot, 'bin', 'crm.js');
const IMPORT_RATIO_TARGET = 0.5;
const EXPORT_RATIO_TARGET = 0.7;
const INSTANTS = new Set(['created_at', 'updated_at', 'closed_at']);
const FLAGS = new Set(['is_active', 'is_archived']);

interface Team {
  database: string;
  manager: string;
  url: string;
}

/** A database migrated by crm's own migrations, with one team and its manager. */
async function teamDatabase(server: ServerInfo, name: string): Promise<Team> {
  const superuser = new pg.Client({ host: server.socketDir, port: server.port, user: server.superuser, database: 'postgres' });
  await superuser.connect();
  const owner = `${name}_owner`;
  const manager = `${name}_manager`;
  try {
    await superuser.query(`CREATE ROLE ${owner} LOGIN`);
    await superuser.query(`CREATE ROLE ${manager} LOGIN`);
    await superuser.query(`CREATE DATABASE ${name} OWNER ${owner}`);
  } finally {
    await superuser.end();
  }
  const url = (user: string) => `postgres:///${name}?host=${encodeURIComponent(server.socketDir)}&port=${server.port}&user=${user}`;
  const ownerDb = await openPgPool(url(owner));
  try {
    await migratePg(ownerDb.pool);
    await ownerDb.pool.query(`SELECT crm.crm_create_team('Bench')`);
    await ownerDb.pool.query(`SELECT crm.crm_team_add($1, true, 'Bench')`, [manager]);
  } finally {
    await ownerDb.close();
  }
  return { database: name, manager, url: url(manager) };
}

function psqlArgs(server: ServerInfo, team: Team): string[] {
  return ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', server.socketDir, '-p', String(server.port), '-U', team.manager, '-d', team.database];
}

function cast(column: string): string {
  if (INSTANTS.has(column)) return `"${column}"::timestamptz`;
  if (FLAGS.has(column)) return `"${column}"::boolean`;
  if (column === 'deal_value_minor') return `"${column}"::bigint`;
  return `"${column}"`;
}

/** The reference restore: \copy into temporary text tables, then INSERT … SELECT, in one transaction. */
function psqlRestoreScript(dir: string): string {
  const lines = ['BEGIN;'];
  for (const table of RESTORE_ORDER) {
    const columns: readonly string[] = TABLE_COLUMNS[table];
    lines.push(`CREATE TEMP TABLE stage_${table} (${columns.map((c) => `"${c}" text`).join(', ')}) ON COMMIT DROP;`);
    lines.push(`\\copy stage_${table} FROM '${path.join(dir, fileNameFor(table))}' WITH (FORMAT csv, HEADER true)`);
    lines.push(
      `INSERT INTO crm.${table} (${columns.map((c) => `"${c}"`).join(', ')}) SELECT ${columns.map(cast).join(', ')} FROM stage_${table};`,
    );
  }
  lines.push('COMMIT;');
  return `${lines.join('\n')}\n`;
}

function exported(column: string): string {
  if (INSTANTS.has(column)) return `to_char("${column}" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "${column}"`;
  if (FLAGS.has(column)) return `"${column}"::int AS "${column}"`;
  return `"${column}"`;
}

/** The reference export: one \copy (SELECT …) TO per table, the header included, in one snapshot. */
function psqlExportScript(dir: string): string {
  const lines = ['BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;'];
  for (const table of RESTORE_ORDER) {
    const columns: readonly string[] = TABLE_COLUMNS[table];
    lines.push(
      `\\copy (SELECT ${columns.map(exported).join(', ')} FROM crm.${table} ORDER BY position) TO '${path.join(dir, fileNameFor(table))}' WITH (FORMAT csv, HEADER true)`,
    );
  }
  lines.push('COMMIT;');
  return `${lines.join('\n')}\n`;
}

function sameFiles(what: string, reference: string, crm: string, expectedRows: (table: TableName) => number): void {
  for (const table of RESTORE_ORDER) {
    const a = fs.readFileSync(path.join(reference, fileNameFor(table)));
    const b = fs.readFileSync(path.join(crm, fileNameFor(table)));
    if (!a.equals(b)) throw new UnequalWorkError(`${what}: ${fileNameFor(table)} differs between psql and crm`);
  }
  for (const table of ['customers', 'customer_interactions'] as const) {
    const lines = fs.readFileSync(path.join(crm, fileNameFor(table)), 'utf8').split('\n').length - 2;
    // Notes hold line breaks: a file has at least as many lines as rows.
    if (lines < expectedRows(table)) throw new UnequalWorkError(`${what}: ${table} has fewer rows than generated`);
  }
}

export const pgTransferSection: BenchSection = {
  name: 'pg-transfer',
  describe: "import and export on a team's PostgreSQL server against psql \\copy of the same files into the same schema",
  async run(context: BenchContext): Promise<FigureRow[]> {
    const bin = serverBinDir();
    if (!bin) throw new Error('pg-transfer needs the PostgreSQL server binaries (apt-get install postgresql, or PG_BINDIR)');
    const psql = path.join(bin, 'psql');
    const shape = { customers: context.customers };
    const rows = RESTORE_ORDER.reduce((sum, table) => sum + datasetRowCount(table, shape), 0);
    const input = path.join(context.work, 'export');
    context.log(`writing the export folder (${rows.toLocaleString('en-US')} rows)`);
    await writeExportFiles(input, shape);
    const folder = createServerFolder();
    try {
      const server = await startServerOnce(folder);
      let round = 0;
      const env = { ...process.env, NO_COLOR: '1' };
      context.log('crm import --dir');
      const crmImport = await best(context.repeat, async () => {
        const team = await teamDatabase(server, `bench_crm_${++round}`);
        const measured = await measureProcess(process.execPath, [CRM, '--db', team.url, 'import', '--dir', input], { env });
        return { ...measured, team };
      });
      context.log('psql \\copy restore');
      const script = path.join(context.work, 'restore.sql');
      fs.writeFileSync(script, psqlRestoreScript(input));
      const psqlImport = await best(context.repeat, async () => {
        const team = await teamDatabase(server, `bench_psql_${++round}`);
        const measured = await measureProcess(psql, [...psqlArgs(server, team), '-f', script], { env });
        return { ...measured, team };
      });
      context.log('crm export --dir');
      const crmOut = path.join(context.work, 'crm-out');
      const crmExport = await best(context.repeat, () =>
        measureProcess(process.execPath, [CRM, '--db', crmImport.team.url, 'export', '--dir', crmOut], { env }),
      );
      context.log('psql \\copy export');
      const psqlOut = path.join(context.work, 'psql-out');
      fs.mkdirSync(psqlOut, { recursive: true });
      const exportScript = path.join(context.work, 'export.sql');
      fs.writeFileSync(exportScript, psqlExportScript(psqlOut));
      const psqlExport = await best(context.repeat, () => measureProcess(psql, [...psqlArgs(server, psqlImport.team), '-f', exportScript], { env }));
      // The reference loaded the same rows in the same order, so its export must be crm's, byte for byte.
      sameFiles('pg-transfer', psqlOut, crmOut, (table) => datasetRowCount(table, shape));
      for (const table of RESTORE_ORDER) {
        const original = spawnSync('cmp', ['-s', path.join(input, fileNameFor(table)), path.join(crmOut, fileNameFor(table))]);
        if (original.status !== 0) throw new UnequalWorkError(`pg-transfer: the exported ${fileNameFor(table)} is not the imported one`);
      }
      const importRatio = rows / crmImport.seconds / (rows / psqlImport.seconds);
      const exportRatio = rows / crmExport.seconds / (rows / psqlExport.seconds);
      return [
        {
          figure: `import --dir, ${rows.toLocaleString('en-US')} rows`,
          value: `${crmImport.seconds.toFixed(1)} s, ${rate(rows, crmImport.seconds)}`,
          reference: `psql \\copy: ${psqlImport.seconds.toFixed(1)} s, ${rate(rows, psqlImport.seconds)}`,
          ratio: importRatio,
          target: `≥ ${IMPORT_RATIO_TARGET}×`,
          met: importRatio >= IMPORT_RATIO_TARGET,
        },
        {
          figure: `export --dir, ${rows.toLocaleString('en-US')} rows`,
          value: `${crmExport.seconds.toFixed(1)} s, ${rate(rows, crmExport.seconds)}`,
          reference: `psql \\copy: ${psqlExport.seconds.toFixed(1)} s, ${rate(rows, psqlExport.seconds)}`,
          ratio: exportRatio,
          target: `≥ ${EXPORT_RATIO_TARGET}×`,
          met: exportRatio >= EXPORT_RATIO_TARGET,
        },
      ];
    } finally {
      destroyServer(folder);
    }
  },
};
