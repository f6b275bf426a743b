import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { childEnv, CRM_BIN, FIXTURES, tempDir } from './helpers.js';

/**
 * Start-up time is measured by `npm run bench:startup`, never here; these tests guard what it
 * depends on: a command loads only the packages it uses.
 */

let dir: string;
beforeEach(() => {
  dir = tempDir();
  // Reading commands never create a database, so the ones measured here get an existing one.
  const init = spawnSync(process.execPath, [CRM_BIN, 'db', 'init'], {
    env: childEnv({ CRM_DB: path.join(dir, 'crm.db') }),
    encoding: 'utf8',
  });
  expect(init.status, init.stderr).toBe(0);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs `node --import record-imports.mjs SCRIPT ARGS` and returns the URLs of the modules it loaded. */
function modulesLoaded(script: string, args: string[]): string[] {
  const log = path.join(dir, 'imports.log');
  fs.writeFileSync(log, '');
  const result = spawnSync(process.execPath, ['--import', path.join(FIXTURES, 'record-imports.mjs'), script, ...args], {
    env: childEnv({ CRM_DB: path.join(dir, 'crm.db'), CRM_TEST_IMPORT_LOG: log }),
    encoding: 'utf8',
  });
  expect(result.stderr).not.toMatch(/error|warning/);
  expect(result.status).toBe(0);
  return fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

/** The packages (under node_modules) SCRIPT ARGS loaded. */
function packagesLoaded(script: string, args: string[]): string[] {
  const packages = modulesLoaded(script, args).flatMap((url) =>
    [...url.matchAll(/\/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].slice(-1).map((match) => match[1]!),
  );
  return [...new Set(packages)].sort();
}

/**
 * The top-level commands (folders of src/cli/commands) whose registering module (index.js, or
 * the one named after the folder) SCRIPT ARGS loaded; a command may still use another's helpers.
 */
function commandsLoaded(script: string, args: string[]): string[] {
  const commands = modulesLoaded(script, args).flatMap((url) =>
    [...url.matchAll(/\/cli\/commands\/([^/]+)\/(index|[^/]+)\.js$/g)].filter((match) => match[2] === 'index' || match[2] === match[1]).map((match) => match[1]!),
  );
  return [...new Set(commands)].sort();
}

const unbundled = path.join(FIXTURES, 'crm-unbundled.mjs');
const DATABASE = ['drizzle-orm', 'better-sqlite3'];
const PROMPTS = ['@inquirer/prompts'];
const CSV_IMPORT = ['csv-parse', 'cli-progress'];
const VALIDATION = ['zod'];
/** The PostgreSQL driver: only a postgres:// database loads it. */
const POSTGRES = ['pg', 'pg-copy-streams'];

describe('what a command loads', () => {
  it.each([['--version'], ['--help'], ['customer', '--help'], ['help', 'import']].map((args) => [args.join(' '), args]))(
    'crm %s loads neither the database layer, prompts, CSV nor validation',
    (_command, args) => {
      const loaded = packagesLoaded(unbundled, args);
      expect(loaded).toContain('commander');
      for (const name of [...DATABASE, ...PROMPTS, ...CSV_IMPORT, ...VALIDATION]) expect(loaded).not.toContain(name);
    },
  );

  it.each([['product', 'list'], ['customer', 'list', '--status', 'lead'], ['pipeline']].map((args) => [args.join(' '), args]))(
    'crm %s loads the database layer, but no prompts, CSV import, validation or PostgreSQL driver',
    (_command, args) => {
      const loaded = packagesLoaded(unbundled, args);
      expect(loaded).toEqual(expect.arrayContaining(DATABASE));
      for (const name of [...PROMPTS, ...CSV_IMPORT, ...VALIDATION, ...POSTGRES]) expect(loaded).not.toContain(name);
    },
  );

  it.each([[['product', 'list']], [['customer', 'list']], [['--version']]])('crm %j does not load node:crypto (ids are made, and migrations hashed, only when needed)', (args) => {
    expect(modulesLoaded(unbundled, args)).not.toContain('node:crypto');
    expect(modulesLoaded(CRM_BIN, args)).not.toContain('node:crypto');
  });

  it.each([[['product', 'list']], [['customer', 'list']], [['--version']]])('crm %j never makes process.stdin (Node opens it on first use)', (args) => {
    expect(modulesLoaded(CRM_BIN, args)).not.toContain('process.stdin');
  });

  it('crm --version and the lists never make process.stderr (Node makes it on first use; they write nothing there)', () => {
    // Writing to stderr makes it (so the checks below can fail), and gives the lists rows to print.
    expect(modulesLoaded(CRM_BIN, ['product', 'add', 'Stderr probe', '--inactive'])).toContain('process.stderr');
    expect(modulesLoaded(CRM_BIN, ['customer', 'add', 'Stderr Probe'])).toContain('process.stderr');
    for (const args of [['--version'], ['product', 'list'], ['customer', 'list']]) {
      expect(modulesLoaded(CRM_BIN, args), args.join(' ')).not.toContain('process.stderr');
    }
  });

  it.each([[['product', 'list']], [['customer', 'list']]])('crm %j does not load the PostgreSQL connection code on a SQLite file', (args) => {
    expect(modulesLoaded(unbundled, args).filter((url) => url.includes('/db/pg/'))).toEqual([]);
  });

  it('crm customer add with every value given validates, but loads no prompts', () => {
    const loaded = packagesLoaded(unbundled, ['customer', 'add', 'Ada Lovelace', '--email', 'ada@example.com']);
    expect(loaded).toEqual(expect.arrayContaining([...DATABASE, ...VALIDATION]));
    for (const name of [...PROMPTS, ...CSV_IMPORT]) expect(loaded).not.toContain(name);
  });

  it('the bundled binary opens no database for --version', () => {
    // The bundle holds the JavaScript packages, better-sqlite3's too; its native addon stays in the package.
    const loaded = packagesLoaded(CRM_BIN, ['--version']);
    expect(loaded).not.toContain('better-sqlite3');
    const onSqlite = packagesLoaded(CRM_BIN, ['product', 'list']);
    expect(onSqlite).toContain('better-sqlite3');
    // The PostgreSQL store is a chunk of its own, loaded only for a postgres:// database.
    for (const name of POSTGRES) expect(onSqlite).not.toContain(name);
  });
});

describe('which commands a command line registers', () => {
  const everyCommand = fs.readdirSync(path.join(import.meta.dirname, '..', 'src', 'cli', 'commands')).sort();

  it.each([
    [['--version'], []],
    [['--db', 'product', '-V', 'customer'], []],
    [['product', 'list'], ['product']],
    [['--db', path.join('x', 'customer'), '--no-color', 'customer', 'list', '--status', 'lead'], ['customer']],
    [['pipeline'], ['pipeline']],
  ])('crm %j registers %j only', (args, expected) => {
    // --db is given a real file where the command needs one.
    const argv = args.map((arg) => (arg === path.join('x', 'customer') ? path.join(dir, 'crm.db') : arg));
    expect(commandsLoaded(unbundled, argv)).toEqual(expected);
  });

  it.each([[['--help']], [['help', 'import']], [['--no-input', '--help', 'customer']], [['completion', 'bash']]])('crm %j, which needs every command, loads them all', (args) => {
    expect(commandsLoaded(unbundled, args)).toEqual(everyCommand);
  });

  it('a mistyped command still gets the nearest command suggested', () => {
    const result = spawnSync(process.execPath, [CRM_BIN, 'custmer', 'list'], { env: childEnv({ CRM_DB: path.join(dir, 'crm.db') }), encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/Did you mean customer\?/);
  });
});

describe('the code cache of the bundle (dist/bundle/load.cjs)', () => {
  function crm(args: string[], env: Record<string, string>) {
    return spawnSync(process.execPath, [CRM_BIN, ...args], {
      env: childEnv({ CRM_DB: path.join(dir, 'crm.db'), XDG_CACHE_HOME: path.join(dir, 'cache'), ...env }),
      encoding: 'utf8',
    });
  }
  /** The one folder of this build's caches, and its files. */
  function cacheFiles(): { folder: string; files: string[] } {
    const root = path.join(dir, 'cache', 'crm', 'code-cache');
    const builds = fs.existsSync(root) ? fs.readdirSync(root) : [];
    expect(builds).toHaveLength(1);
    const folder = path.join(root, builds[0]!);
    return { folder, files: fs.readdirSync(folder).sort() };
  }

  it('is written by the first run, for the files it loaded, and keeps the caches of the three most recent other builds', () => {
    const root = path.join(dir, 'cache', 'crm', 'code-cache');
    const others = ['build-1', 'build-2', 'build-3', 'build-4'];
    others.forEach((name, index) => {
      fs.mkdirSync(path.join(root, name), { recursive: true });
      const day = new Date(Date.UTC(2026, 0, 1 + index));
      fs.utimesSync(path.join(root, name), day, day);
    });
    const result = crm(['product', 'list'], {});
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const builds = fs.readdirSync(root).filter((name) => !others.includes(name));
    expect(builds).toHaveLength(1);
    const files = fs.readdirSync(path.join(root, builds[0]!));
    expect(files).toContain('crm.js.cache');
    expect(files.some((file) => file.startsWith('services-'))).toBe(true);
    // The PostgreSQL store was never loaded, so it has no cache.
    expect(files.some((file) => file.startsWith('store-'))).toBe(false);
    expect(fs.readdirSync(root).filter((name) => others.includes(name)).sort()).toEqual(['build-2', 'build-3', 'build-4']);
  });

  it('a cache V8 refuses (here, garbage) is compiled around silently and rewritten', () => {
    expect(crm(['--version'], {}).status).toBe(0);
    const { folder } = cacheFiles();
    const entry = path.join(folder, 'crm.js.cache');
    fs.writeFileSync(entry, 'not a code cache');
    const result = crm(['--version'], {});
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(fs.readFileSync(entry).length).toBeGreaterThan(1000);
  });

  it("is rewritten by each new command of a group (a list after an add), so it holds what that command runs, but not for a command's arguments", () => {
    const servicesCache = () => {
      const { folder, files } = cacheFiles();
      return fs.readFileSync(path.join(folder, files.find((file) => file.startsWith('services-'))!));
    };
    expect(crm(['product', 'add', 'Widget'], {}).status).toBe(0);
    const afterAdd = servicesCache();
    expect(crm(['product', 'list'], {}).status).toBe(0);
    const afterList = servicesCache();
    expect(afterList.equals(afterAdd)).toBe(false);
    expect(crm(['--db', path.join(dir, 'crm.db'), 'product', 'list', '--active'], {}).status).toBe(0);
    expect(servicesCache().equals(afterList)).toBe(true);
    expect(crm(['search', 'widget'], {}).status).toBe(0);
    const afterSearch = servicesCache();
    expect(crm(['search', 'gadget'], {}).status).toBe(0);
    expect(servicesCache().equals(afterSearch)).toBe(true);
    expect(fs.readFileSync(path.join(cacheFiles().folder, 'commands'), 'utf8')).toBe('product add\nproduct list\nsearch\n');
  });

  it('is neither read nor written with NODE_DISABLE_COMPILE_CACHE, and a cache folder that cannot be made changes nothing', () => {
    expect(crm(['--version'], { NODE_DISABLE_COMPILE_CACHE: '1' }).status).toBe(0);
    expect(fs.existsSync(path.join(dir, 'cache'))).toBe(false);
    // A file where the cache folder would go.
    fs.writeFileSync(path.join(dir, 'cache'), '');
    const result = crm(['product', 'list'], {});
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
