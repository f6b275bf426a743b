import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBackends } from './backends.js';
import { runCli, tempDir, type RunOptions, type RunResult } from './helpers.js';
import { createTestDatabase, SERVER_START_TIMEOUT_MS, type TestDatabase } from './pg/helpers.js';

/**
 * crm team add|list|remove against a real server: the schema's owner creates the team with
 * crm db init --team, then managers and members work as their own roles, some over TCP with a
 * password that must never show.
 */
const PASSWORD = 'team:p@ss w/rd-Z9';

let db: TestDatabase;
/** Logins: ann manages Acme; bob and cat are Acme's members-to-be; dan is Globex's; eve belongs nowhere. */
let ann: string;
let bob: string;
let cat: string;
let dan: string;
let eve: string;

const crmAs = (url: string, argv: string[], options: RunOptions = {}) => runCli(['--db', url, ...argv], options);
const asOwner = (argv: string[], options?: RunOptions) => crmAs(db.socketUrl(db.owner), argv, options);
/** Over TCP with the member's password in the URL, as a member on another machine would. */
const overTcp = (login: string, argv: string[], options?: RunOptions) => crmAs(db.tcpUrl(login, PASSWORD), argv, options);

function expectNoPassword(result: RunResult): void {
  for (const form of [PASSWORD, encodeURIComponent(PASSWORD)]) {
    expect(result.stdout).not.toContain(form);
    expect(result.stderr).not.toContain(form);
  }
}

/** One line on stderr, nothing on stdout. */
function expectOneLineError(result: RunResult, code: number, message: string | RegExp): void {
  expect(result.code).toBe(code);
  expect(result.stdout).toBe('');
  expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  expect(result.stderr).toMatch(message);
}

async function logins(result: Promise<RunResult>): Promise<string[]> {
  const run = await result;
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return (JSON.parse(run.stdout) as Array<{ login: string }>).map((member) => member.login);
}

beforeAll(async () => {
  db = await createTestDatabase();
  // One at a time: the roles are created on one connection.
  ann = await db.createRole('ann', PASSWORD);
  bob = await db.createRole('bob', PASSWORD);
  cat = await db.createRole('cat', PASSWORD);
  dan = await db.createRole('dan', PASSWORD);
  eve = await db.createRole('eve', PASSWORD);
  const acme = await asOwner(['db', 'init', '--team', 'Acme']);
  expect(acme.stderr).toMatch(/created team "Acme"/);
  const globex = await asOwner(['db', 'init', '--team', 'Globex']);
  expect(globex.code).toBe(0);
}, SERVER_START_TIMEOUT_MS);
afterAll(async () => db?.close());

