import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { openPgPool, sqliteCompatibleTypes, type PgDatabase } from '../../src/db/pg/connection.js';
import { migratePg } from '../../src/db/pg/migrate.js';
import { serverBinDir, startServerOnce, type ServerInfo } from './server.js';

/** For beforeAll: the first file waits for initdb and the server start, under load too. */
export const SERVER_START_TIMEOUT_MS = 180_000;

export async function testServer(): Promise<ServerInfo> {
  return startServerOnce(inject('crmPgFolder'));
}

/**
 * One test file's own database on the shared server, migrated by its own owner role, with
 * role names unique to the file (roles are shared by every database of a cluster).
 */
export interface TestDatabase {
  readonly server: ServerInfo;
  readonly name: string;
  /** The role that ran the migrations and owns schema crm (the admin). */
  readonly owner: string;
  /** A role name unique to this database: `role('alice')`. */
  role(name: string): string;
  /** A URL over the Unix socket (trusted: no password asked). */
  socketUrl(role: string): string;
  /** A URL over TCP on 127.0.0.1 (passwords are checked). */
  tcpUrl(role: string, password?: string): string;
  /** Runs SQL as the cluster's superuser in this database. */
  asSuperuser(sql: string, values?: unknown[]): Promise<pg.QueryResult>;
  /** A single connection as `role` (closed by `close()`). */
  connect(role: string): Promise<pg.Client>;
  /** Creates a login role (with a password when given); returns its name. */
  createRole(name: string, password?: string): Promise<string>;
  /** psql -c as `role`, for checks made with the tool a user would use. */
  psql(role: string, sql: string): { status: number | null; stdout: string; stderr: string };
  close(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const server = await testServer();
  const suffix = randomBytes(4).toString('hex');
  const name = `crm_${suffix}`;
  const role = (base: string) => `${base}_${suffix}`;
  const owner = role('owner');
  const clients: pg.Client[] = [];
  const pools: PgDatabase[] = [];
  const socketUrl = (user: string) =>
    `postgres:///${name}?host=${encodeURIComponent(server.socketDir)}&port=${server.port}&user=${user}`;
  const types = await sqliteCompatibleTypes();
  const connect = async (user: string, database = name) => {
    const client = new pg.Client({ host: server.socketDir, port: server.port, user, database, types });
    await client.connect();
    clients.push(client);
    return client;
  };
  const admin = await connect(server.superuser, 'postgres');
  await admin.query(`CREATE ROLE ${owner} LOGIN`);
  await admin.query(`CREATE DATABASE ${name} OWNER ${owner}`);
  const inDatabase = await connect(server.superuser);
  const ownerDb = await openPgPool(socketUrl(owner));
  pools.push(ownerDb);
  await migratePg(ownerDb.pool);
  await ownerDb.close();

  return {
    server,
    name,
    owner,
    role,
    socketUrl,
    tcpUrl: (user, password) =>
      `postgres://${encodeURIComponent(user)}${password === undefined ? '' : `:${encodeURIComponent(password)}`}@127.0.0.1:${server.port}/${name}?sslmode=disable`,
    asSuperuser: (sql, values) => inDatabase.query(sql, values),
    connect: (user) => connect(user),
    async createRole(base, password) {
      const created = role(base);
      await admin.query(
        `CREATE ROLE ${created} LOGIN${password === undefined ? '' : ` PASSWORD '${password.replace(/'/g, "''")}'`}`,
      );
      return created;
    },
    psql(user, sql) {
      const bin = serverBinDir();
      const result = spawnSync(
        path.join(bin ?? '/usr/bin', 'psql'),
        ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', server.socketDir, '-p', String(server.port), '-U', user, '-d', name, '-c', sql],
        { encoding: 'utf8' },
      );
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    },
    async close() {
      await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
      await Promise.all(pools.map((pool) => pool.close()));
    },
  };
}

/**
 * A database with two teams: Acme (manager ann, members bob and cat) and Globex (member dan),
 * created the way an admin would: crm_create_team and crm_team_add, as the schema's owner.
 */
export interface Teams {
  db: TestDatabase;
  acme: string;
  globex: string;
  ann: pg.Client;
  bob: pg.Client;
  cat: pg.Client;
  dan: pg.Client;
  owner: pg.Client;
  names: { ann: string; bob: string; cat: string; dan: string };
}

export async function createTeams(): Promise<Teams> {
  const db = await createTestDatabase();
  const names = {
    ann: await db.createRole('ann'),
    bob: await db.createRole('bob'),
    cat: await db.createRole('cat'),
    dan: await db.createRole('dan'),
  };
  const owner = await db.connect(db.owner);
  const acme = (await owner.query<{ id: string }>(`SELECT crm.crm_create_team('Acme') AS id`)).rows[0]!.id;
  const globex = (await owner.query<{ id: string }>(`SELECT crm.crm_create_team('Globex') AS id`)).rows[0]!.id;
  await owner.query(`SELECT crm.crm_team_add($1, true, 'Acme')`, [names.ann]);
  await owner.query(`SELECT crm.crm_team_add($1, false, 'Acme')`, [names.bob]);
  await owner.query(`SELECT crm.crm_team_add($1, false, 'Acme')`, [names.cat]);
  await owner.query(`SELECT crm.crm_team_add($1, true, 'Globex')`, [names.dan]);
  return {
    db,
    acme,
    globex,
    ann: await db.connect(names.ann),
    bob: await db.connect(names.bob),
    cat: await db.connect(names.cat),
    dan: await db.connect(names.dan),
    owner,
    names,
  };
}

/** The SQLSTATE a statement fails with, or 'ok'. */
export async function sqlState(run: Promise<unknown>): Promise<string> {
  try {
    await run;
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}
