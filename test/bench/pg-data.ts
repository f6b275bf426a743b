/**
 * The PostgreSQL side of the query benches: a throwaway cluster (test/pg/server.ts, in a
 * temporary folder, stopped and deleted at the end), one database migrated by its owner role
 * as a team's server is, one team and one member (a manager, under row-level security like
 * every member), and the rows of a generated SQLite bench file copied into that team's tables
 * with psql's \copy. PostgreSQL import through crm is another change's subject; \copy loads
 * the same data without it.
 *
 * The copy runs with triggers off (session_replication_role = replica: no per-row audit
 * entries or search refreshes for millions of rows), then the tables the triggers keep are
 * filled the way their migrations fill them, and VACUUM ANALYZE gives the planner its
 * statistics and the visibility map that index-only scans need.
 *
 * Loading a million customers takes tens of minutes: with `keepIn` (a folder), the loaded
 * cluster is kept there, stopped at close, and a later run on the same SQLite file (path,
 * size and time unchanged) starts it again instead of loading, and applies the migrations
 * added since (as a team's server is upgraded: a migration edited after it was applied is not
 * run again; delete the folder to load afresh). Each run adds crm's writes to it (the queries
 * bench logs an interaction for its subject).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { projectRoot } from '../../src/project-root.js';
import { CUSTOMER_COLUMNS, INTERACTION_COLUMNS, PRODUCT_COLUMNS } from '../../src/repositories/pg/queries.js';
import { createServerFolder, destroyServer, restartServer, serverBinDir, startServerOnce, stopServer, type ServerInfo } from '../pg/server.js';
import { openPgPool } from '../../src/db/pg/connection.js';
import { migratePg } from '../../src/db/pg/migrate.js';

const SQLITE3 = '/usr/bin/sqlite3';
const DATABASE = 'crm_bench';
export const OWNER = 'crm_bench_owner';
export const MEMBER = 'crm_bench_member';

export interface BenchServer {
  readonly info: ServerInfo;
  /** The team of the copied rows. */
  readonly team: string;
  /** A URL over the Unix socket (trusted) as `role`, in the bench database. */
  url(role: string): string;
  /** psql as `role` in the bench database, the script on stdin. */
  psql(role: string, script: string): { status: number | null; stdout: string; stderr: string };
  close(): void;
}

function psqlPath(): string {
  const bin = serverBinDir();
  const candidate = bin ? path.join(bin, 'psql') : '';
  return candidate && fs.existsSync(candidate) ? candidate : 'psql';
}

function psqlArgs(info: ServerInfo, role: string, database: string): string[] {
  return ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', info.socketDir, '-p', String(info.port), '-U', role, '-d', database];
}

