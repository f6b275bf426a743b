import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/connection.js';
import { deferSearchIndex } from '../src/db/search-index.js';
import { startCrm, tempDir } from './helpers.js';

/**
 * `crm ... | head -1`: the reader closes after its first line while crm is still writing.
 * The output is made far larger than a pipe's buffer (64 KiB) so crm is mid-write then.
 */
let dir: string;
let db: string;
beforeAll(() => {
  dir = tempDir('crm-pipe-');
  db = path.join(dir, 'crm.db');
  const database = openDatabase(db);
  // Deferred, as crm's own bulk writes do: the search index keeps one document per customer,
  // so each of Talkative's 3,000 interactions inserted one at a time would re-index all the
  // earlier ones (minutes under load); deferred, the document is built once at commit.
  database.write(() => {
    deferSearchIndex(database.sqlite);
    database.sqlite.exec(`
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
      INSERT INTO customers (name, email) SELECT 'Customer number ' || i, 'customer' || i || '@example.com' FROM n;
      INSERT INTO customers (id, name) VALUES ('aaaaaaaa-0000-4000-8000-000000000000', 'Talkative');
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
      INSERT INTO customer_interactions (customer_id, type, channel, note)
        SELECT 'aaaaaaaa-0000-4000-8000-000000000000', 'Call', 'phone', 'A note long enough to fill the pipe quickly ' || i FROM n;`);
  });
  database.close();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function readFirstLineThenClose(args: string[]) {
  const crm = startCrm(['--db', db, ...args]);
  try {
    const header = await crm.waitForLine(/^id\t/);
    crm.child.stdout!.destroy();
    return { header, ...(await crm.exit()) };
  } finally {
    crm.kill();
  }
}

describe('a reader that closes early', () => {
  it.each([[['customer', 'list', '--all']], [['interaction', 'list', 'talkative']]])('ends crm %j quietly with status 0', async (args) => {
    const result = await readFirstLineThenClose(args);
    expect(result.header).toMatch(/^id\t/);
    expect({ code: result.code, signal: result.signal, stderr: result.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
  });
});
