import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { knownPgMigrations } from '../src/db/pg/migrate.js';
import { describeBackends } from './backends.js';
import { runCli, tempDir, type RunOptions, type RunResult } from './helpers.js';
import { createTestDatabase, SERVER_START_TIMEOUT_MS, type TestDatabase } from './pg/helpers.js';

/**
 * crm db init --team, status, check and migrate on a team's PostgreSQL server: by the schema's
 * owner, by members, and by roles that may do neither.
 */
const PASSWORD = 'db:s3cret p@ss/word';
const tags = knownPgMigrations().tags;
const version = `schema version ${tags.length} of ${tags.length}`;

let db: TestDatabase;
let ann: string;
let bob: string;
let dan: string;

const crmAs = (url: string, argv: string[], options: RunOptions = {}) => runCli(['--db', url, ...argv], options);
const overTcp = (login: string, argv: string[]) => crmAs(db.tcpUrl(login, PASSWORD), argv);
const asOwner = (argv: string[]) => crmAs(db.socketUrl(db.owner), argv);
const serverOf = (login: string, database = db.name) => `postgres://${login}@127.0.0.1:${db.server.port}/${database}`;

function expectNoPassword(result: RunResult): void {
  for (const form of [PASSWORD, encodeURIComponent(PASSWORD)]) {
    expect(result.stdout).not.toContain(form);
    expect(result.stderr).not.toContain(form);
  }
}

function expectOneLineError(result: RunResult, code: number, message: string | RegExp): void {
  expect(result.code).toBe(code);
  expect(result.stdout).toBe('');
  expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  expect(result.stderr).toMatch(message);
}

/** A database with nothing in it, owned by a new role that has a password, as a DBA would make it. */
async function emptyDatabase(base: string): Promise<{ name: string; owner: string; url: string }> {
  const owner = await db.createRole(`${base}_owner`, PASSWORD);
  const name = `${db.name}_${base}`;
  await db.asSuperuser(`CREATE DATABASE ${name} OWNER ${owner}`);
  const url = `postgres://${owner}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${db.server.port}/${name}?sslmode=disable`;
  return { name, owner, url };
}

beforeAll(async () => {
  db = await createTestDatabase();
  ann = await db.createRole('ann', PASSWORD);
  bob = await db.createRole('bob', PASSWORD);
  dan = await db.createRole('dan', PASSWORD);
  expect((await asOwner(['db', 'init', '--team', 'Acme'])).code).toBe(0);
  expect((await asOwner(['db', 'init', '--team', 'Globex'])).code).toBe(0);
  expect((await asOwner(['team', 'add', ann, '--manager', '--team', 'Acme'])).code).toBe(0);
  expect((await asOwner(['team', 'add', bob, '--team', 'Acme'])).code).toBe(0);
  expect((await asOwner(['team', 'add', dan, '--manager', '--team', 'Globex'])).code).toBe(0);
  const annClient = await db.connect(ann);
  const product = (await annClient.query<{ id: string }>(`INSERT INTO crm.products (name) VALUES ('Audit') RETURNING id`)).rows[0]!.id;
  await annClient.query(`INSERT INTO crm.customers (name, owner, product_id) VALUES ('Ada', $1, $2)`, [ann, product]);
  const danClient = await db.connect(dan);
  await danClient.query(`INSERT INTO crm.customers (name, owner) VALUES ('Dora', $1), ('Dina', $1)`, [dan]);
}, SERVER_START_TIMEOUT_MS);
afterAll(async () => db?.close());

