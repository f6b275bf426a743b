import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeExportFiles } from './bench/data.js';
import { measureProcess } from './bench/measure.js';
import { childEnv, CRM_BIN, spawnCrm, tempDir } from './helpers.js';

/**
 * A restore's memory must not grow with the file. 100,000 customers and 300,000 interactions
 * with random UUIDs (the shape of real exports) are enough to show growth: before the bulk
 * insert stopped holding a savepoint, this restore peaked at 517 MB and a 1M-customer
 * one at 12.8 GB. Bounds are constants: the 300 MB budget promised for any size.
 */
const CUSTOMERS = 100_000;
const PEAK_RSS_BUDGET_KB = 300 * 1024;

let dir: string;
beforeAll(async () => {
  dir = tempDir('crm-memory-');
  await writeExportFiles(path.join(dir, 'export'), { customers: CUSTOMERS });
}, 300_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('restore memory', () => {
  it('imports an export folder of 400,000 rows within the peak memory budget', async () => {
    const file = path.join(dir, 'restore.db');
    expect(spawnCrm(['--db', file, 'db', 'path']).code).toBe(0);
    const measured = await measureProcess(process.execPath, [CRM_BIN, '--db', file, 'import', '--dir', path.join(dir, 'export')], {
      env: childEnv(),
    });
    const db = new Database(file, { readonly: true });
    const count = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get();
    expect([count('customers'), count('customer_interactions')]).toEqual([CUSTOMERS, CUSTOMERS * 3]);
    db.close();
    expect(measured.peakRssKb).toBeGreaterThan(0);
    expect(measured.peakRssKb).toBeLessThan(PEAK_RSS_BUDGET_KB);
  }, 600_000);
});
