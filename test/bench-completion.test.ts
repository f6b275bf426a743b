import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { completionBench } from './bench/completion.js';
import { tempDir } from './helpers.js';

const dir = tempDir('crm-bench-completion-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('bench section completion', () => {
  it('runs at a small scale: the names are checked, and each figure comes out beside node -e 0', async () => {
    const rows = await completionBench(2).run({ customers: 300, repeat: 1, work: dir, log: () => {} });
    expect(rows.map((row) => row.figure)).toEqual(['crm __complete, 300 customers', "the program's path (crm --db F __complete), 300 customers"]);
    expect(rows[0]).toMatchObject({ target: '≤ 100 ms', met: expect.any(Boolean), reference: expect.stringMatching(/^node -e 0: \d+ ms/) });
    expect(rows[0]!.ratio).toBeGreaterThan(0);
    expect(rows[1]!.target).toBeUndefined();
  }, 120_000);
});
