/**
 * The archive jobs on a team's PostgreSQL server (a throwaway cluster, test/pg/server.ts): the
 * same data shape as the SQLite bench, loaded once into a template database; each run works on
 * a copy (CREATE DATABASE ... TEMPLATE), as the team's manager, so row-level security and
 * every trigger (audit, notify, search) apply to crm and to the reference alike.
 *   - `crm customer archive --status closed_lost --older-than 90d` vs one UPDATE in psql;
 *   - `crm archive --to postgres://.../archive` (another database) vs the plain move: psql's
 *     \copy of each table out of the source into the archive, then one DELETE.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { openPgPool, sqliteCompatibleTypes } from '../../src/db/pg/connection.js';
import { migratePg } from '../../src/db/pg/migrate.js';
import { projectRoot } from '../../src/project-root.js';
import { createServerFolder, destroyServer, serverBinDir, startServerOnce, type ServerInfo } from '../pg/server.js';

const CRM = path.join(projectRoot, 'bin', 'crm.js');
const OWNER = 'bench_owner';
const MANAGER = 'bench_manager';
const TEAM = 'Bench';

export interface PgBench {
  server: ServerInfo;
  /** A URL of `database` as the team's manager. */
  url(database: string): string;
  /** A fresh copy of the loaded source, and of the empty archive; returns their names. */
  copies(tag: string): Promise<{ source: string; archive: string }>;
  /** Runs SQL as the manager in `database` (RLS applies). */
  query<R = Record<string, unknown>>(database: string, sql: string, values?: unknown[]): Promise<R[]>;
  psql(database: string): string[];
  /** Every data row the jobs touch, and the audit entries per table and action (the concurrent adds left out). */
  checksum(database: string, concurrentName: string): Promise<string>;
  close(): Promise<void>;
}

const ID = (kind: number, counter: string) =>
  `lpad(to_hex(((${counter}::bigint * 2654435761) % 4294967296)), 8, '0') || '-' || lpad(to_hex(${counter} % 65536), 4, '0') || '-4' || lpad(to_hex(${kind}), 3, '0') || '-8000-' || lpad(to_hex(${counter}), 12, '0')`;

/** The SQLite bench's data (test/bench/archive.ts: generate), in PostgreSQL, for the team. */
function loadSql(customers: number, team: string): string[] {
  return [
    `INSERT INTO crm.products (id, team_id, name, description, is_active, created_at, updated_at)
     SELECT '00000000-0000-4000-8000-00000000000' || p, '${team}', 'Product ' || p, 'Offer ' || p, true, '2019-01-01', '2019-01-01'
     FROM generate_series(0, 2) AS p`,
    `INSERT INTO crm.customers (id, team_id, name, email, phone, product_id, status, acquisition_source, owner, is_archived, created_at, updated_at)
     SELECT ${ID(2, 'i')}, '${team}', 'Customer ' || i, 'c' || i || '@example.com', NULL,
       CASE WHEN i % 4 = 0 THEN NULL ELSE '00000000-0000-4000-8000-00000000000' || (i % 3) END,
       CASE WHEN i % 20 < 2 THEN 'closed_lost'
            WHEN i % 20 < 5 THEN CASE i % 2 WHEN 0 THEN 'closed_won' ELSE 'closed_lost' END
            ELSE (ARRAY['lead','qualified','proposal','negotiation','closed_won','closed_lost'])[i % 6 + 1] END,
       CASE i % 5 WHEN 0 THEN 'referral' ELSE 'website' END, 'owner' || (i % 7),
       i % 20 BETWEEN 2 AND 4,
       timestamptz '2019-01-01 00:00:00Z' + (i % 86400) * interval '1 second',
       CASE WHEN i % 20 < 2 THEN timestamptz '2020-01-01 00:00:00Z' + (i % 86400) * interval '1 second'
            WHEN i % 20 < 5 THEN timestamptz '2021-01-01 00:00:00Z' + (i % 86400) * interval '1 second'
            ELSE date_trunc('milliseconds', now()) - (i % 30) * interval '1 day' END
     FROM generate_series(1, ${customers}) AS i`,
    `INSERT INTO crm.customer_interactions (id, team_id, customer_id, type, channel, note, follow_up_date, created_at)
     SELECT ${ID(3, 'j')}, '${team}', ${ID(2, '(j / 3 + 1)')}, 'call',
       (ARRAY['phone','email','meeting','chat','other'])[j % 5 + 1], 'Note ' || j,
       CASE WHEN j % 9 = 0 THEN '2027-01-01' END,
       timestamptz '2019-06-01 00:00:00Z' + (j % 86400) * interval '1 second'
     FROM generate_series(0, ${customers * 3 - 1}) AS j`,
  ];
}

