import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openDatabase, type CrmDatabase } from '../src/db/connection.js';
import { instantBefore, parseDuration } from '../src/domain/time.js';
import type { CustomerStatus } from '../src/domain/vocabulary.js';
import { ArchiveService } from '../src/services/archive.js';
import { Services } from '../src/services/index.js';
import { SqliteStore } from '../src/repositories/sqlite/store.js';
import { describeBackends, type BackendCli } from './backends.js';
import { FIXED_NOW, TestCli, tempDir } from './helpers.js';

const DAY = 86_400_000;
const NINETY_DAYS_AGO = new Date(FIXED_NOW.getTime() - 90 * DAY);

describe('durations', () => {
  it('parses days, weeks, calendar months and years', () => {
    expect(parseDuration('90d')).toEqual({ amount: 90, unit: 'd', text: '90d' });
    expect(parseDuration(' 12W ')).toEqual({ amount: 12, unit: 'w', text: '12W' });
    expect(instantBefore(FIXED_NOW, parseDuration('90d')).toISOString()).toBe('2026-08-27T10:00:00.000Z');
    expect(instantBefore(FIXED_NOW, parseDuration('12w')).toISOString()).toBe('2026-09-02T10:00:00.000Z');
    expect(instantBefore(FIXED_NOW, parseDuration('6m')).toISOString()).toBe('2026-05-25T10:00:00.000Z');
    expect(instantBefore(FIXED_NOW, parseDuration('2y')).toISOString()).toBe('2024-11-25T10:00:00.000Z');
    expect(instantBefore(new Date('2026-08-31T12:00:00Z'), parseDuration('6m')).toISOString()).toBe(
      '2026-02-28T12:00:00.000Z',
    );
  });

  it.each(['90', 'd', '0d', '-5d', '5h', '1.5d', 'ninety days', ''])('refuses "%s"', (text) => {
    expect(() => parseDuration(text)).toThrow(`invalid duration "${text}"`);
  });
});

describeBackends('customer archive / restore by ref', (_backend, fresh) => {
  let cli: BackendCli;
  let services: Services;
  beforeEach(async () => {
    cli = await fresh();
    services = new Services(cli.store, cli.clock);
    for (const name of ['Ada', 'Bob', 'Cy']) await services.customers.add({ name });
    cli.clock.advance(60_000);
  });
  afterEach(() => cli.close());

  it('archives several refs, prints them as JSON and says what changed', async () => {
    const result = await cli.run(['customer', 'archive', 'ada', 'BOB', '--json']);
    expect(result.code).toBe(0);
    const archived = JSON.parse(result.stdout);
    expect(archived.map((c: { name: string }) => c.name)).toEqual(['Ada', 'Bob']);
    expect(archived[0]).toMatchObject({ is_archived: true, updated_at: '2026-11-25T10:01:00.000Z' });
    expect(result.stderr).toBe('✓ archived 2 customers\n');
  });

  it('is idempotent and says which were already archived', async () => {
    await cli.run(['customer', 'archive', 'ada']);
    const before = await cli.snapshot();
    const again = await cli.run(['customer', 'archive', 'ada']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/^"Ada" \([0-9a-f]{8}\) was already archived; nothing changed\n$/);
    expect(await cli.snapshot()).toEqual(before);
  });

  it('restores', async () => {
    await cli.run(['customer', 'archive', 'ada', 'cy']);
    const result = await cli.run(['customer', 'restore', 'ada']);
    expect(result.stderr).toMatch(/^✓ restored "Ada" \([0-9a-f]{8}\)\n$/);
    expect((await services.customers.resolve('ada')).is_archived).toBe(false);
    expect((await services.customers.resolve('cy')).is_archived).toBe(true);
  });

  it('changes nothing when one ref is unknown', async () => {
    const before = await cli.snapshot();
    const result = await cli.run(['customer', 'archive', 'ada', 'nobody']);
    expect(result).toMatchObject({ code: 1, stderr: 'error: no customer matches "nobody" (by id, id prefix or name)\n' });
    expect(await cli.snapshot()).toEqual(before);
  });

  it('needs a ref or the cron options (exit 2)', async () => {
    const none = await cli.run(['customer', 'archive']);
    expect(none).toMatchObject({
      code: 2,
      stderr: 'error: missing customer ref (or --status S --older-than DURATION to archive stale customers)\n',
    });
    expect((await cli.run(['customer', 'restore'])).code).toBe(2);
  });

  it('refuses refs together with the cron options, and --dry-run with refs (exit 2)', async () => {
    const before = await cli.snapshot();
    const mixed = await cli.run(['customer', 'archive', 'ada', '--status', 'lead', '--older-than', '90d']);
    expect(mixed).toMatchObject({ code: 2, stderr: 'error: give customer refs or --status with --older-than, not both\n' });
    const dry = await cli.run(['customer', 'archive', 'ada', '--dry-run']);
    expect(dry).toMatchObject({ code: 2, stderr: 'error: --dry-run goes with --status and --older-than\n' });
    expect(await cli.snapshot()).toEqual(before);
  });
});

