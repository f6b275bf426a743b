import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CrmDatabase } from '../src/db/connection.js';
import {
  ARCHIVE_STALE_BATCH,
  MOVABLE_CUSTOMERS_BATCH,
  MOVABLE_INTERACTIONS_BATCH,
} from '../src/repositories/sqlite/archive.js';
import { ArchiveService } from '../src/services/archive.js';
import { SqliteStore } from '../src/repositories/sqlite/store.js';
import { TestCli, tempDir } from './helpers.js';

/** `count` customers written in one statement: stale closed_lost ones, or archived ones, each with 2 interactions. */
function seed(db: CrmDatabase, count: number, kind: 'stale' | 'archived'): void {
  const first = (db.sqlite.prepare(`SELECT count(*) FROM customers`).pluck().get() as number) + 1;
  db.sqlite.exec(`WITH RECURSIVE n(i) AS (SELECT ${first} UNION ALL SELECT i + 1 FROM n WHERE i < ${first + count - 1})
    INSERT INTO customers (id, name, status, is_archived, created_at, updated_at)
    SELECT printf('%08x-0000-4000-8000-%012x', (i * 2654435761) % 4294967296, i), 'Customer ' || i, 'closed_lost',
      ${kind === 'archived' ? 1 : 0}, '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z' FROM n`);
  db.sqlite.exec(`INSERT INTO customer_interactions (id, customer_id, type, channel, note, created_at)
    SELECT c.id || '-' || k.value, c.id, 'call', 'phone', 'note', '2024-01-01T00:00:00.000Z'
    FROM customers AS c, json_each('[1, 2]') AS k WHERE c.rowid >= ${first}`);
}

/** A store of the database, counting the write transactions the service opens on it. */
function counting(db: CrmDatabase): { db: SqliteStore; writes: () => number } {
  let writes = 0;
  return {
    db: new SqliteStore({
      ...db,
      writeAsync: (work, settings) => {
        writes += 1;
        return db.writeAsync(work, settings);
      },
    }),
    writes: () => writes,
  };
}

describe('archive jobs batch by time', () => {
  let cli: TestCli;
  beforeEach(() => {
    cli = new TestCli();
  });
  afterEach(() => cli.close());

  it('customer archive grows batches that finish well within the time target', async () => {
    seed(cli.db, 1000, 'stale');
    const auditBefore = cli.db.sqlite.prepare(`SELECT count(*) FROM audit_log`).pluck().get() as number;
    const { db, writes } = counting(cli.db);
    // A target nothing reaches: each batch doubles (200, 400, 800) instead of staying at 200.
    const result = await new ArchiveService(db, cli.clock, { batchMs: 60_000 }).archiveStale({
      status: 'closed_lost',
      olderThan: '90d',
    });
    expect(result.count).toBe(1000);
    expect(new Set(result.ids).size).toBe(1000);
    expect(writes()).toBe(3);
    // One audit entry per archived customer, as the same UPDATE in the sqlite3 shell writes.
    const entries = cli.db.sqlite
      .prepare(`SELECT count(*) FROM audit_log WHERE table_name = 'customers' AND action = 'update'`)
      .pluck()
      .get();
    expect(entries).toBe(1000);
    expect(cli.db.sqlite.prepare(`SELECT count(*) FROM audit_log`).pluck().get()).toBe(auditBefore + 1000);
  });

  it('customer archive shrinks batches that take longer than the target', async () => {
    seed(cli.db, 300, 'stale');
    const { db, writes } = counting(cli.db);
    const result = await new ArchiveService(db, cli.clock, { batchMs: 0.001 }).archiveStale({
      status: 'closed_lost',
      olderThan: '90d',
    });
    expect(result.count).toBe(300);
    // 200 rows, then the smallest batch (50) twice, and the empty one that shows the end.
    expect(writes()).toBe(4);
  });

  it('customer archive still works on a file that lost the status index (db check reports it)', async () => {
    seed(cli.db, 10, 'stale');
    cli.db.sqlite.exec('DROP INDEX customers_status_idx');
    const result = await new ArchiveService(cli.store, cli.clock).archiveStale({ status: 'closed_lost', olderThan: '90d' });
    expect(result.count).toBe(10);
  });

  it('archive --to sizes its batches by time too, and moves every row once', async () => {
    seed(cli.db, 1000, 'archived');
    const to = path.join(tempDir(), 'archive.db');
    const { db, writes } = counting(cli.db);
    const result = await new ArchiveService(db, cli.clock, { batchMs: 60_000 }).moveToArchive({ to });
    expect(result).toMatchObject({ customers: 1000, customer_interactions: 2000 });
    // 200, 400, then the last 400 in a batch of 800, and the empty read that ends the move.
    expect(writes()).toBe(4);
    expect(cli.db.sqlite.prepare(`SELECT count(*) FROM customers`).pluck().get()).toBe(0);
    expect(fs.existsSync(to)).toBe(true);
  });
});

describe('archive batch queries', () => {
  let cli: TestCli;
  beforeEach(() => {
    cli = new TestCli();
    seed(cli.db, 50, 'stale');
    seed(cli.db, 50, 'archived');
    cli.db.sqlite.exec('ANALYZE');
  });
  afterEach(() => cli.close());

  const plan = (sql: string) => {
    const rows = cli.db.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({
      status: 'closed_lost',
      updatedBefore: '2025-01-01',
      at: '2026-01-01',
      after: 0,
      limit: 10,
      customersBefore: null,
      interactionsBefore: '2025-01-01',
    }) as Array<{ id: number; parent: number; detail: string }>;
    // The follow-up check's correlated subquery sorts one customer's interactions: that stays small.
    const correlated = new Set(rows.filter((row) => row.detail.startsWith('CORRELATED')).map((row) => row.id));
    return rows.filter((row) => !correlated.has(row.parent)).map((row) => row.detail);
  };

  // A batch that sorts (or scans the whole table) re-reads every due row once per batch:
  // that made a 100,000-customer run quadratic.
  it.each([
    ['customer archive', ARCHIVE_STALE_BATCH],
    ['archive --to, customers', MOVABLE_CUSTOMERS_BATCH],
    ['archive --to, interactions', MOVABLE_INTERACTIONS_BATCH],
  ])('%s reads on from a rowid cursor without sorting', (_job, sql) => {
    const details = plan(sql);
    expect(details.filter((detail) => detail.includes('TEMP B-TREE FOR ORDER BY'))).toEqual([]);
    expect(details.some((detail) => /rowid>\?/.test(detail))).toBe(true);
  });
});
