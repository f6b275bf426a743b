import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CrmDatabase } from '../src/db/connection.js';
import { REMOVE_PENDING_DOCS } from '../src/db/search-index.js';
import { ArchiveService } from '../src/services/archive.js';
import { describeBackends } from './backends.js';
import { FIXED_NOW, TestCli, tempDir } from './helpers.js';

const DAY = 86_400_000;
const LONG_AGO = new Date(FIXED_NOW.getTime() - 400 * DAY);

describeBackends('customer archive in small batches', (backend, fresh) => {
  // Customers written in one go share their updated_at: the walk's cursor must still tell them
  // apart (on PostgreSQL it is the pair updated_at, id), or a batch would skip or repeat some.
  it('archives each due customer once when many share one updated_at, and nobody else', async () => {
    const cli = await fresh();
    cli.clock.set(LONG_AGO);
    const due: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      due.push((await cli.json<{ id: string }>(['customer', 'add', `Lost ${i}`, '--status', 'closed_lost'])).id);
    }
    await cli.run(['customer', 'add', 'Old lead', '--status', 'lead']);
    cli.clock.set(FIXED_NOW);
    await cli.run(['customer', 'add', 'Recent', '--status', 'closed_lost']);

    const result = await new ArchiveService(cli.store, cli.clock, { batchSize: 2 }).archiveStale({
      status: 'closed_lost',
      olderThan: '90d',
    });
    expect([...result.ids].sort()).toEqual([...due].sort());
    const archived = await cli.sql<{ name: string; is_archived: unknown }>(`SELECT name, is_archived FROM customers ORDER BY name`);
    expect(archived.map((row) => [row.name, row.is_archived === true || row.is_archived === 1])).toEqual([
      ...due.map((_, i) => [`Lost ${i}`, true]),
      ['Old lead', false],
      ['Recent', false],
    ]);
    const audited = await cli.sql<{ n: number }>(`SELECT count(*) AS n FROM audit_log WHERE table_name = 'customers' AND action = 'update'`);
    expect(Number(audited[0]!.n)).toBe(7);
  });
});

/** `count` customers in one statement: stale closed_lost ones, or archived ones. */
function seed(db: CrmDatabase, count: number, archived: boolean): void {
  db.sqlite.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count})
    INSERT INTO customers (id, name, status, is_archived, created_at, updated_at)
    SELECT printf('%08x-0000-4000-8000-%012x', (i * 2654435761) % 4294967296, i), 'Customer ' || i, 'closed_lost',
      ${archived ? 1 : 0}, '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z' FROM n`);
}

describe('archive jobs let other writers in by the time they held the lock', () => {
  let cli: TestCli;
  beforeEach(() => {
    cli = new TestCli();
  });
  afterEach(() => cli.close());

  const countPauses = () => vi.spyOn(cli.store.repositories.archive, 'pause');

  it('customer archive: no pause between batches that together held the lock less than the target', async () => {
    seed(cli.db, 1000, false);
    const pauses = countPauses();
    // Batches of 200, 400 and 800 rows, far within a minute: nobody was kept waiting long.
    const result = await new ArchiveService(cli.store, cli.clock, { batchMs: 60_000 }).archiveStale({ status: 'closed_lost', olderThan: '90d' });
    expect(result.count).toBe(1000);
    expect(pauses).not.toHaveBeenCalled();
  });

  it('customer archive: a pause after every batch that alone held the lock past the target', async () => {
    seed(cli.db, 300, false);
    const pauses = countPauses();
    const result = await new ArchiveService(cli.store, cli.clock, { batchMs: 0.001 }).archiveStale({ status: 'closed_lost', olderThan: '90d' });
    expect(result.count).toBe(300);
    // 200, 50, 50 rows, each followed by a pause; the empty batch that shows the end is not.
    expect(pauses).toHaveBeenCalledTimes(3);
  });

  it('archive --to: the same for batches moved to another file', async () => {
    seed(cli.db, 1000, true);
    const pauses = countPauses();
    const to = path.join(tempDir(), 'archive.db');
    const quick = await new ArchiveService(cli.store, cli.clock, { batchMs: 60_000 }).moveToArchive({ to });
    expect(quick.customers).toBe(1000);
    expect(pauses).not.toHaveBeenCalled();

    seed(cli.db, 300, true);
    const slow = await new ArchiveService(cli.store, cli.clock, { batchMs: 0.001 }).moveToArchive({ to });
    expect(slow.customers).toBe(300);
    expect(pauses).toHaveBeenCalledTimes(3);
  });
});

describe('search index flush', () => {
  let cli: TestCli;
  beforeEach(() => {
    cli = new TestCli();
  });
  afterEach(() => cli.close());

  // Each bulk write (every batch of an archive move) flushes the pending documents: a full scan
  // of the FTS index there costs as much as the index is large, per batch.
  it('looks up the documents of the pending customers by rowid, never scanning the index', () => {
    const details = (cli.db.sqlite.prepare(`EXPLAIN QUERY PLAN ${REMOVE_PENDING_DOCS}`).all() as Array<{ detail: string }>).map(
      (row) => row.detail,
    );
    const virtual = details.filter((detail) => detail.includes('VIRTUAL TABLE'));
    expect(virtual.length).toBeGreaterThan(0);
    // FTS5 names a rowid lookup "INDEX n:=" and a full scan "INDEX n:".
    expect(virtual.filter((detail) => !/INDEX \d+:=/.test(detail))).toEqual([]);
  });
});