describe('db init --team', () => {
  it('creates the schema and the team on an empty database, then changes nothing when run again', async () => {
    const empty = await emptyDatabase('init');
    const server = serverOf(empty.owner, empty.name);
    const first = await crmAs(empty.url, ['db', 'init', '--team', 'Acme Consulting']);
    expectNoPassword(first);
    expect(first).toMatchObject({
      code: 0,
      stdout: '',
      stderr: `✓ created schema crm and team "Acme Consulting" on ${server} (${version}); add members with crm team add LOGIN\n`,
    });

    const again = await crmAs(empty.url, ['db', 'init', '--team', 'Acme Consulting']);
    expectNoPassword(again);
    expect(again).toMatchObject({
      code: 0,
      stdout: '',
      stderr: `team "Acme Consulting" already exists on ${server} (${version}); nothing changed\n`,
    });
    const json = await crmAs(empty.url, ['db', 'init', '--team', 'Acme Consulting', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({
      server,
      created: false,
      applied: [],
      schema: { applied: tags, pending: [], known: tags.length },
      team: 'Acme Consulting',
      team_created: false,
    });

    const status = JSON.parse((await crmAs(empty.url, ['db', 'status', '--json'])).stdout);
    expect(status).toMatchObject({ role: empty.owner, is_schema_owner: true, team: null, rows: { teams: 1, team_members: 0 } });
  });

  it('creates another team on an initialised database', async () => {
    const empty = await emptyDatabase('second');
    await crmAs(empty.url, ['db', 'init', '--team', 'Acme']);
    const second = await crmAs(empty.url, ['db', 'init', '--team', 'Globex', '--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ created: false, applied: [], team: 'Globex', team_created: true });
    expect(second.stderr).toBe(
      `✓ created team "Globex" on ${serverOf(empty.owner, empty.name)} (${version}); add members with crm team add LOGIN --team "Globex"\n`,
    );
  });

  it('needs a team name on a server, and creates nothing without one', async () => {
    const empty = await emptyDatabase('noname');
    expectOneLineError(
      await crmAs(empty.url, ['db', 'init']),
      2,
      'error: a team database needs a team name: crm db init --team "Acme Consulting" creates the schema and that team\n',
    );
    expectOneLineError(await crmAs(empty.url, ['db', 'init', '--team', '  ']), 2, /--team needs a name/);
    const status = JSON.parse((await crmAs(empty.url, ['db', 'status', '--json'])).stdout);
    expect(status.schema).toEqual({ applied: [], pending: tags, known: tags.length });
    expect(status.rows).toEqual({});
    const check = await crmAs(empty.url, ['db', 'check']);
    expect(check).toMatchObject({
      code: 1,
      stdout: 'FAIL  schema  no crm schema in this database: run crm db init --team NAME\n',
      stderr: 'error: database check failed: schema\n',
    });
  });

  it('is refused to a role that may not create schemas in the database, in one line', async () => {
    const empty = await emptyDatabase('nocreate');
    const asBob = `postgres://${bob}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${db.server.port}/${empty.name}?sslmode=disable`;
    const result = await crmAs(asBob, ['db', 'init', '--team', 'X']);
    expectNoPassword(result);
    expectOneLineError(
      result,
      1,
      `error: ${bob} may not create schemas in database ${empty.name}: run crm db init as the database's owner, or GRANT CREATE ON DATABASE ${empty.name} TO ${bob}\n`,
    );
  });

  it('is refused to a member of an initialised database, since only the owner migrates', async () => {
    const result = await overTcp(ann, ['db', 'init', '--team', 'Acme']);
    expectNoPassword(result);
    expectOneLineError(
      result,
      1,
      `error: only the owner of schema crm (${db.owner}) can migrate it; ${ann} is a team member: ask ${db.owner} to run crm db migrate\n`,
    );
  });

  it('refuses --team on a SQLite file in one line (exit 2), creating no file', async () => {
    const dir = tempDir();
    try {
      const file = path.join(dir, 'crm.db');
      expectOneLineError(
        await runCli(['--db', file, 'db', 'init', '--team', 'Acme']),
        2,
        'error: --team is for a team database on a PostgreSQL server (--db postgres://USER@HOST/DATABASE); a SQLite file has no teams\n',
      );
      expect(fs.existsSync(file)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('db status on a server', () => {
  it("shows a member the server, schema, role and team, and the rows row-level security lets them see", async () => {
    const result = await overTcp(bob, ['db', 'status', '--json']);
    expectNoPassword(result);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout);
    expect(Object.keys(status)).toEqual([
      'server', 'database', 'schema', 'server_version', 'role', 'team', 'is_manager', 'is_schema_owner', 'rows',
    ]);
    expect(status).toMatchObject({
      server: serverOf(bob),
      database: db.name,
      schema: { applied: tags, pending: [], known: tags.length },
      role: bob,
      team: 'Acme',
      is_manager: false,
      is_schema_owner: false,
    });
    expect(status.server_version).toMatch(/^\d+(\.\d+)?/);
    expect(status.rows).toEqual({
      audit_log: 2,
      change_sets: 0,
      companies: 0,
      customer_activity: 0,
      customer_counts: 1,
      customer_external_ids: 0,
      customer_interactions: 0,
      customer_search: 1,
      customer_tags: 0,
      customer_values: 0,
      customers: 1,
      products: 1,
      settings: 0,
      team_members: 2,
      teams: 1,
    });
    const globex = JSON.parse((await overTcp(dan, ['db', 'status', '--json'])).stdout);
    expect(globex).toMatchObject({ team: 'Globex', is_manager: true, rows: { customers: 2, products: 0, team_members: 1 } });
  });

  it('prints aligned fields for a person, and the owner sees every team', async () => {
    const member = await overTcp(ann, ['db', 'status']);
    expect(member.code).toBe(0);
    expect(member.stderr).toBe('');
    expect(member.stdout).toMatch(new RegExp(`^server +${serverOf(ann)}$`, 'm'));
    expect(member.stdout).toMatch(new RegExp(`^schema version +${tags.length} of ${tags.length} \\(${tags.at(-1)}\\)$`, 'm'));
    expect(member.stdout).toMatch(/^pending migrations +none$/m);
    expect(member.stdout).toMatch(/^postgresql +\d+/m);
    expect(member.stdout).toMatch(new RegExp(`^role +${ann} \\(manager\\)$`, 'm'));
    expect(member.stdout).toMatch(/^team +Acme$/m);
    expect(member.stdout).toMatch(/^rows in customers +1$/m);

    const owner = await asOwner(['db', 'status']);
    expect(owner.stdout).toMatch(new RegExp(`^role +${db.owner} \\(owner of schema crm\\)$`, 'm'));
    expect(owner.stdout).toMatch(/^team +every team$/m);
    expect(owner.stdout).toMatch(/^rows in customers +3$/m);
  });

  it('tells a role that is no member why it cannot see anything', async () => {
    const stranger = await db.createRole('stranger', PASSWORD);
    expectOneLineError(
      await overTcp(stranger, ['db', 'status']),
      1,
      `error: ${stranger} is not a member of any team on this server: a manager adds it with crm team add ${stranger}\n`,
    );
  });
});

const PG_CHECKS = [
  'migrations',
  'triggers',
  'indexes',
  'policies',
  'functions',
  'row_level_security',
  'role',
  'members',
  'foreign_keys',
  'foreign_key_check',
  'customer_activity',
  'customer_counts',
  'customer_values',
];

describe('db check on a server', () => {
  it('passes every check for a member and for the owner', async () => {
    for (const run of [() => overTcp(bob, ['db', 'check']), () => asOwner(['db', 'check'])]) {
      const { code, stdout, stderr } = await run();
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const lines = stdout.trimEnd().split('\n');
      expect(lines.map((line) => line.split(/ +/).slice(0, 2).join(' '))).toEqual(PG_CHECKS.map((name) => `ok ${name}`));
    }
    const report = JSON.parse((await overTcp(bob, ['db', 'check', '--json'])).stdout);
    expect(report.ok).toBe(true);
    expect(report.checks.find((check: { name: string }) => check.name === 'role').detail).toBe(
      `${bob} is a member of Acme, held by row-level security`,
    );
    expect(report.checks.find((check: { name: string }) => check.name === 'row_level_security').detail).toBe(
      'enabled on all 15 tables (the schema owner is exempt)',
    );
  });

  it('fails, naming what is wrong, when a rule is switched off behind its back', async () => {
    const failing = async (login: string) => {
      const result = await overTcp(login, ['db', 'check', '--json']);
      expect(result.code).toBe(1);
      const report = JSON.parse(result.stdout) as { ok: boolean; checks: Array<{ name: string; ok: boolean; detail: string }> };
      expect(report.ok).toBe(false);
      return Object.fromEntries(report.checks.filter((check) => !check.ok).map((check) => [check.name, check.detail]));
    };
    await db.asSuperuser(`ALTER TABLE crm.customers DISABLE TRIGGER customers_audit`);
    await db.asSuperuser(`ALTER TABLE crm.products DISABLE ROW LEVEL SECURITY`);
    await db.asSuperuser(`DROP POLICY products_delete ON crm.products`);
    try {
      expect(await failing(bob)).toEqual({
        triggers: 'disabled customers_audit',
        policies: 'missing: products_delete',
        row_level_security: 'not enabled on: products',
      });
      const human = await overTcp(bob, ['db', 'check']);
      expect(human.stderr).toBe('error: database check failed: triggers, policies, row_level_security\n');
      expect(human.stdout).toMatch(/^FAIL +triggers +disabled customers_audit$/m);
    } finally {
      await db.asSuperuser(`ALTER TABLE crm.customers ENABLE TRIGGER customers_audit`);
      await db.asSuperuser(`ALTER TABLE crm.products ENABLE ROW LEVEL SECURITY`);
      await db.asSuperuser(
        `CREATE POLICY products_delete ON crm.products FOR DELETE USING (team_id = crm.crm_team() AND crm.crm_is_manager())`,
      );
    }

    await db.asSuperuser(`ALTER ROLE ${bob} BYPASSRLS`);
    try {
      const problems = await failing(bob);
      expect(problems.role).toBe(`${bob} is a member of Acme but bypasses row-level security (BYPASSRLS): it sees every team's rows`);
      expect(problems.members).toBe(`bypass row-level security: ${bob} (BYPASSRLS)`);
      // Any member sees it, not only the one who bypasses.
      expect(Object.keys(await failing(ann))).toEqual(['members']);
    } finally {
      await db.asSuperuser(`ALTER ROLE ${bob} NOBYPASSRLS`);
    }

    // Foreign keys switched off (as pg_restore --disable-triggers leaves them if it fails), and a row that points nowhere.
    await db.asSuperuser(`ALTER TABLE crm.customers DISABLE TRIGGER ALL`);
    try {
      const acme = (await db.asSuperuser(`SELECT id FROM crm.teams WHERE name = 'Acme'`)).rows[0].id as string;
      await db.asSuperuser(`INSERT INTO crm.customers (id, team_id, name, owner, product_id) VALUES ('orphan-1', $1, 'Orphan', $2, 'no-such-product')`, [acme, ann]);
      const problems = await failing(ann);
      expect(problems.foreign_keys).toBe(
        // The keys that point from customers, and the one that points to it (its actions run on customers).
        [
          'customers_team_id_teams_id_fk',
          'customers_product_id_products_id_fk',
          'customer_interactions_customer_id_customers_id_fk',
        ].map((key) => `${key} is not enforced (its triggers are disabled)`).join('; '),
      );
      expect(problems.foreign_key_check).toBe('1 broken reference(s): customers row orphan-1 points to a missing products row');
      expect(problems.triggers).toMatch(/^disabled customers_0_team; /);
    } finally {
      await db.asSuperuser(`DELETE FROM crm.customers WHERE id = 'orphan-1'`);
      await db.asSuperuser(`ALTER TABLE crm.customers ENABLE TRIGGER ALL`);
    }
    expect((await overTcp(bob, ['db', 'check'])).code).toBe(0);
  });

  it("tells the owner of rows that point to another team's records", async () => {
    const globex = (await db.asSuperuser(`SELECT id FROM crm.products WHERE team_id = (SELECT id FROM crm.teams WHERE name = 'Globex') LIMIT 1`)).rows;
    const foreign = globex[0]?.id ?? (await db.asSuperuser(
      `INSERT INTO crm.products (team_id, name) SELECT id, 'Globex audit' FROM crm.teams WHERE name = 'Globex' RETURNING id`,
    )).rows[0].id;
    await db.asSuperuser(`ALTER TABLE crm.customers DISABLE TRIGGER customers_product_same_team`);
    try {
      await db.asSuperuser(`UPDATE crm.customers SET product_id = $1 WHERE name = 'Ada'`, [foreign]);
      const owner = JSON.parse((await asOwner(['db', 'check', '--json'])).stdout) as { checks: Array<{ name: string; ok: boolean; detail: string }> };
      const references = owner.checks.find((check) => check.name === 'foreign_key_check')!;
      expect(references.ok).toBe(false);
      expect(references.detail).toMatch(/^1 broken reference\(s\): customers row \S+ points to a products row of another team$/);
      // To a member, another team's product is not there at all.
      const member = JSON.parse((await overTcp(bob, ['db', 'check', '--json'])).stdout) as { checks: Array<{ name: string; detail: string }> };
      expect(member.checks.find((check) => check.name === 'foreign_key_check')!.detail).toMatch(/points to a missing products row$/);
    } finally {
      await db.asSuperuser(`UPDATE crm.customers SET product_id = (SELECT id FROM crm.products WHERE name = 'Audit') WHERE name = 'Ada'`);
      await db.asSuperuser(`ALTER TABLE crm.customers ENABLE TRIGGER customers_product_same_team`);
    }
  });
});

describe('db migrate on a server', () => {
  it('is for the schema owner, who is told the schema is up to date', async () => {
    expect(await asOwner(['db', 'migrate'])).toMatchObject({ code: 0, stdout: '', stderr: `database is up to date (${version})\n` });
    expect(JSON.parse((await asOwner(['db', 'migrate', '--json'])).stdout)).toEqual({
      applied: [],
      schema: { applied: tags, pending: [], known: tags.length },
    });
  });

  it('refuses a member in one line, manager or not', async () => {
    for (const login of [ann, bob]) {
      const result = await overTcp(login, ['db', 'migrate']);
      expectNoPassword(result);
      expectOneLineError(
        result,
        1,
        `error: only the owner of schema crm (${db.owner}) can migrate it; ${login} is a team member: ask ${db.owner} to run crm db migrate\n`,
      );
    }
  });
});

describeBackends('db check', (backend, fresh) => {
  it('passes on a new CRM, with its engine\'s checks', async () => {
    const cli = await fresh();
    const result = await cli.run(['db', 'check', '--json']);
    const report = JSON.parse(result.stdout) as { ok: boolean; checks: Array<{ name: string; ok: boolean }> };
    // The SQLite CRM of these tests is in memory, where there is no write-ahead log.
    const failed = report.checks.filter((check) => !check.ok).map((check) => check.name);
    expect(failed).toEqual(backend === 'sqlite' ? ['journal_mode'] : []);
    expect(report.checks.map((check) => check.name)).toContain(backend === 'sqlite' ? 'integrity' : 'row_level_security');
    const status = await cli.json<{ schema: { pending: string[] } }>(['db', 'status']);
    expect(status.schema.pending).toEqual([]);
  });
});
