import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/connection.js';
import { childEnv, CRM_BIN, FIXTURES, runCli, spawnCrm, startCrm, startNode, tempDir, type SpawnResult } from './helpers.js';

// Real processes: the write lock is only contended across them.

const NOTICE = 'waiting for another crm write to finish…';
/** Well past the 10 s a writer used to wait before failing with "the database is busy". */
const LONG_HOLD_MS = 18_000;

let dir: string;
let file: string;
beforeEach(() => {
  dir = tempDir('crm-lock-');
  file = path.join(dir, 'crm.db');
  expect(spawnCrm(['--db', file, 'db', 'migrate']).code).toBe(0);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function holdWriteLock(ms: number) {
  return startNode(path.join(FIXTURES, 'hold-write-lock.mjs'), [file, String(ms)]);
}

/** crm on a pseudo-terminal (script(1)), as a person at a terminal runs it. */
function crmOnTerminal(args: string[]): Promise<SpawnResult> {
  const command = [process.execPath, CRM_BIN, ...args].map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { env: childEnv({ NO_COLOR: '1' }), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', (error) => reject(new Error(`these tests need script(1) from util-linux: ${error.message}`)));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function customerNames(): string[] {
  const db = openDatabase(file);
  try {
    return (db.sqlite.prepare('SELECT name FROM customers ORDER BY name').all() as Array<{ name: string }>).map((row) => row.name);
  } finally {
    db.close();
  }
}

describe('a write while another process holds the write lock', () => {
  it(
    'waits for it to finish, says so only on a terminal, and readers do not wait at all',
    async () => {
      const holder = holdWriteLock(LONG_HOLD_MS);
      try {
        await holder.waitForLine('locked', { timeoutMs: 30_000 });
        const piped = startCrm(['--db', file, 'customer', 'add', 'Piped']);
        const onTerminal = crmOnTerminal(['--db', file, 'customer', 'add', 'Typed']);

        const list = spawnCrm(['--db', file, 'customer', 'list']);
        expect(list.code).toBe(0);
        // The reader finished while the lock was still held.
        expect(holder.child.exitCode).toBe(null);

        const pipedExit = await piped.exit(120_000);
        expect(pipedExit.code, pipedExit.stderr).toBe(0);
        expect(pipedExit.stderr).not.toContain(NOTICE);
        expect(pipedExit.stderr).toMatch(/^✓ added customer "Piped"/);

        const terminal = await onTerminal;
        expect(terminal.code, terminal.stdout).toBe(0);
        // script(1) puts the terminal's output, stderr included, on its stdout.
        expect(terminal.stdout.split(NOTICE)).toHaveLength(2);
        expect(terminal.stdout).toContain('added customer "Typed"');

        expect((await holder.exit(30_000)).stdout).toBe('locked\nreleased\n');
        expect(customerNames()).toEqual(['Held', 'Piped', 'Typed']);
      } finally {
        holder.kill();
      }
    },
    180_000,
  );

  it(
    'gives up after CRM_BUSY_TIMEOUT seconds with one line, leaving the file unchanged',
    async () => {
      const holder = holdWriteLock(8_000);
      try {
        await holder.waitForLine('locked', { timeoutMs: 30_000 });
        const impatient = await startCrm(['--db', file, 'customer', 'add', 'Impatient'], { env: { CRM_BUSY_TIMEOUT: '0.5' } }).exit(60_000);
        // It gave up while the lock was still held.
        expect(holder.child.exitCode).toBe(null);
        expect(impatient).toMatchObject({
          code: 1,
          stdout: '',
          stderr: 'error: the database is busy (another crm process is writing); try again\n',
        });
        await holder.exit(30_000);
        expect(customerNames()).toEqual(['Held']);
      } finally {
        holder.kill();
      }
    },
    120_000,
  );

  it('refuses a CRM_BUSY_TIMEOUT that is not a number of seconds', async () => {
    for (const setting of ['ten', '-1', '5m']) {
      const result = await runCli(['--db', file, 'customer', 'add', 'Ada'], { env: { CRM_BUSY_TIMEOUT: setting } });
      expect(result).toMatchObject({
        code: 2,
        stdout: '',
        stderr: `error: CRM_BUSY_TIMEOUT must be a number of seconds, like 600; it is "${setting}"\n`,
      });
    }
    expect(customerNames()).toEqual([]);
  });
});
