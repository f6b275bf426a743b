import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv, CRM_BIN, tempDir } from '../helpers.js';

/**
 * Team mode must not slow down the SQLite path: the `pg` driver is loaded only by code that
 * handles a postgres URL (dynamic import in src/db/pg/connection.ts). A preload reports, at
 * exit, whether pg was loaded: from node_modules (pg is CommonJS, so even when imported from
 * ESM it is in require.cache), or as the bundle's copy (src/build/bundle.mjs), which
 * dist/bundle/load.cjs compiles with vm.Script: the one file holding pg's isCloudflareRuntime.
 * It also reports whether Node's fetch (undici) was loaded, which pg's own check for a
 * Cloudflare Worker did, for 45 ms of CPU, until the bundle's copy skipped it.
 */
const folder = tempDir('crm-startup-');
const preload = path.join(folder, 'report-pg.cjs');
fs.writeFileSync(
  preload,
  `const vm = require('node:vm');
  let bundled = false;
  vm.Script = class extends vm.Script {
    constructor(source, options) {
      super(source, options);
      if (source.includes('isCloudflareRuntime')) bundled = true;
    }
  };
  process.on('exit', () => {
    const loaded = bundled || Object.keys(require.cache).some((file) => /[\\\\/]node_modules[\\\\/]pg[\\\\/]/.test(file));
    const undici = process.moduleLoadList.some((name) => name.includes('undici'));
    process.stderr.write((loaded ? 'PG-LOADED' : 'PG-NOT-LOADED') + (undici ? ' UNDICI' : '') + '\\n');
  });\n`,
);
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

function runNode(args: string[]) {
  return spawnSync(process.execPath, ['--require', preload, ...args], { env: childEnv(), encoding: 'utf8', input: '' });
}

describe('start-up on a SQLite file', () => {
  it('the probe sees pg when it is loaded', () => {
    const result = runNode(['--input-type=module', '-e', `await import('pg');`]);
    expect(result.stderr).toMatch(/^PG-LOADED( UNDICI)?\n$/);
  });

  it('the probe sees Node\'s fetch when it is loaded', () => {
    expect(runNode(['-e', 'void Response']).stderr).toBe('PG-NOT-LOADED UNDICI\n');
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

describe('start-up on a server', () => {
  it('a postgres:// command loads the bundled pg, without Node\'s fetch', () => {
    // Port 1: nothing listens, so the command fails to connect, after loading the driver.
    const result = runNode([CRM_BIN, '--db', 'postgres://nobody@127.0.0.1:1/crm?sslmode=disable', 'customer', 'list']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/cannot connect to .*\nPG-LOADED\n$/);
  });
});
