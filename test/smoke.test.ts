import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packageVersion } from '../src/project-root.js';
import { childEnv, CRM_BIN, spawnCrm, tempDir } from './helpers.js';

/**
 * The installed program, end to end: the built binary in a child process, no terminal. Each
 * test has a file of its own, so each runs alone (`vitest -t`) as it does after the others.
 */
let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = tempDir('crm-smoke-');
  env = { CRM_DB: path.join(dir, 'crm.db'), HOME: dir };
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the built crm binary', () => {
  it('prints its version', () => {
    expect(spawnCrm(['--version'], { env })).toEqual({ code: 0, stdout: `${packageVersion}\n`, stderr: '' });
  });

  it('documents the exit statuses in --help', () => {
    const { code, stdout } = spawnCrm(['--help'], { env });
    expect(code).toBe(0);
    expect(stdout).toContain('Exit status:');
    expect(stdout).toMatch(/^ {2}2 {2}usage error/m);
  });

  it('adds a product and lists it as TSV with a header when piped', () => {
    const add = spawnCrm(['product', 'add', 'Website audit', '-d', 'Two days'], { env });
    expect(add.code).toBe(0);
    expect(add.stderr).toMatch(/^✓ added product "Website audit" \([0-9a-f]{8}\)\n$/);
    const list = spawnCrm(['product', 'list'], { env });
    expect(list.code).toBe(0);
    const [header, row, ...rest] = list.stdout.split('\n');
    expect(header).toBe('id\tname\tis_active\tdescription\tupdated_at');
    expect(row).toMatch(/^[0-9a-f-]{36}\tWebsite audit\ttrue\tTwo days\t\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    expect(rest).toEqual(['']);
    expect(fs.statSync(env.CRM_DB!).mode & 0o777).toBe(0o600);
  });

  it('exits 2 on an unknown command, with the message on stderr only', () => {
    const result = spawnCrm(['frobnicate'], { env });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("unknown command 'frobnicate'");
  });

  it('exits 1 with one line on stderr when a rule refuses', () => {
    for (const name of ['Website audit', 'B', 'C']) expect(spawnCrm(['product', 'add', name], { env }).code).toBe(0);
    const result = spawnCrm(['product', 'add', 'D'], { env });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: at most 3 products can be active, and these are: B, C, Website audit; deactivate one first\n',
    });
  });

  it('colours its output on a terminal, and not with NO_COLOR', () => {
    expect(spawnCrm(['db', 'init'], { env }).code).toBe(0);
    // `script` gives the child a pseudo-terminal, so colour is decided as on a user's screen.
    const onTerminal = (extraEnv: Record<string, string>) => {
      const result = spawnSync('script', ['-qec', `"${process.execPath}" "${CRM_BIN}" db check`, '/dev/null'], {
        env: childEnv({ ...env, ...extraEnv }),
        encoding: 'utf8',
      });
      if (result.error) throw new Error(`these tests need script(1) from util-linux: ${result.error.message}`);
      expect(result.status).toBe(0);
      return result.stdout;
    };
    expect(onTerminal({})).toContain('\u001b[32mok');
    const plain = onTerminal({ NO_COLOR: '1' });
    expect(plain).toMatch(/^ok +integrity +ok\r?$/m);
    expect(plain).not.toContain('\u001b[');
  });

  it('finds the default database under HOME when neither --db nor CRM_DB is set', () => {
    const result = spawnCrm(['db', 'path'], { env: { HOME: dir } });
    expect(result).toEqual({ code: 0, stdout: `${path.join(dir, '.local/share/crm/crm.db')}\n`, stderr: '' });
    expect(fs.existsSync(path.join(dir, '.local'))).toBe(false);
  });
});