/**
 * Starts the cluster and builds the template databases (a loaded source and an empty
 * archive, each with the team and its manager). The triggers are off while loading (the
 * superuser's session_replication_role): the jobs, not the set-up, are measured.
 */
export async function startPgBench(customers: number, log: (message: string) => void): Promise<PgBench> {
  if (!serverBinDir()) throw new Error('no PostgreSQL server binaries (initdb, pg_ctl): install the postgresql package');
  const folder = createServerFolder();
  process.once('exit', () => destroyServer(folder));
  const server = await startServerOnce(folder);
  const types = await sqliteCompatibleTypes();
  const connect = async (user: string, database: string) => {
    const client = new pg.Client({ host: server.socketDir, port: server.port, user, database, types });
    await client.connect();
    return client;
  };
  const url = (database: string, user = MANAGER) =>
    `postgres:///${database}?host=${encodeURIComponent(server.socketDir)}&port=${server.port}&user=${user}`;
  const admin = await connect(server.superuser, 'postgres');
  await admin.query(`CREATE ROLE ${OWNER} LOGIN CREATEDB`);
  await admin.query(`CREATE ROLE ${MANAGER} LOGIN`);

  const template = async (name: string, load: boolean) => {
    await admin.query(`CREATE DATABASE ${name} OWNER ${OWNER}`);
    const ownerPool = await openPgPool(url(name, OWNER));
    await migratePg(ownerPool.pool);
    await ownerPool.close();
    const owner = await connect(OWNER, name);
    const team = ((await owner.query(`SELECT crm.crm_create_team($1) AS team`, [TEAM])).rows as Array<{ team: string }>)[0]!.team;
    await owner.query(`SELECT crm.crm_team_add($1, true)`, [MANAGER]);
    await owner.end();
    if (load) {
      const superuser = await connect(server.superuser, name);
      await superuser.query('SET session_replication_role = replica');
      for (const sql of loadSql(customers, team)) await superuser.query(sql);
      await superuser.query('SET session_replication_role = DEFAULT');
      // The search documents the triggers would have written: crm's writes maintain them.
      await superuser.query(`SELECT crm.crm_search_refresh(ARRAY(SELECT id FROM crm.customers))`);
      await superuser.query('VACUUM ANALYZE');
      await superuser.end();
    }
  };
  const started = Date.now();
  await template('bench_source', true);
  await template('bench_archive', false);
  log(`PostgreSQL: database of ${customers} customers, ${customers * 3} interactions in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const query = async <R>(database: string, sql: string, values: unknown[] = []) => {
    const client = await connect(MANAGER, database);
    try {
      return (await client.query(sql, values)).rows as R[];
    } finally {
      await client.end();
    }
  };
  return {
    server,
    url: (database) => url(database),
    async copies(tag) {
      const source = `run_${tag}`;
      const archive = `run_${tag}_archive`;
      for (const [copy, from] of [
        [source, 'bench_source'],
        [archive, 'bench_archive'],
      ] as const) {
        await admin.query(`DROP DATABASE IF EXISTS ${copy}`);
        await admin.query(`CREATE DATABASE ${copy} TEMPLATE ${from} OWNER ${OWNER}`);
      }
      return { source, archive };
    },
    query,
    psql: (database) => [
      path.join(serverBinDir()!, 'psql'),
      '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', server.socketDir, '-p', String(server.port), '-U', MANAGER, '-d', database,
    ],
    async checksum(database, concurrentName) {
      const hash = createHash('sha256');
      const tables: Array<[string, string]> = [
        ['products', 'SELECT id, name, is_active FROM crm.products ORDER BY id COLLATE "C"'],
        ['customers', `SELECT id, name, status, product_id, is_archived FROM crm.customers WHERE name NOT LIKE '${concurrentName}%' ORDER BY id COLLATE "C"`],
        ['customer_interactions', 'SELECT id, customer_id, note, created_at FROM crm.customer_interactions ORDER BY id COLLATE "C"'],
        [
          'audit_log',
          `SELECT table_name, action, count(*) FROM crm.audit_log
           WHERE NOT (action = 'insert' AND table_name = 'customers' AND new_values::json ->> 'name' LIKE '${concurrentName}%')
           GROUP BY 1, 2 ORDER BY 1, 2`,
        ],
      ];
      for (const [table, sql] of tables) {
        hash.update(`${table}\n`);
        for (const row of await query<Record<string, unknown>>(database, sql)) hash.update(`${JSON.stringify(Object.values(row))}\n`);
      }
      return hash.digest('hex').slice(0, 16);
    },
    async close() {
      await admin.end();
      destroyServer(folder);
    },
  };
}

/**
 * The plain move from one database to another: \copy out of one psql into another, then one
 * DELETE. A member's COPY FROM is refused under row-level security: each table arrives in a
 * temporary table, then one INSERT ... SELECT (in one session, so as one member).
 */
export function pgMoveScript(bench: PgBench, source: string, archive: string): string {
  const from = bench.psql(source).map(quote).join(' ');
  const to = bench.psql(archive).map(quote).join(' ');
  const pipe = (select: string, into: string) => {
    const [table, columns] = [into.slice(0, into.indexOf(' ')), into.slice(into.indexOf(' ') + 1)];
    return [
      `${from} -c ${quote(`\\copy (${select}) TO STDOUT`)} |`,
      `${to} -c ${quote(`CREATE TEMP TABLE arrived AS SELECT ${columns.slice(1, -1)} FROM ${table} LIMIT 0`)}`,
      `-c ${quote(`\\copy arrived FROM STDIN`)} -c ${quote(`INSERT INTO ${table} ${columns} SELECT * FROM arrived`)}`,
    ].join(' ');
  };
  const archived = 'SELECT id FROM crm.customers WHERE is_archived';
  return [
    'set -eo pipefail',
    pipe(
      `SELECT id, name, description, false, created_at, updated_at FROM crm.products WHERE id IN (SELECT product_id FROM crm.customers WHERE is_archived)`,
      'crm.products (id, name, description, is_active, created_at, updated_at)',
    ),
    pipe(
      `SELECT id, name, email, phone, product_id, status, acquisition_source, owner, is_archived, created_at, updated_at, company_id, deal_value_minor, deal_currency, closed_at, note FROM crm.customers WHERE is_archived`,
      'crm.customers (id, name, email, phone, product_id, status, acquisition_source, owner, is_archived, created_at, updated_at, company_id, deal_value_minor, deal_currency, closed_at, note)',
    ),
    pipe(
      `SELECT id, customer_id, type, channel, note, follow_up_date, created_at FROM crm.customer_interactions WHERE customer_id IN (${archived})`,
      'crm.customer_interactions (id, customer_id, type, channel, note, follow_up_date, created_at)',
    ),
    `${from} -c ${quote('DELETE FROM crm.customers WHERE is_archived')}`,
  ].join('\n');
}

function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** `crm customer add` against the server, timed from spawn to exit, in ms. */
export async function pgAddOnce(url: string, name: string): Promise<number> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [CRM, '--db', url, 'customer', 'add', name], { stdio: 'ignore' });
  const [code] = (await once(child, 'exit')) as [number];
  if (code !== 0) throw new Error(`crm customer add exited ${code}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}