describe('team add', () => {
  it('lets the owner add a manager to a named team, and that manager add members to their own', async () => {
    const added = await asOwner(['team', 'add', ann, '--manager', '--team', 'Acme']);
    expect(added).toMatchObject({ code: 0, stdout: '', stderr: `✓ added ${ann} to team "Acme" as a manager\n` });
    expect(await asOwner(['team', 'add', dan, '--manager', '--team', 'Globex'])).toMatchObject({ code: 0 });

    const byManager = await overTcp(ann, ['team', 'add', bob, '--json']);
    expectNoPassword(byManager);
    expect(byManager.code).toBe(0);
    expect(JSON.parse(byManager.stdout)).toEqual({ login: bob, team: 'Acme', is_manager: false, change: 'added' });
    expect(byManager.stderr).toBe(`✓ added ${bob} to team "Acme"\n`);
  });

  it('refuses a member who is not a manager, in one line, and adds nobody', async () => {
    const refused = await overTcp(bob, ['team', 'add', cat]);
    expectNoPassword(refused);
    expectOneLineError(refused, 1, /^error: only a manager of the team \(or the owner of schema crm\) can manage its members\n$/);
    expect(await logins(overTcp(ann, ['team', 'list', '--json']))).toEqual([ann, bob].sort());
  });

  it('refuses a role outside any team, which cannot see the team at all', async () => {
    const refused = await overTcp(eve, ['team', 'add', cat]);
    expectNoPassword(refused);
    expectOneLineError(refused, 1, `error: ${eve} is not a member of any team on this server: a manager adds it with crm team add ${eve}\n`);
  });

  it('changes nothing when run again, and changes the manager flag only when asked', async () => {
    expect(await overTcp(ann, ['team', 'add', bob])).toMatchObject({
      code: 0,
      stderr: `${bob} is already a member of team "Acme"; nothing changed\n`,
    });
    expect(await overTcp(ann, ['team', 'add', bob, '--manager'])).toMatchObject({
      code: 0,
      stderr: `✓ ${bob} is now a manager of team "Acme"\n`,
    });
    // Without --no-manager a re-run keeps a manager a manager.
    expect((await overTcp(ann, ['team', 'add', bob])).stderr).toBe(`${bob} is already a manager of team "Acme"; nothing changed\n`);
    expect(await overTcp(ann, ['team', 'add', bob, '--no-manager'])).toMatchObject({
      code: 0,
      stderr: `✓ ${bob} is no longer a manager of team "Acme"\n`,
    });
    const list = JSON.parse((await overTcp(ann, ['team', 'list', '--json'])).stdout) as Array<{ login: string; is_manager: boolean }>;
    expect(list.find((member) => member.login === bob)?.is_manager).toBe(false);
  });

  it("refuses a manager's try to add to another team, a role that does not exist, and one that bypasses row-level security", async () => {
    // Another team is as unknown to a manager as one that does not exist.
    expectOneLineError(await overTcp(ann, ['team', 'add', cat, '--team', 'Globex']), 1, 'error: no team named Globex\n');
    expectOneLineError(
      await overTcp(ann, ['team', 'add', 'nobody_here']),
      1,
      'error: no role named nobody_here on this server: create it first (CREATE ROLE nobody_here LOGIN)\n',
    );
    expectOneLineError(await overTcp(ann, ['team', 'add', db.owner]), 1, /bypasses row-level security .* and cannot be a member/);
    expectOneLineError(await overTcp(ann, ['team', 'add', dan]), 1, `error: role ${dan} is a member of another team\n`);
  });

  it('asks the owner which team when the server holds several', async () => {
    expectOneLineError(await asOwner(['team', 'add', cat]), 2, 'error: name the team: this server holds 2 teams: pass --team NAME\n');
    expectOneLineError(await asOwner(['team', 'add', cat, '--team', 'Initech']), 1, 'error: no team named Initech\n');
  });
});

