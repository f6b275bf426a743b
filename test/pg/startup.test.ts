import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv, CRM_BIN, tempDir } from '../helpers.js';

/**
 * Team mode must not slow down the SQLite path: the `pg` driver is loaded only by code that
 * handles a postgres URL (dynamic import in src/db/pg/connection.ts). A preload reports, at
 * exit, whether any module of node_modules/pg was loaded (pg is CommonJS, so even when
 * imported from ESM it is in require.cache).
 */
const folder = tempDir('crm-startup-');
const preload = path.join(folder, 'report-pg.cjs');
fs.writeFileSync(
  preload,
  `process.on('exit', () => {
    const loaded = Object.keys(require.cache).some((file) => /[\\\\/]node_modules[\\\\/]pg[\\\\/]/.test(file));
    process.stderr.write(loaded ? 'PG-LOADED\\n' : 'PG-NOT-LOADED\\n');
  });\n`,
);
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

function runNode(args: string[]) {
  return spawnSync(process.execPath, ['--require', preload, ...args], { env: childEnv(), encoding: 'utf8', input: '' });
}

describe('start-up on a SQLite file', () => {
  it('the probe sees pg when it is loaded', () => {
    const result = runNode(['--input-type=module', '-e', `await import('pg');`]);
    expect(result.stderr).toBe('PG-LOADED\n');
  });

  it('crm writing and reading a SQLite file never loads pg', () => {
    const db = path.join(folder, 'crm.db');
    const add = runNode([CRM_BIN, '--db', db, 'product', 'add', 'Audit']);
    expect(add.status).toBe(0);
    expect(add.stderr).toMatch(/PG-NOT-LOADED\n$/);
    const list = runNode([CRM_BIN, '--db', db, 'product', 'list', '--json']);
    expect(list.status).toBe(0);
    expect(list.stderr).toBe('PG-NOT-LOADED\n');
  });
});