/** Pipes `sqlite3 -csv file select` into `psql -c "\copy table (columns) FROM STDIN"`, triggers off. */
async function copyTable(info: ServerInfo, file: string, table: string, columns: readonly string[], select: string): Promise<void> {
  const source = spawn(SQLITE3, ['-csv', file, select], { stdio: ['ignore', 'pipe', 'pipe'] });
  const target = spawn(
    psqlPath(),
    [
      ...psqlArgs(info, info.superuser, DATABASE),
      '-c', 'SET session_replication_role = replica',
      '-c', `\\copy crm.${table} (${columns.join(', ')}) FROM STDIN WITH (FORMAT csv)`,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  source.stdout.pipe(target.stdin);
  let errors = '';
  source.stderr.on('data', (chunk) => (errors += chunk));
  target.stderr.on('data', (chunk) => (errors += chunk));
  const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.on('close', resolve));
  const [sourceStatus, targetStatus] = await Promise.all([exited(source), exited(target)]);
  if (sourceStatus !== 0 || targetStatus !== 0) throw new Error(`copying ${table} failed: ${errors}`);
}

/** The INSERT … SELECT (and 0017's UPDATE) statements a PostgreSQL migration fills its tables with (its backfill). */
export function migrationBackfill(migration: string): string[] {
  return fs
    .readFileSync(path.join(projectRoot, 'drizzle', 'pg', migration), 'utf8')
    .split('--> statement-breakpoint')
    .map((statement) => statement.replace(/^--.*$/gm, '').trim())
    .filter((statement) => /^(INSERT INTO|SELECT crm\.crm_search_refresh|UPDATE crm\.customer_activity)/.test(statement));
}

/** A million customers: a cache in proportion (the tests' 16 MB would read from disk). */
const SETTINGS = ['shared_buffers=512MB', 'work_mem=32MB', 'maintenance_work_mem=256MB', 'max_wal_size=4GB', 'jit=off'];

/** What a kept cluster was loaded from, and what it needs to be used again. */
interface Kept {
  source: { file: string; size: number; mtimeMs: number };
  info: ServerInfo;
  team: string;
}

const KEPT_FILE = 'bench-loaded.json';

function sourceOf(sqliteFile: string): Kept['source'] {
  const stat = fs.statSync(sqliteFile);
  return { file: path.resolve(sqliteFile), size: stat.size, mtimeMs: stat.mtimeMs };
}

function readKept(folder: string, sqliteFile: string): Kept | undefined {
  const file = path.join(folder, KEPT_FILE);
  if (!fs.existsSync(file)) return undefined;
  const kept = JSON.parse(fs.readFileSync(file, 'utf8')) as Kept;
  return JSON.stringify(kept.source) === JSON.stringify(sourceOf(sqliteFile)) ? kept : undefined;
}

const urlOf = (info: ServerInfo) => (role: string, database = DATABASE) =>
  `postgres:///${database}?host=${encodeURIComponent(info.socketDir)}&port=${info.port}&user=${role}`;

/**
 * Starts a cluster and copies the SQLite bench file into it. `log` reports progress. `keepIn`:
 * the folder to keep the loaded cluster in and reuse (see above).
 */
export async function startBenchServer(sqliteFile: string, log: (message: string) => void, keepIn?: string): Promise<BenchServer> {
  let folder: string;
  let loaded: { info: ServerInfo; team: string };
  const kept = keepIn === undefined ? undefined : readKept(keepIn, sqliteFile);
  if (keepIn !== undefined && kept !== undefined) {
    folder = keepIn;
    log(`reusing the cluster loaded in ${keepIn}`);
    const info = await restartServer(folder, kept.info, SETTINGS);
    const ownerDb = await openPgPool(urlOf(info)(OWNER));
    const applied = await migratePg(ownerDb.pool).finally(() => ownerDb.close());
    if (applied.length > 0) {
      log(`migrated: ${applied.join(', ')}; VACUUM ANALYZE`);
      // A migration that fills a new column rewrites rows: as after a load, the planner needs
      // fresh statistics and index-only scans a visibility map, or the first runs measure that.
      const superuser = new pg.Client({ host: info.socketDir, port: info.port, user: info.superuser, database: DATABASE });
      await superuser.connect();
      await superuser.query('VACUUM ANALYZE').finally(() => superuser.end());
    }
    loaded = { info, team: kept.team };
  } else {
    if (keepIn !== undefined) destroyServer(keepIn);
    folder = createServerFolder(keepIn);
    const stop = () => destroyServer(folder);
    process.on('exit', stop);
    loaded = await load(folder, sqliteFile, log);
    process.off('exit', stop);
    if (keepIn !== undefined) fs.writeFileSync(path.join(folder, KEPT_FILE), JSON.stringify({ source: sourceOf(sqliteFile), ...loaded } satisfies Kept));
  }
  const { info, team } = loaded;
  const close = keepIn === undefined ? () => destroyServer(folder) : () => stopServer(folder);
  process.on('exit', close);
  const url = urlOf(info);
  return {
    info,
    team,
    url: (role) => url(role),
    psql: (role, script) => {
      const result = spawnSync(psqlPath(), [...psqlArgs(info, role, DATABASE), '-f', '-'], { input: script, encoding: 'utf8', maxBuffer: 1 << 28 });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    },
    close: () => {
      process.off('exit', close);
      close();
    },
  };
}

/** A new cluster in `folder`, migrated, with one team and one member, and the file's rows. */
async function load(folder: string, sqliteFile: string, log: (message: string) => void): Promise<{ info: ServerInfo; team: string }> {
  const started = performance.now();
  const info = await startServerOnce(folder, SETTINGS);
  const url = urlOf(info);
  const admin = new pg.Client({ host: info.socketDir, port: info.port, user: info.superuser, database: 'postgres' });
  await admin.connect();
  await admin.query(`CREATE ROLE ${OWNER} LOGIN`);
  await admin.query(`CREATE ROLE ${MEMBER} LOGIN`);
  await admin.query(`CREATE DATABASE ${DATABASE} OWNER ${OWNER}`);
  await admin.end();
  const ownerDb = await openPgPool(url(OWNER));
  await migratePg(ownerDb.pool);
  const team = (await ownerDb.pool.query<{ id: string }>(`SELECT crm.crm_create_team('Bench') AS id`)).rows[0]!.id;
  await ownerDb.pool.query(`SELECT crm.crm_team_add($1, true, 'Bench')`, [MEMBER]);
  await ownerDb.close();

  const literal = `'${team}'`;
  const columns = (list: readonly string[]) => list.join(', ');
  log('copying products');
  await copyTable(info, sqliteFile, 'products', ['team_id', ...PRODUCT_COLUMNS], `SELECT ${literal}, ${columns(PRODUCT_COLUMNS)} FROM products`);
  log('copying customers');
  await copyTable(info, sqliteFile, 'customers', ['team_id', ...CUSTOMER_COLUMNS], `SELECT ${literal}, ${columns(CUSTOMER_COLUMNS)} FROM customers`);
  log('copying interactions');
  await copyTable(
    info,
    sqliteFile,
    'customer_interactions',
    ['team_id', ...INTERACTION_COLUMNS],
    `SELECT ${literal}, ${columns(INTERACTION_COLUMNS)} FROM customer_interactions`,
  );
  const superuser = new pg.Client({ host: info.socketDir, port: info.port, user: info.superuser, database: DATABASE });
  await superuser.connect();
  const migrations = fs.readdirSync(path.join(projectRoot, 'drizzle', 'pg')).filter((name) => /^\d{4}_.*\.sql$/.test(name)).sort();
  for (const migration of migrations) {
    for (const statement of migrationBackfill(migration)) {
      log(`filling as ${migration}: ${statement.slice(0, 60).replace(/\s+/g, ' ')}…`);
      await superuser.query(statement);
    }
  }
  log('VACUUM ANALYZE');
  await superuser.query('VACUUM ANALYZE');
  await superuser.end();
  log(`loaded in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return { info, team };
}