describe('team list', () => {
  it("shows a member their own team's members: login, team, manager flag and joining date, as TSV through a pipe", async () => {
    const result = await overTcp(bob, ['team', 'list']);
    expectNoPassword(result);
    expect(result.code).toBe(0);
    const [header, ...rows] = result.stdout.trimEnd().split('\n');
    expect(header).toBe('login\tteam\tis_manager\tcreated_at');
    expect(rows.map((row) => row.split('\t').slice(0, 3))).toEqual(
      [[ann, 'Acme', 'true'], [bob, 'Acme', 'false']].sort((a, b) => a[0]!.localeCompare(b[0]!)),
    );
    for (const row of rows) expect(row.split('\t')[3]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('prints a table on a terminal, JSON and CSV when asked', async () => {
    const table = await overTcp(bob, ['team', 'list'], { tty: true, env: { NO_COLOR: '1' } });
    expect(table.stdout).toMatch(/login .* team .* manager .* joined/);
    expect(table.stdout).toMatch(new RegExp(`${ann} .* Acme .* yes .* \\d{4}-\\d\\d-\\d\\d `));
    const json = JSON.parse((await overTcp(bob, ['team', 'list', '--json'])).stdout);
    expect(json[0]).toEqual({ login: expect.any(String), team: 'Acme', is_manager: expect.any(Boolean), created_at: expect.any(String) });
    const csv = await overTcp(bob, ['team', 'list', '--format', 'csv']);
    expect(csv.stdout.split('\n')[0]).toBe('login,team,is_manager,created_at');
  });

  it("shows a member of another team nothing of this one, and the owner every team's", async () => {
    expect(await logins(overTcp(dan, ['team', 'list', '--json']))).toEqual([dan]);
    expectOneLineError(await overTcp(dan, ['team', 'list', '--team', 'Acme']), 1, 'error: no team named Acme\n');
    const all = JSON.parse((await asOwner(['team', 'list', '--json'])).stdout) as Array<{ login: string; team: string }>;
    expect(all.map((member) => `${member.team}/${member.login}`)).toEqual(
      [`Acme/${ann}`, `Acme/${bob}`].sort().concat([`Globex/${dan}`]),
    );
    expect(await logins(asOwner(['team', 'list', '--team', 'Globex', '--json']))).toEqual([dan]);
  });
});

describe('team remove', () => {
  it('is refused to a plain member, and done by a manager: the removed role loses access', async () => {
    await overTcp(ann, ['team', 'add', cat]);
    expectOneLineError(await overTcp(cat, ['team', 'remove', bob]), 1, /only a manager of the team/);

    const removed = await overTcp(ann, ['team', 'remove', cat, '--json']);
    expectNoPassword(removed);
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.stdout)).toEqual({ login: cat, team: 'Acme' });
    expect(removed.stderr).toBe(`✓ removed ${cat} from team "Acme"\n`);
    expect(await logins(overTcp(ann, ['team', 'list', '--json']))).toEqual([ann, bob].sort());
    expectOneLineError(await overTcp(cat, ['team', 'list']), 1, `error: ${cat} is not a member of any team on this server: a manager adds it with crm team add ${cat}\n`);
    // Their grants went with the membership: psql as cat is refused too.
    expect(db.psql(cat, 'SELECT count(*) FROM crm.customers').stderr).toMatch(/permission denied/);
  });

  it('says so when the login is no member of the team', async () => {
    expectOneLineError(await overTcp(ann, ['team', 'remove', cat]), 1, `error: role ${cat} is not a member of this team\n`);
  });
});

describe('passwords', () => {
  it('never appear, not even when the login fails', async () => {
    const wrong = await crmAs(db.tcpUrl(bob, `${PASSWORD}x`), ['team', 'list']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/password authentication failed/);
    for (const form of [PASSWORD, encodeURIComponent(PASSWORD), `${PASSWORD}x`]) expect(wrong.stderr).not.toContain(form);
    const status = await overTcp(bob, ['db', 'status', '--json']);
    expectNoPassword(status);
    expect(JSON.parse(status.stdout).server).toBe(`postgres://${bob}@127.0.0.1:${db.server.port}/${db.name}`);
    const where = await overTcp(bob, ['db', 'path']);
    expect(where).toMatchObject({ code: 0, stdout: `postgres://${bob}:***@127.0.0.1:${db.server.port}/${db.name}?sslmode=disable\n` });
  });
});

describe('team commands on a SQLite file', () => {
  it('are refused in one line (exit 2), and no file is created', async () => {
    const dir = tempDir();
    try {
      const file = path.join(dir, 'crm.db');
      for (const argv of [['team', 'list'], ['team', 'add', 'bob'], ['team', 'remove', 'bob']]) {
        const result = await runCli(['--db', file, ...argv]);
        expectOneLineError(
          result,
          2,
          `error: teams and members exist only on a team database on a PostgreSQL server (--db postgres://USER@HOST/DATABASE); ${file} is a local file\n`,
        );
      }
      expect(fs.existsSync(file)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeBackends('team list', (backend, fresh) => {
  it(backend === 'sqlite' ? 'is refused on the file the CRM is in' : "lists the CRM's one manager", async () => {
    const cli = await fresh();
    const result = await cli.run(['team', 'list', '--json']);
    if (backend === 'sqlite') {
      expectOneLineError(result, 2, /^error: teams and members exist only on a team database/);
      return;
    }
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      { login: expect.stringMatching(/^manager\d+_/), team: expect.stringMatching(/^Team \d+$/), is_manager: true, created_at: expect.any(String) },
    ]);
  });
});
