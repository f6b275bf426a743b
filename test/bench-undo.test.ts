import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { undoSection } from './bench/undo.js';
import { tempDir } from './helpers.js';

const dir = tempDir('crm-bench-undo-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('bench section undo', () => {
  it('runs at a small scale: the undo is checked to leave the file without the import, and both figures come out', async () => {
    const rows = await undoSection.run({ customers: 300, repeat: 1, work: dir, log: () => {} });
    expect(rows.map((row) => row.figure)).toEqual([
      'crm undo of a 300-row import',
      'the same import audited as a summary (not undoable)',
    ]);
    expect(rows[0]).toMatchObject({ target: '≥ 1× (faster than the import)', met: expect.any(Boolean) });
    expect(rows[0]!.ratio).toBeGreaterThan(0);
  }, 120_000);
});
