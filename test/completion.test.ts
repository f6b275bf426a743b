import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeBackends } from './backends.js';
import { completeFast } from '../src/cli/complete-fast.js';
import { completionTree } from '../src/cli/commands/completion/candidates.js';
import { buildProgram } from '../src/cli/program.js';
import { processContext } from '../src/cli/context.js';
import { Session } from '../src/cli/session.js';
import { childEnv, CRM_BIN, FIXTURES, runCli, spawnCrm, TestCli, tempDir } from './helpers.js';

describe('shell completion', () => {
  let cli: TestCli;

  beforeEach(async () => {
    cli = new TestCli();
    await cli.run(['product', 'add', 'Website audit']);
    await cli.run(['product', 'add', 'Workshop']);
    await cli.run(['customer', 'add', 'Émile Zola']);
    await cli.run(['customer', 'add', 'Ada Lovelace']);
    await cli.run(['customer', 'add', 'Adam Smith']);
  });

  afterEach(() => cli.close());

  const complete = async (...typed: string[]) => {
    const result = await cli.run(['__complete', '--', ...typed]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    return result.stdout.split('\n').filter(Boolean);
  };

  it('offers commands, then subcommands, from the program itself', async () => {
    expect(await complete('')).toEqual(expect.arrayContaining(['product', 'customer', 'interaction', 'followups', 'completion']));
    expect(await complete('')).not.toContain('__complete');
    expect(await complete('cu')).toEqual(['customer']);
    expect(await complete('customer', 'a')).toEqual(['add', 'archive']);
  });

  it('offers a command\'s options, the global ones included', async () => {
    const options = await complete('customer', 'list', '--');
    expect(options).toEqual(expect.arrayContaining(['--status', '--owner', '--json', '--db', '--help']));
    expect(await complete('customer', 'list', '--st')).toEqual(['--status']);
  });

  it('offers the allowed values of options and arguments', async () => {
    expect(await complete('customer', 'list', '--status', 'pro')).toEqual(['proposal']);
    expect(await complete('customer', 'list', '--status', '')).toEqual(['lead', 'qualified', 'proposal', 'negotiation', 'closed_won', 'closed_lost']);
    expect(await complete('customer', 'move', 'Ada Lovelace', 'closed')).toEqual(['closed_won', 'closed_lost']);
    expect(await complete('interaction', 'log', 'x', '--channel', '')).toEqual(['phone', 'email', 'meeting', 'chat', 'other']);
    expect(await complete('export', 'cust')).toEqual(['customers', 'customer_interactions', 'customer_external_ids', 'customer_tags']);
    expect(await complete('customer', 'list', '--format', '')).toEqual(['table', 'json', 'csv', 'tsv']);
    expect(await complete('completion', '')).toEqual(['bash', 'zsh', 'fish']);
  });

  it('offers customer and product names from the database, ignoring case and accents\' forms', async () => {
    expect(await complete('customer', 'show', 'ad')).toEqual(['Ada Lovelace', 'Adam Smith']);
    expect(await complete('customer', 'show', 'ÉMILE')).toEqual(['Émile Zola']);
    expect(await complete('interaction', 'log', 'Ada')).toEqual(['Ada Lovelace', 'Adam Smith']);
    expect(await complete('product', 'show', 'w')).toEqual(['Website audit', 'Workshop']);
    expect(await complete('customer', 'add', 'X', '--product', 'web')).toEqual(['Website audit']);
  });

  it('offers vcard where import and export take it, not where a table alone goes', async () => {
    expect(await complete('import', 'v')).toEqual(['vcard']);
    expect(await complete('export', 'vc')).toEqual(['vcard']);
    expect(await complete('watch', '--table', 'v')).toEqual([]);
  });

  it('leaves file names to the shell', async () => {
    expect(await complete('import', 'customers', '')).toEqual([':files']);
    expect(await complete('export', 'customers', '--out', '')).toEqual([':files']);
    expect(await complete('--db', '')).toEqual([':files']);
  });

  it('offers no names, and no error, when the database does not exist', async () => {
    const dir = tempDir();
    const result = await runCli(['__complete', '--', '--db', path.join(dir, 'none.db'), 'customer', 'show', 'a']);
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('prints a script for each shell, and refuses another shell', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const { code, stdout } = await cli.run(['completion', shell]);
      expect(code).toBe(0);
      expect(stdout).toContain('crm __complete');
    }
    const refused = await cli.run(['completion', 'tcsh']);
    expect(refused.code).toBe(2);
  });

  it('completes in a real bash through the installed script', () => {
    const dir = tempDir();
    const db = path.join(dir, 'crm.db');
    const env = { PATH: `${path.dirname(CRM_BIN)}:${process.env.PATH}`, HOME: dir, CRM_DB: db };
    const run = (args: string[]) => spawnSync(process.execPath, [CRM_BIN, ...args], { env, encoding: 'utf8' });
    expect(run(['customer', 'add', 'Ada Lovelace']).status).toBe(0);
    const script = run(['completion', 'bash']).stdout;
    fs.writeFileSync(path.join(dir, 'crm'), `#!/bin/sh\nexec "${process.execPath}" "${CRM_BIN}" "$@"\n`, { mode: 0o755 });
    const probe = `${script}
COMP_WORDS=(crm customer show Ad); COMP_CWORD=3; _crm_complete; printf '%s\\n' "\${COMPREPLY[@]}"
COMP_WORDS=(crm cust); COMP_CWORD=1; _crm_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const result = spawnSync('bash', ['--norc', '-c', probe], { env: { ...env, PATH: `${dir}:${process.env.PATH}` }, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('Ada\\ Lovelace\ncustomer\n');
  });
});

describeBackends('completion of names', (_backend, fresh) => {
  it('offers company names where a company ref goes, and customer names where merge and tag take customers', async () => {
    const cli = await fresh();
    for (const name of ['Acme Corp', 'acorn Ltd', 'Écoles Réunies', 'Globex']) await cli.run(['company', 'add', name]);
    await cli.run(['customer', 'add', 'Ada Lovelace']);
    await cli.run(['customer', 'add', 'Acme Person']);
    const complete = async (...typed: string[]) => (await cli.run(['__complete', '--', ...typed])).stdout.split('\n').filter(Boolean);
    expect(await complete('company', 'show', 'AC')).toEqual(['Acme Corp', 'acorn Ltd']);
    expect(await complete('company', 'edit', 'éco')).toEqual(['Écoles Réunies']);
    // In list order: by name as SQLite's lower() has it (ASCII letters folded), so É after G.
    expect(await complete('company', 'delete', '')).toEqual(['Acme Corp', 'acorn Ltd', 'Globex', 'Écoles Réunies']);
    expect(await complete('customer', 'add', 'X', '--company', 'gl')).toEqual(['Globex']);
    expect(await complete('customer', 'edit', 'Ada Lovelace', '-c', 'acm')).toEqual(['Acme Corp']);
    expect(await complete('customer', 'merge', 'Ada Lovelace', 'Ac')).toEqual(['Acme Person']);
    expect(await complete('customer', 'merge', 'ad')).toEqual(['Ada Lovelace']);
    expect(await complete('tag', 'ac')).toEqual(['Acme Person']);
    expect(await complete('tag', '')).toEqual(['list', 'rename', 'Acme Person', 'Ada Lovelace']);
  });

  it('offers a name once when customers\' names differ only in case: a ref by name matches them alike', async () => {
    const cli = await fresh();
    for (const name of ['Ada Lovelace', 'ADA LOVELACE', 'ada lovelace', 'Adam Smith']) await cli.run(['customer', 'add', name]);
    const offered = (await cli.run(['__complete', '--', 'customer', 'show', 'ad'])).stdout.split('\n').filter(Boolean);
    expect(offered).toHaveLength(2);
    expect(['Ada Lovelace', 'ADA LOVELACE', 'ada lovelace']).toContain(offered[0]);
    expect(offered[1]).toBe('Adam Smith');
  });


  it('offers customer and product names of this database, folded, at most 50, in order', async () => {
    const cli = await fresh();
    for (const name of ['Émile Zola', 'emile Durand', 'Ada Lovelace']) await cli.run(['customer', 'add', name]);
    for (let n = 0; n < 60; n++) await cli.run(['customer', 'add', `Zed ${String(n).padStart(2, '0')}`]);
    await cli.run(['product', 'add', 'Écoute']);
    const complete = async (...typed: string[]) => (await cli.run(['__complete', '--', ...typed])).stdout.split('\n').filter(Boolean);
    expect(await complete('customer', 'show', 'EMI')).toEqual(['emile Durand']);
    expect(await complete('customer', 'show', 'éMI')).toEqual(['Émile Zola']);
    expect(await complete('customer', 'show', 'zed')).toHaveLength(50);
    expect((await complete('customer', 'show', 'zed'))[0]).toBe('Zed 00');
    expect(await complete('product', 'show', 'éc')).toEqual(['Écoute']);
  });
});

describe('completion as the shell runs it: bin/crm.js answers from a bundle of its own', () => {
  let dir: string;
  let db: string;
  let cli: TestCli;

  beforeEach(async () => {
    dir = tempDir();
    db = path.join(dir, 'crm.db');
    cli = new TestCli(db);
    for (const name of ['Website audit', 'Workshop']) await cli.run(['product', 'add', name]);
    for (const name of ['Acme Corp', 'acorn Ltd', 'Écoles Réunies']) await cli.run(['company', 'add', name]);
    for (const name of ['Émile Zola', 'emile Durand', 'Ada Lovelace', 'ADA LOVELACE', 'Adam Smith']) await cli.run(['customer', 'add', name]);
  });

  afterEach(() => cli.close());

  const LINES = [
    [''],
    ['cu'],
    ['customer', 'a'],
    ['customer', 'list', '--st'],
    ['customer', 'list', '--status', 'pro'],
    ['interaction', 'log', 'x', '--channel', ''],
    ['export', 'cust'],
    ['customer', 'show', 'ad'],
    ['customer', 'show', 'ÉMI'],
    ['customer', 'merge', 'Adam Smith', 'a'],
    ['tag', ''],
    ['history', 'e'],
    ['product', 'show', 'w'],
    ['customer', 'add', 'X', '--product', 'web'],
    ['company', 'show', 'ac'],
    ['customer', 'edit', 'ada', '--company', 'éc'],
    ['import', 'customers', ''],
    ['--db', ''],
    ['customer', 'list', '--format', ''],
  ];

  it('gives what the command gives in-process, for commands, options, values, files and each kind of name', async () => {
    for (const typed of LINES) {
      const inProcess = await cli.run(['__complete', '--', ...typed]);
      const shell = spawnCrm(['__complete', '--', ...typed], { env: { CRM_DB: db } });
      expect({ typed, ...shell }).toEqual({ typed, code: 0, stdout: inProcess.stdout, stderr: '' });
    }
    expect(spawnCrm(['__complete', '--', 'company', 'show', 'AC'], { env: { CRM_DB: db } }).stdout).toBe('Acme Corp\nacorn Ltd\n');
    expect(spawnCrm(['__complete', '--', '--db', db, 'customer', 'show', 'ad']).stdout).toMatch(/^(Ada Lovelace|ADA LOVELACE)\nAdam Smith\n$/);
  });

  it('loads neither the program nor commander, drizzle or zod', () => {
    const log = path.join(dir, 'imports.log');
    fs.writeFileSync(log, '');
    const result = spawnSync(process.execPath, ['--import', path.join(FIXTURES, 'record-imports.mjs'), CRM_BIN, '__complete', '--', 'customer', 'show', 'Ad'], {
      env: childEnv({ CRM_DB: db, CRM_TEST_IMPORT_LOG: log }),
      encoding: 'utf8',
    });
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(result.stdout).toContain('Adam Smith');
    const loaded = fs.readFileSync(log, 'utf8');
    // better-sqlite3 is required as CommonJS, which the hook does not see; the names above came from it.
    expect(loaded).toContain('/dist/bundle/complete.cjs');
    for (const absent of ['/dist/bundle/crm.js', '/commander/', '/drizzle-orm/', '/zod/', '/pg/']) expect(loaded).not.toContain(absent);
  });

  it('offers no names and creates nothing for a missing file, and leaves a server URL to the program', () => {
    const missing = path.join(dir, 'sub', 'none.db');
    expect(spawnCrm(['__complete', '--', '--db', missing, 'customer', 'show', 'a'])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(fs.existsSync(path.dirname(missing))).toBe(false);
    expect(completeFast(['--', '--db', 'postgres://crm@localhost:1/none', 'customer', 'show', 'a'], {}, dir)).toBe(false);
    expect(completeFast(['customer'], { CRM_DB: db }, dir)).toBe(false);
  });

  it('reads a command tree that the build wrote from the program as it is', async () => {
    const written = JSON.parse(fs.readFileSync(path.join(path.dirname(CRM_BIN), '..', 'dist', 'bundle', 'completion-tree.json'), 'utf8'));
    expect(written).toEqual(completionTree(await buildProgram(new Session(processContext()))));
  });
});
