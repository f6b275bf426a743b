import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeBackends } from './backends.js';
import { CRM_BIN, runCli, TestCli, tempDir } from './helpers.js';

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
