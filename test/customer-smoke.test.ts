import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnCrm, tempDir } from './helpers.js';

// Runs the built binary, as a user's shell or cron job would.
const dir = tempDir();
const db = path.join(dir, 'crm.db');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const crm = (args: string[], input = '') => spawnCrm(['--db', db, ...args], { input, env: { CRM_OWNER: 'grace' } });

describe('customer and interaction commands through the real binary', () => {
  it('adds, logs from piped stdin, lists as TSV and refuses to prompt without a terminal', () => {
    expect(crm(['customer', 'add', 'Ada Lovelace', '--email', 'ada@example.com']).code).toBe(0);
    const logged = crm(['interaction', 'log', 'ada lovelace', '-c', 'phone', '-t', 'Intro', '--note', '-'], 'From a pipe\n');
    expect(logged).toMatchObject({ code: 0, stderr: '✓ logged phone "Intro" with "Ada Lovelace"\n' });

    const list = crm(['customer', 'list']);
    expect(list.stdout).toMatch(/^id\tname\temail\tphone\tstatus\tproduct_id\tproduct_name\towner\tcreated_at\n[0-9a-f-]{36}\tAda Lovelace\tada@example.com\t\tlead\t\t\tgrace\t/);

    const shown = JSON.parse(crm(['customer', 'show', 'ada lovelace', '--json']).stdout);
    expect(shown.interactions.map((i: { note: string }) => i.note)).toEqual(['From a pipe']);

    expect(crm(['customer', 'add'])).toMatchObject({
      code: 2,
      stderr: 'error: missing customer name: give it as the first argument (no terminal to prompt on)\n',
    });
  });
});
