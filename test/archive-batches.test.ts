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
import type { Store, WriteOptions } from '../src/repositories/ports.js';
import { describeBackends, type BackendCli } from './backends.js';
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

/** A view of the store that counts the write transactions the service opens on it. */
function countingStore(store: Store): { store: Store; writes: () => number } {
  let writes = 0;
  const counted = new Proxy(store, {
    get(target, property) {
      if (property === 'write') {
        return (work: () => Promise<unknown>, options?: WriteOptions) => {
          writes += 1;
          return target.write(work, options);
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: counted, writes: () => writes };
}

/** `count` customers written in one statement, as `seed` does, on either backend's SQL. */
async function seedAny(cli: BackendCli, count: number, kind: 'stale' | 'archived'): Promise<void> {
  const archived = kind === 'archived';
  if (cli.backend === 'postgres') {
    // Ids are random: every test's team shares the server's one database.
    await cli.sql(
      `INSERT INTO customers (id, name, status, is_archived, created_at, updated_at)
       SELECT gen_random_uuid()::text, 'Customer ' || i, 'closed_lost', $1, '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z'
         FROM generate_series(1, $2::int) AS i`,
      [archived, count],
    );
    await cli.sql(`INSERT INTO customer_interactions (id, customer_id, type, channel, note, created_at)
      SELECT c.id || '-' || k, c.id, 'call', 'phone', 'note', '2024-01-01T00:00:00.000Z' FROM customers AS c, generate_series(1, 2) AS k`);
    return;
  }
  await cli.sql(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
    INSERT INTO customers (id, name, status, is_archived, created_at, updated_at)
    SELECT printf('%08x-0000-4000-8000-%012x', (i * 2654435761) % 4294967296, i), 'Customer ' || i, 'closed_lost',
      $2, '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z' FROM n`, [count, archived ? 1 : 0]);
  await cli.sql(`INSERT INTO customer_interactions (id, customer_id, type, channel, note, created_at)
    SELECT c.id || '-' || k.value, c.id, 'call', 'phone', 'note', '2024-01-01T00:00:00.000Z'
    FROM customers AS c, json_each('[1, 2]') AS k`);
}

async function countOf(cli: BackendCli, sql: string): Promise<number> {
  return Number(Object.values((await cli.sql(sql))[0]!)[0]);
}

describeBackends('archive jobs batch by time', (_backend, fresh) => {
  let cli: BackendCli;
  beforeEach(async () => {
    cli = await fresh();
  });
  afterEach(() => cli.close());

  it('customer archive grows batches that finish well within the time target', async () => {
    await seedAny(cli, 1000, 'stale');
    const auditBefore = await countOf(cli, `SELECT count(*) FROM audit_log`);
    const { store, writes } = countingStore(cli.store);
    // A target nothing reaches: each batch doubles (200, 400, 800) instead of staying at 200.
    const result = await new ArchiveService(store, cli.clock, { batchMs: 60_000 }).archiveStale({
      status: 'closed_lost',
      olderThan: '90d',
    });
    expect(result.count).toBe(1000);
    expect(new Set(result.ids).size).toBe(1000);
    expect(writes()).toBe(3);
    // One audit entry per archived customer, as the same UPDATE in the sqlite3 shell or psql writes.
    expect(await countOf(cli, `SELECT count(*) FROM audit_log WHERE table_name = 'customers' AND action = 'update'`)).toBe(1000);
    expect(await countOf(cli, `SELECT count(*) FROM audit_log`)).toBe(auditBefore + 1000);
  });

  it('customer archive shrinks batches that take longer than the target', async () => {
    await seedAny(cli, 300, 'stale');
    const { store, writes } = countingStore(cli.store);
    const result = await new ArchiveService(store, cli.clock, { batchMs: 0.001 }).archiveStale({
      status: 'closed_lost',
      olderThan: '90d',
    });
    expect(result.count).toBe(300);
    // 200 rows, then the smallest batch (50) twice, and the empty one that shows the end.
    expect(writes()).toBe(4);
  });

  it('archive --to sizes its batches by time too, and moves every row once', async () => {
    await seedAny(cli, 1000, 'archived');
    const to = path.join(tempDir(), 'archive.db');
    const { store, writes } = countingStore(cli.store);
    const result = await new ArchiveService(store, cli.clock, { batchMs: 60_000 }).moveToArchive({ to });
    expect(result).toMatchObject({ customers: 1000, customer_interactions: 2000 });
    // 200, 400, then the last 400 in a batch of 800, and the empty read that ends the move.
    expect(writes()).toBe(4);
    expect(await countOf(cli, `SELECT count(*) FROM customers`)).toBe(0);
    expect(fs.existsSync(to)).toBe(true);
  });
});

// A member cannot drop an index on a server (only the schema's owner can); on a file anyone can.
describe('archive jobs on a SQLite file that lost an index', () => {
  let cli: TestCli;
  beforeEach(() => {
    cli = new TestCli();
  });
  afterEach(() => cli.close());

  it('customer archive still works on a file that lost the status index (db check reports it)', async () => {
    seed(cli.db, 10, 'stale');
    cli.db.sqlite.exec('DROP INDEX customers_status_idx');
    const result = await new ArchiveService(cli.store, cli.clock).archiveStale({ status: 'closed_lost', olderThan: '90d' });
    expect(result.count).toBe(10);
  });
});

// The plans SQLite's planner makes for the SQLite statements themselves.
describe('archive batch queries (SQLite query plans)', () => {
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
