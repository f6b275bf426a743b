import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { spawnCrm, tempDir } from './helpers.js';

let dir: string;
let tmp: string;
beforeEach(() => {
  dir = tempDir('crm-scratch-');
  tmp = path.join(dir, 'tmp');
  fs.mkdirSync(tmp);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has run and exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid!;
}

function scratchFolder(name: string): string {
  const folder = path.join(tmp, name);
  fs.mkdirSync(folder);
  fs.writeFileSync(path.join(folder, 'staging.db'), 'rows of an import that was killed');
  return folder;
}

it('an import removes the scratch folders of killed crm processes, never those of live ones', async () => {
  const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  try {
    const dead = deadPid();
    const killedImport = scratchFolder(`crm-import-${dead}-AbC123`);
    const killedReadOnly = scratchFolder(`crm-readonly-${dead}-xYz789`);
    const running = scratchFolder(`crm-import-${live.pid}-QwErTy`);
    const olderForm = scratchFolder('crm-import-Zz9Yy8');
    const unrelated = scratchFolder(`other-import-${dead}-AbC123`);

    const csv = path.join(dir, 'in.csv');
    fs.writeFileSync(csv, 'name\nAda Lovelace\n');
    const result = spawnCrm(['--db', path.join(dir, 'crm.db'), 'import', 'customers', csv], { env: { TMPDIR: tmp } });
    expect(result).toMatchObject({ code: 0 });

    expect(fs.existsSync(killedImport)).toBe(false);
    expect(fs.existsSync(killedReadOnly)).toBe(false);
    for (const kept of [running, olderForm, unrelated]) {
      expect(fs.readFileSync(path.join(kept, 'staging.db'), 'utf8')).toBe('rows of an import that was killed');
    }
    // The import's own scratch folder is gone too: only the ones it had to leave remain.
    expect(fs.readdirSync(tmp).sort()).toEqual([path.basename(running), path.basename(olderForm), path.basename(unrelated)].sort());
  } finally {
    live.kill();
  }
});