describeBackends('customer archive --status --older-than (the cron form)', (_backend, fresh) => {
  let cli: BackendCli;
  let services: Services;
  beforeEach(async () => {
    cli = await fresh();
    services = new Services(cli.store, cli.clock);
  });
  afterEach(() => cli.close());

  async function addAt(at: Date, name: string, status: CustomerStatus = 'closed_lost') {
    cli.clock.set(at);
    const customer = await services.customers.add({ name, status });
    cli.clock.set(FIXED_NOW);
    return customer;
  }

  it('archives customers of that status updated strictly more than the duration ago', async () => {
    const exactly = await addAt(NINETY_DAYS_AGO, 'Exactly 90 days');
    const older = await addAt(new Date(NINETY_DAYS_AGO.getTime() - 1), 'A millisecond older');
    await addAt(new Date(FIXED_NOW.getTime() - 10 * DAY), 'Recent');
    await addAt(new Date(FIXED_NOW.getTime() - 400 * DAY), 'Old lead', 'lead');
    const result = await cli.json(['customer', 'archive', '--status', 'closed_lost', '--older-than', '90d']);
    expect(result).toEqual({
      status: 'closed_lost',
      older_than: '90d',
      cutoff: '2026-08-27T10:00:00.000Z',
      dry_run: false,
      count: 1,
      ids: [older.id],
    });
    expect(await services.customers.resolve(older.id)).toMatchObject({ is_archived: true, updated_at: FIXED_NOW.toISOString() });
    expect((await services.customers.resolve(exactly.id)).is_archived).toBe(false);
    expect((await services.customers.resolve('Old lead')).is_archived).toBe(false);
  });

  it('prints the count on stderr, is idempotent and exits 0 with nothing to do', async () => {
    await addAt(new Date('2025-01-01T00:00:00Z'), 'Lost one');
    await addAt(new Date('2025-02-01T00:00:00Z'), 'Lost two');
    const first = await cli.run(['customer', 'archive', '--status', 'closed_lost', '--older-than', '6m']);
    expect(first).toMatchObject({ code: 0, stdout: '', stderr: '✓ archived 2 closed_lost customers not updated since 2026-05-25\n' });
    const before = await cli.snapshot();
    const second = await cli.run(['customer', 'archive', '--status', 'closed_lost', '--older-than', '6m']);
    expect(second).toMatchObject({
      code: 0,
      stdout: '',
      stderr: 'no closed_lost customers not updated since 2026-05-25; nothing to archive\n',
    });
    expect(second.prompter.asked).toEqual([]);
    expect(await cli.snapshot()).toEqual(before);
  });

  it('leaves an already archived customer untouched (its updated_at does not move)', async () => {
    const customer = await addAt(new Date('2025-01-01T00:00:00Z'), 'Lost');
    cli.clock.set('2025-03-01T00:00:00Z');
    await services.customers.setArchived([customer.id], true);
    cli.clock.set(FIXED_NOW);
    const result = await cli.json(['customer', 'archive', '--status', 'closed_lost', '--older-than', '90d']);
    expect(result.count).toBe(0);
    expect((await services.customers.resolve(customer.id)).updated_at).toBe('2025-03-01T00:00:00.000Z');
  });

  it('--dry-run lists what would be archived and changes nothing', async () => {
    const lost = await addAt(new Date('2025-01-01T00:00:00Z'), 'Lost');
    const before = await cli.snapshot();
    const result = await cli.run(['customer', 'archive', '--status', 'closed_lost', '--older-than', '90d', '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`id\tname\tstatus\towner\tupdated_at\n${lost.id}\tLost\tclosed_lost\t${lost.owner ?? ''}\t2025-01-01T00:00:00.000Z\n`);
    expect(result.stderr).toBe(
      'would archive 1 closed_lost customer not updated since 2026-08-27 (dry run: nothing changed)\n',
    );
    const json = await cli.json(['customer', 'archive', '--status', 'closed_lost', '--older-than', '90d', '--dry-run']);
    expect(json).toMatchObject({ dry_run: true, count: 1, ids: [lost.id] });
    expect(await cli.snapshot()).toEqual(before);
  });

  it('works through many customers in several short transactions', async () => {
    for (let i = 0; i < 7; i += 1) await addAt(new Date('2025-01-01T00:00:00Z'), `Lost ${i}`);
    const archive = new ArchiveService(cli.store, cli.clock, { batchSize: 3 });
    const result = await archive.archiveStale({ status: 'closed_lost', olderThan: '90d' });
    expect(result.count).toBe(7);
    expect(new Set(result.ids).size).toBe(7);
    expect((await services.customers.list({ archived: 'only' })).total).toBe(7);
  });

  it.each([
    [['--older-than', '90'], 'error: invalid duration "90": use a positive number and a unit, like 90d, 12w, 6m or 2y\n'],
    [['--older-than', '0d'], 'error: invalid duration "0d": use a positive number and a unit, like 90d, 12w, 6m or 2y\n'],
    [['--older-than', '3h'], 'error: invalid duration "3h": use a positive number and a unit, like 90d, 12w, 6m or 2y\n'],
  ])('refuses a bad duration %j with exit 2 and changes nothing', async (args, message) => {
    await addAt(new Date('2025-01-01T00:00:00Z'), 'Lost');
    const before = await cli.snapshot();
    const result = await cli.run(['customer', 'archive', '--status', 'closed_lost', ...args]);
    expect(result).toMatchObject({ code: 2, stdout: '', stderr: message });
    expect(await cli.snapshot()).toEqual(before);
  });

  it('needs both --status and --older-than, and a known status (exit 2)', async () => {
    expect(await cli.run(['customer', 'archive', '--status', 'closed_lost'])).toMatchObject({
      code: 2,
      stderr: 'error: --status needs --older-than (e.g. --older-than 90d)\n',
    });
    expect(await cli.run(['customer', 'archive', '--older-than', '90d'])).toMatchObject({
      code: 2,
      stderr: 'error: --older-than needs --status (the stage to archive from)\n',
    });
    const badStatus = await cli.run(['customer', 'archive', '--status', 'lost', '--older-than', '90d']);
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toContain("argument 'lost' is invalid");
  });

  it('archived customers drop out of pipeline and followups', async () => {
    const lost = await addAt(new Date('2025-01-01T00:00:00Z'), 'Lost');
    await services.interactions.log({ customer: lost.id, type: 'call', channel: 'phone', note: 'try again', followUp: 'today' });
    // Logging an interaction does not touch the customer, so it is still stale.
    expect((await cli.json(['pipeline'])).lost).toBe(1);
    expect(await cli.json(['followups'])).toHaveLength(1);
    await cli.run(['customer', 'archive', '--status', 'closed_lost', '--older-than', '90d']);
    expect((await cli.json(['pipeline'])).lost).toBe(0);
    expect(await cli.json(['followups'])).toEqual([]);
  });
});

// SQLITE_BUSY is a file's lock held by another process past the busy timeout: SQLite only. A
// server has no file lock; its conflicts are rows, covered by test/pg/concurrency.test.ts.
describe('customer archive when another process holds the SQLite file lock past the busy timeout', () => {
  let cli: TestCli;
  let services: Services;
  beforeEach(async () => {
    cli = new TestCli();
    services = new Services(cli.store, cli.clock);
    cli.clock.set('2025-01-01T00:00:00Z');
    await services.customers.add({ name: 'Lost', status: 'closed_lost' });
    cli.clock.set(FIXED_NOW);
  });
  afterEach(() => cli.close());

  function busyFor(attempts: number): SqliteStore {
    let left = attempts;
    const db: CrmDatabase = {
      ...cli.db,
      writeAsync: async (work, settings) => {
        if (left-- > 0) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
        return cli.db.writeAsync(work, settings);
      },
    };
    return new SqliteStore(db);
  }

  it('tries the batch again rather than give up', async () => {
    const result = await new ArchiveService(busyFor(3), cli.clock).archiveStale({ status: 'closed_lost', olderThan: '90d' });
    expect(result.count).toBe(1);
  });

  it('ends with a one-line conflict, never a raw SQLITE_BUSY, when the lock never comes', async () => {
    const archive = new ArchiveService(busyFor(Infinity), cli.clock);
    await expect(archive.archiveStale({ status: 'closed_lost', olderThan: '90d' })).rejects.toMatchObject({
      name: 'ConflictError',
      message: 'the database is busy (another crm process is writing); try again',
    });
    expect((await services.customers.resolve('Lost')).is_archived).toBe(false);
  });
});

/** The columns both engines have, booleans compared as booleans (the server adds team_id, and search columns). */
const COLUMNS: Record<string, string> = {
  customers:
    'id, name, email, phone, product_id, status, acquisition_source, owner, is_archived, created_at, updated_at, company_id, deal_value_minor, deal_currency, closed_at, note',
  customer_interactions: 'id, customer_id, type, channel, note, follow_up_date, created_at',
  products: 'id, name, description, is_active, created_at, updated_at',
};
type Row = Record<string, unknown>;

/** Rows in id order (by code point, whatever the server's collation), 0/1 flags as booleans: the same on either engine. */
function comparable(rows: Row[]): Row[] {
  return rows
    .map((row) => {
      const copy = { ...row };
      for (const flag of ['is_archived', 'is_active']) if (flag in copy) copy[flag] = copy[flag] === true || copy[flag] === 1;
      return copy;
    })
    .sort((a, b) => (String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0));
}

describeBackends('archive --to FILE', (backend, fresh) => {
  let dir: string;
  let archivePath: string;
  let cli: BackendCli;
  let services: Services;

  beforeEach(async () => {
    dir = tempDir('crm-archive-');
    archivePath = path.join(dir, 'archive.db');
    cli = await fresh({ file: true });
    services = new Services(cli.store, cli.clock);
  });
  afterEach(async () => {
    await cli.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function at<T>(when: Date | string, work: () => Promise<T>): Promise<T> {
    cli.clock.set(when);
    try {
      return await work();
    } finally {
      cli.clock.set(FIXED_NOW);
    }
  }

  async function log(customer: string, when: string, note: string, followUp?: string) {
    return (await at(when, () => services.interactions.log({ customer, type: 'call', channel: 'email', note, followUp }))).interaction;
  }

  /** One table of this CRM's own database, in the columns both engines share. */
  async function rows(table: string): Promise<Row[]> {
    return comparable(await cli.sql<Row>(`SELECT ${COLUMNS[table]} FROM ${table}`));
  }

  /** One table of the archive file (SQLite, whichever backend it came from). */
  function archived(table: string, columns = COLUMNS[table] ?? '*'): Row[] {
    const archive = new Database(archivePath, { readonly: true });
    try {
      return comparable(archive.prepare(`SELECT ${columns} FROM ${table}`).all() as Row[]);
    } finally {
      archive.close();
    }
  }

  /** Two archived customers (one long ago), one active one with an old history. */
  async function seed() {
    await at('2024-01-01T00:00:00Z', () => services.products.add({ name: 'Audit' }));
    const oldGone = await at('2024-01-01T00:00:00Z', () =>
      services.customers.add({ name: 'Old gone', status: 'closed_lost', product: 'Audit', email: 'old@example.com' }),
    );
    await log(oldGone.id, '2024-02-01T00:00:00Z', 'first contact');
    await log(oldGone.id, '2024-03-01T00:00:00Z', 'lost it');
    await at('2024-04-01T00:00:00Z', () => services.customers.setArchived([oldGone.id], true));
    const recentGone = await at('2026-10-01T00:00:00Z', () => services.customers.add({ name: 'Recently gone', status: 'closed_lost' }));
    await log(recentGone.id, '2026-10-02T00:00:00Z', 'no budget');
    await at('2026-11-01T00:00:00Z', () => services.customers.setArchived([recentGone.id], true));
    const active = await at('2023-01-01T00:00:00Z', () => services.customers.add({ name: 'Active', status: 'negotiation' }));
    await log(active.id, '2023-02-01T00:00:00Z', 'ancient note');
    await log(active.id, '2023-03-01T00:00:00Z', 'ancient note 2');
    await log(active.id, '2026-11-20T00:00:00Z', 'recent note');
    return { oldGone, recentGone, active };
  }

  it('moves archived customers older than the duration, with their interactions and product, verbatim', async () => {
    const { oldGone, recentGone } = await seed();
    const expectedCustomer = (await rows('customers')).find((row) => row.id === oldGone.id);
    const expectedInteractions = (await rows('customer_interactions')).filter((row) => row.customer_id === oldGone.id);
    expect(expectedInteractions).toHaveLength(2);
    const result = await cli.json(['archive', '--to', archivePath, '--older-than', '1y']);
    expect(result).toEqual({ to: archivePath, dry_run: false, customers: 1, customer_interactions: 2, interactions: 0 });

    expect((await services.customers.list({ archived: 'include' })).customers.map((c) => c.name).sort()).toEqual([
      'Active',
      'Recently gone',
    ]);
    expect((await rows('customer_interactions')).filter((row) => row.customer_id === oldGone.id)).toEqual([]);
    expect(archived('customers')).toEqual([expectedCustomer]);
    expect(archived('customer_interactions')).toEqual(expectedInteractions);
    // The product comes along for the foreign key, inactive: the archive offers nothing.
    expect(archived('products')).toMatchObject([{ name: 'Audit', is_active: false }]);
    expect((await services.products.resolve('Audit')).is_active).toBe(true);
    expect((await services.customers.resolve(recentGone.id)).is_archived).toBe(true);
  });

  it("moves a customer's external ids with it, and leaves those of customers that stay", async () => {
    const { oldGone, active } = await seed();
    const link = (source: string, externalId: string, customer: string, createdAt: string) =>
      cli.sql('INSERT INTO customer_external_ids (source, external_id, customer_id, created_at) VALUES ($1, $2, $3, $4)', [
        source,
        externalId,
        customer,
        createdAt,
      ]);
    await link('hubspot', '1', oldGone.id, '2024-01-02T00:00:00.000Z');
    await link('linkedin', 'https://www.linkedin.com/in/old', oldGone.id, '2024-01-03T00:00:00.000Z');
    await link('hubspot', '2', active.id, '2024-01-04T00:00:00.000Z');
    expect((await cli.run(['archive', '--to', archivePath, '--older-than', '1y', '--interactions-older-than', '1y'])).code).toBe(0);
    expect(await cli.sql('SELECT source, external_id, customer_id FROM customer_external_ids')).toEqual([
      { source: 'hubspot', external_id: '2', customer_id: active.id },
    ]);
    expect(archived('customer_external_ids', 'source, external_id, customer_id, created_at')).toEqual([
      { source: 'hubspot', external_id: '1', customer_id: oldGone.id, created_at: '2024-01-02T00:00:00.000Z' },
      { source: 'linkedin', external_id: 'https://www.linkedin.com/in/old', customer_id: oldGone.id, created_at: '2024-01-03T00:00:00.000Z' },
    ]);
  });

  it('leaves an archive file that the CLI reads with --db: customer list --archived shows the moved rows', async () => {
    const { oldGone } = await seed();
    await cli.json(['archive', '--to', archivePath, '--older-than', '1y']);
    const onArchive = new TestCli(archivePath);
    try {
      const listed = await onArchive.json(['customer', 'list', '--archived']);
      expect(listed.map((c: { id: string }) => c.id)).toEqual([oldGone.id]);
      const shown = await onArchive.json(['customer', 'show', oldGone.id.slice(0, 8)]);
      expect(shown.interactions.map((i: { note: string }) => i.note)).toEqual(['lost it', 'first contact']);
    } finally {
      onArchive.close();
    }
  });

  it('--older-than on the move is strict too: a customer archived exactly that long ago stays', async () => {
    const exactly = await at('2025-01-01T00:00:00Z', () => services.customers.add({ name: 'Exactly a year' }));
    const older = await at('2025-01-01T00:00:00Z', () => services.customers.add({ name: 'Older' }));
    await at('2025-11-25T10:00:00Z', () => services.customers.setArchived([exactly.id], true));
    await at('2025-11-25T09:59:59.999Z', () => services.customers.setArchived([older.id], true));
    const result = await cli.json(['archive', '--to', archivePath, '--older-than', '1y']);
    expect(result.customers).toBe(1);
    expect((await services.customers.list({ archived: 'only' })).customers.map((c) => c.name)).toEqual(['Exactly a year']);
  });

  it('creates the archive with the same schema, triggers and migrations as a crm file', async () => {
    await seed();
    await cli.run(['archive', '--to', archivePath]);
    const schemaOf = (db: CrmDatabase) =>
      db.sqlite.prepare(`SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name`).all();
    // On SQLite the main file itself; from a server, a file crm creates.
    const reference = openDatabase(backend === 'sqlite' ? path.join((await cli.sql<{ file: string }>(`SELECT file FROM pragma_database_list WHERE name = 'main'`))[0]!.file) : path.join(dir, 'reference.db'));
    const archive = openDatabase(archivePath);
    try {
      expect(schemaOf(archive)).toEqual(schemaOf(reference));
      expect(archive.sqlite.pragma('user_version', { simple: true })).toBe(reference.sqlite.pragma('user_version', { simple: true }));
      expect(archive.appliedMigrations).toEqual([]);
    } finally {
      archive.close();
      reference.close();
    }
  });

  it('without --older-than moves every archived customer; a second run moves nothing and changes nothing', async () => {
    await seed();
    const first = await cli.run(['archive', '--to', archivePath]);
    expect(first).toMatchObject({
      code: 0,
      stderr: `✓ moved 2 archived customers (with 3 interactions) to ${archivePath}\n`,
    });
    const mainBefore = await cli.snapshot();
    const archiveBefore = ['customers', 'customer_interactions', 'products'].map((t) => archived(t, '*'));
    const second = await cli.run(['archive', '--to', archivePath]);
    expect(second).toMatchObject({ code: 0, stderr: `nothing to move to ${archivePath}\n` });
    expect(await cli.snapshot()).toEqual(mainBefore);
    expect(['customers', 'customer_interactions', 'products'].map((t) => archived(t, '*'))).toEqual(archiveBefore);
  });

  it('--interactions-older-than moves old interactions alone, with a copy of their customer row', async () => {
    const { active } = await seed();
    const result = await cli.json(['archive', '--to', archivePath, '--older-than', '1y', '--interactions-older-than', '2y']);
    expect(result).toMatchObject({ customers: 1, customer_interactions: 2, interactions: 2 });
    expect((await services.interactions.list(active.id)).interactions.map((i) => i.note)).toEqual(['recent note']);
    const notes = archived('customer_interactions')
      .filter((row) => row.customer_id === active.id)
      .map((row) => row.note)
      .sort();
    expect(notes).toEqual(['ancient note', 'ancient note 2']);
    expect(archived('customers').find((row) => row.id === active.id)).toEqual((await rows('customers')).find((row) => row.id === active.id));
    expect((await services.customers.resolve(active.id)).is_archived).toBe(false);
  });

  it('keeps an old interaction that holds a pending follow-up, so followups do not change', async () => {
    const quiet = await at('2023-01-01T00:00:00Z', () => services.customers.add({ name: 'Quiet' }));
    await log(quiet.id, '2023-01-02T00:00:00Z', 'old, settled', '2023-02-01');
    await log(quiet.id, '2023-03-01T00:00:00Z', 'still owed a call', '2023-04-01');
    const followupsBefore = await cli.json(['followups']);
    expect(followupsBefore.map((f: { note: string }) => f.note)).toEqual(['still owed a call']);
    const result = await cli.json(['archive', '--to', archivePath, '--interactions-older-than', '1y']);
    expect(result.interactions).toBe(1);
    expect(await cli.json(['followups'])).toEqual(followupsBefore);
  });

  it('--dry-run counts and creates no file', async () => {
    await seed();
    const before = await cli.snapshot();
    const result = await cli.run(['archive', '--to', archivePath, '--interactions-older-than', '2y', '--dry-run']);
    expect(result).toMatchObject({
      code: 0,
      stdout: '',
      stderr: `would move 2 archived customers (with 3 interactions) and 2 older interactions to ${archivePath} (dry run: nothing changed)\n`,
    });
    expect(fs.existsSync(archivePath)).toBe(false);
    expect(await cli.snapshot()).toEqual(before);
  });

  it('moves in several batches', async () => {
    const archiveService = new ArchiveService(cli.store, cli.clock, { batchSize: 2 });
    for (let i = 0; i < 5; i += 1) {
      const customer = await services.customers.add({ name: `Gone ${i}` });
      await log(customer.id, '2026-01-01T00:00:00Z', `note ${i}`);
      await services.customers.setArchived([customer.id], true);
    }
    const result = await archiveService.moveToArchive({ to: archivePath });
    expect(result).toMatchObject({ customers: 5, customer_interactions: 5 });
    expect(archived('customers')).toHaveLength(5);
    expect(await rows('customers')).toEqual([]);
  });

  it('a failure between the archive commit and the delete leaves duplicates that the next run resolves, one batch at a time', async () => {
    await seed();
    const mainBefore = await cli.snapshot();
    const failing = new ArchiveService(cli.store, cli.clock, { batchSize: 1 });
    await expect(
      failing.moveToArchive({
        to: archivePath,
        onStep: (step) => {
          if (step === 'archive-commit') throw new Error('power cut');
        },
      }),
    ).rejects.toThrow('power cut');
    // The main database rolled back: nothing lost. The archive already holds the first batch.
    expect(await cli.snapshot()).toEqual(mainBefore);
    expect(archived('customers')).toHaveLength(1);

    const rerun = await cli.json(['archive', '--to', archivePath]);
    expect(rerun).toMatchObject({ customers: 2, customer_interactions: 3 });
    expect(archived('customers').map((row) => row.name).sort()).toEqual(['Old gone', 'Recently gone']);
    expect(archived('customer_interactions')).toHaveLength(3);
    expect((await services.customers.list({ archived: 'only' })).total).toBe(0);
  });

  it('updates an older copy of a customer already in the archive', async () => {
    const { active } = await seed();
    await cli.run(['archive', '--to', archivePath, '--interactions-older-than', '2y', '--older-than', '10y']);
    await at('2026-11-24T00:00:00Z', () => services.customers.edit(active.id, { email: 'new@example.com' }));
    await at('2026-11-24T01:00:00Z', () => services.customers.setArchived([active.id], true));
    await cli.run(['archive', '--to', archivePath]);
    expect(archived('customers').find((row) => row.id === active.id)).toMatchObject({
      email: 'new@example.com',
      is_archived: true,
      updated_at: '2026-11-24T01:00:00.000Z',
    });
    expect(archived('customer_interactions').filter((row) => row.customer_id === active.id)).toHaveLength(3);
  });

  it('keeps two products of one name apart in the archive, the later copy named with its short id', async () => {
    const { recentGone } = await seed();
    await cli.run(['archive', '--to', archivePath, '--older-than', '1y']);
    await services.products.delete('Audit');
    const successor = await services.products.add({ name: 'audit' });
    await at('2026-11-01T00:00:00Z', () => services.customers.edit(recentGone.id, { product: successor.id }));
    const result = await cli.json(['archive', '--to', archivePath]);
    expect(result.customers).toBe(1);
    expect(archived('products').map((row) => row.name).sort()).toEqual(['Audit', `audit (${successor.id.slice(0, 8)})`]);
    expect(archived('customers').find((row) => row.id === recentGone.id)).toMatchObject({ product_id: successor.id });
  });

  it('refuses a file that is not a database, and changes nothing', async () => {
    await seed();
    fs.writeFileSync(archivePath, 'these are my notes, not a database'.repeat(200));
    const before = await cli.snapshot();
    const result = await cli.run(['archive', '--to', archivePath]);
    expect(result).toMatchObject({
      code: 1,
      stderr: `error: ${archivePath} is not a crm database; choose a new file or an earlier archive\n`,
    });
    expect(await cli.snapshot()).toEqual(before);
  });

  it('refuses a folder as the archive with a one-line message', async () => {
    await seed();
    const before = await cli.snapshot();
    const result = await cli.run(['archive', '--to', dir]);
    expect(result).toMatchObject({ code: 1, stderr: `error: cannot open the archive ${dir}: unable to open database file\n` });
    expect(await cli.snapshot()).toEqual(before);
  });

  it('creates no folder and no file when there is nothing to move', async () => {
    const target = path.join(dir, 'not', 'yet', 'archive.db');
    const result = await cli.run(['archive', '--to', target]);
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: `nothing to move to ${target}\n` });
    expect(fs.existsSync(path.join(dir, 'not'))).toBe(false);
  });

  it('says in one line why the archive file cannot be created, and changes nothing', async () => {
    await seed();
    const notes = path.join(dir, 'notes.txt');
    fs.writeFileSync(notes, 'not a folder');
    const before = await cli.snapshot();
    const cases: Array<[string, string]> = [
      ['/proc/crm-archive.db', 'error: cannot create archive file /proc/crm-archive.db: no such file or directory\n'],
      ['/proc/nope/a.db', 'error: cannot create archive file /proc/nope/a.db: folder /proc/nope: no such file or directory\n'],
      [path.join(notes, 'a.db'), `error: cannot create archive file ${path.join(notes, 'a.db')}: folder ${notes}: a file has that name\n`],
    ];
    for (const [target, stderr] of cases) {
      expect(await cli.run(['archive', '--to', target])).toMatchObject({ code: 1, stdout: '', stderr });
    }
    expect(await cli.snapshot()).toEqual(before);
  });

  it('needs --to, and refuses bad durations with exit 2', async () => {
    const missing = await cli.run(['archive']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--to <file|url>' not specified");
    const bad = await cli.run(['archive', '--to', archivePath, '--interactions-older-than', '2 years']);
    expect(bad).toMatchObject({
      code: 2,
      stderr: 'error: invalid duration "2 years": use a positive number and a unit, like 90d, 12w, 6m or 2y\n',
    });
    expect(fs.existsSync(archivePath)).toBe(false);
  });
});

// A file can only be its own archive on SQLite; a server refusing itself is in archive-backends.test.ts.
describe('archive --to the main file itself (SQLite: a file path)', () => {
  it('is refused (exit 2) and nothing changes', async () => {
    const dir = tempDir('crm-archive-');
    const mainPath = path.join(dir, 'crm.db');
    const cli = new TestCli(mainPath);
    try {
      const services = new Services(cli.store, cli.clock);
      const customer = await services.customers.add({ name: 'Gone' });
      await services.customers.setArchived([customer.id], true);
      const before = cli.snapshot();
      const result = await cli.run(['archive', '--to', mainPath]);
      expect(result).toMatchObject({
        code: 2,
        stderr: `error: refusing to write the archive to ${mainPath}: it is the database ${mainPath}; nothing was written\n`,
      });
      expect(cli.snapshot()).toEqual(before);
    } finally {
      cli.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
