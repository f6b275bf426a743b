import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuleViolationError } from '../../src/domain/errors.js';
import type { FollowUpFilter, FollowUpRow } from '../../src/repositories/ports.js';
import { streamRows } from '../../src/repositories/pg/cursor.js';
import { pendingFollowUpsQuery } from '../../src/repositories/pg/reports.js';
import { PgStore } from '../../src/repositories/pg/store.js';
import { createTeams, SERVER_START_TIMEOUT_MS, type Teams } from './helpers.js';

/**
 * The PostgreSQL adapters of the audit log and the reports, against a real server with two
 * teams: values as SQLite's, reads through row-level security, follow-ups through a cursor.
 * The commands on top are tested on both backends in test/history, reports and watch.
 */
let teams: Teams;
let ann: PgStore;
let bob: PgStore;
let dan: PgStore;

beforeAll(async () => {
  teams = await createTeams();
  ann = await PgStore.open(teams.db.socketUrl(teams.names.ann));
  bob = await PgStore.open(teams.db.socketUrl(teams.names.bob));
  dan = await PgStore.open(teams.db.socketUrl(teams.names.dan));
}, SERVER_START_TIMEOUT_MS);
afterAll(async () => {
  await Promise.all([ann, bob, dan].map((store) => store?.close()));
  await teams?.db.close();
});

async function addCustomer(client: pg.Client, name: string, owner: string, fields: Record<string, unknown> = {}): Promise<string> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO crm.customers (id, name, owner, status, is_archived) VALUES (coalesce($1, gen_random_uuid()::text), $2, $3, $4, $5) RETURNING id`,
    [fields.id ?? null, name, owner, fields.status ?? 'lead', fields.is_archived ?? false],
  );
  return rows[0]!.id;
}

async function logInteraction(
  client: pg.Client,
  customerId: string,
  note: string,
  fields: { followUp?: string; at?: string; id?: string } = {},
): Promise<string> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO crm.customer_interactions (id, customer_id, type, channel, note, follow_up_date, created_at)
     VALUES (coalesce($1, gen_random_uuid()::text), $2, 'call', 'phone', $3, $4, coalesce($5::timestamptz, now())) RETURNING id`,
    [fields.id ?? null, customerId, note, fields.followUp ?? null, fields.at ?? null],
  );
  return rows[0]!.id;
}

async function collect(rows: AsyncIterable<FollowUpRow>): Promise<FollowUpRow[]> {
  const all: FollowUpRow[] = [];
  for await (const row of rows) all.push(row);
  return all;
}

describe('the audit log', () => {
  it('comes back as SQLite entries: numbers, ISO instants, parsed values, the member as actor; another team sees none', async () => {
    const id = await addCustomer(teams.bob, 'Zoë Audit', teams.names.bob);
    await teams.bob.query(`UPDATE crm.customers SET status = 'qualified' WHERE id = $1`, [id]);
    const interaction = await logInteraction(teams.cat, id, 'first call', { followUp: '2026-12-01' });

    const entries = await ann.repositories.audit.forCustomers([id]);
    expect(entries.map((entry) => `${entry.table_name}:${entry.action}:${entry.actor}`)).toEqual([
      `customers:insert:${teams.names.bob}`,
      `customers:update:${teams.names.bob}`,
      `customer_interactions:insert:${teams.names.cat}`,
    ]);
    const [insert, update, logged] = entries;
    expect(typeof insert!.id).toBe('number');
    expect(insert!.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(insert).toMatchObject({ record_id: id, old_values: null });
    expect(Object.keys(insert!.new_values!)).toEqual([
      'id', 'name', 'email', 'phone', 'product_id', 'status', 'acquisition_source', 'owner', 'is_archived', 'created_at', 'updated_at',
      'company_id', 'deal_value_minor', 'deal_currency', 'closed_at', 'note',
    ]);
    expect(update).toMatchObject({ old_values: { status: 'lead', is_archived: false }, new_values: { status: 'qualified' } });
    expect(logged).toMatchObject({
      record_id: interaction,
      new_values: { customer_id: id, note: 'first call', follow_up_date: '2026-12-01' },
    });
    expect(await dan.repositories.audit.forCustomers([id])).toEqual([]);
    expect(await dan.repositories.audit.auditedCustomer(id)).toBeUndefined();
  });

  it('finds a deleted customer by id, by id prefix in any ASCII case, and by any former name folded, with its latest name', async () => {
    const id = await addCustomer(teams.ann, 'Ærøskøbing Straße', teams.names.bob, { id: 'deleted-customer-1' });
    await teams.ann.query(`UPDATE crm.customers SET name = 'Renamed Later' WHERE id = $1`, [id]);
    await teams.ann.query(`DELETE FROM crm.customers WHERE id = $1`, [id]);
    const latest = { id, name: 'Renamed Later' };
    expect(await bob.repositories.audit.auditedCustomer(id)).toEqual(latest);
    expect(await bob.repositories.audit.auditedCustomersByIdPrefix('DELETED-CUST', 5)).toEqual([latest]);
    expect(await bob.repositories.audit.auditedCustomersByIdPrefix('deleted_customer', 5)).toEqual([]);
    expect(await bob.repositories.audit.auditedCustomersByName('ærøskøbing strasse')).toEqual([latest]);
    expect(await bob.repositories.audit.auditedCustomersByName('RENAMED LATER')).toEqual([latest]);
    expect(await dan.repositories.audit.auditedCustomersByName('renamed later')).toEqual([]);
  });

  it('reads entries between two ids, of one table, and counts those before an instant', async () => {
    const start = await ann.repositories.audit.latestId();
    const customer = await addCustomer(teams.bob, 'Between', teams.names.bob);
    await logInteraction(teams.bob, customer, 'between');
    const end = await ann.repositories.audit.latestId();
    expect(end).toBeGreaterThan(start);
    expect((await ann.repositories.audit.between(start, end, undefined, 100)).map((entry) => entry.table_name)).toEqual([
      'customers',
      'customer_interactions',
    ]);
    expect((await ann.repositories.audit.between(start, end, 'customer_interactions', 100)).map((entry) => entry.record_id)).toHaveLength(1);
    expect(await ann.repositories.audit.between(start, end, undefined, 1)).toHaveLength(1);
    expect(await dan.repositories.audit.between(start, end, undefined, 100)).toEqual([]);
    const [{ n }] = (await teams.ann.query(`SELECT count(*)::integer AS n FROM crm.audit_log`)).rows;
    expect(await ann.repositories.audit.countBefore('2999-01-01T00:00:00.000Z')).toBe(n);
    expect(await ann.repositories.audit.countBefore('2000-01-01T00:00:00.000Z')).toBe(0);
  });

  it('is settled only up to where no open transaction can still commit an entry', async () => {
    const before = await ann.repositories.audit.latestId();
    const slow = await teams.db.connect(teams.names.bob);
    await slow.query('BEGIN');
    const early = await addCustomer(slow, 'Slow import', teams.names.bob);
    const quick = await addCustomer(teams.cat, 'Quick edit', teams.names.cat);
    // The quick entry is visible, but the slow one, with a smaller id, may still come.
    expect(await ann.repositories.audit.latestId()).toBe(before);
    expect(ann.repositories.audit.heldBack).toBe(true);
    await slow.query('COMMIT');
    await slow.end();
    const settled = await ann.repositories.audit.latestId();
    expect(ann.repositories.audit.heldBack).toBe(false);
    expect((await ann.repositories.audit.between(before, settled, undefined, 100)).map((entry) => entry.record_id)).toEqual([early, quick]);
  });
});

describe('pipeline', () => {
  it('counts the team’s customers not archived per status, by product and by owner in any case and script', async () => {
    const product = (await teams.dan.query<{ id: string }>(`INSERT INTO crm.products (name) VALUES ('Globex audit') RETURNING id`)).rows[0]!.id;
    const add = (name: string, status: string, owner: string, extra: Record<string, unknown> = {}) =>
      teams.dan.query(`INSERT INTO crm.customers (name, status, owner, product_id, is_archived) VALUES ($1, $2, $3, $4, $5)`, [
        name, status, owner, extra.product ?? null, extra.archived ?? false,
      ]);
    await add('A', 'lead', 'Ølga', { product });
    await add('B', 'lead', 'øLGA');
    await add('C', 'closed_won', 'bob', { product });
    await add('D', 'closed_won', 'ØLGA', { product, archived: true });
    const counts = (map: Map<string, number>) => Object.fromEntries(map);
    expect(counts(await dan.repositories.reports.countByStatus({}))).toEqual({ lead: 2, closed_won: 1 });
    expect(counts(await dan.repositories.reports.countByStatus({ productId: product }))).toEqual({ lead: 1, closed_won: 1 });
    expect(counts(await dan.repositories.reports.countByStatus({ owner: 'ØLGA' }))).toEqual({ lead: 2 });
    expect(counts(await dan.repositories.reports.countByStatus({ owner: 'ØLGA', productId: product }))).toEqual({ lead: 1 });
    expect(counts(await dan.repositories.reports.countByStatus({ owner: 'nobody' }))).toEqual({});
    expect(counts(await bob.repositories.reports.countByStatus({ productId: product }))).toEqual({});
  });
});

describe('pending follow-ups', () => {
  let globex: { [name: string]: string };
  beforeAll(async () => {
    // A team of its own: Globex (dan) holds only these customers' interactions.
    const add = (name: string, owner: string, archived = false) => addCustomer(teams.dan, name, owner, { is_archived: archived });
    globex = {
      ada: await add('Ada', 'Ølga'),
      zed: await add('zed', 'dan'),
      zoe: await add('Zoë', 'dan'),
      emile: await add('Émile', 'dan'),
      settled: await add('Settled', 'dan'),
      tie: await add('Tie', 'dan'),
      archived: await add('Archived', 'dan', true),
    };
    await logInteraction(teams.dan, globex.ada!, 'all day', { followUp: '2026-11-20', at: '2026-11-10T10:00:00Z' });
    await logInteraction(teams.dan, globex.zed!, 'instant', { followUp: '2026-11-25T15:00:00.000Z', at: '2026-11-10T10:00:00Z' });
    await logInteraction(teams.dan, globex.zoe!, 'Zoë’s day', { followUp: '2026-11-28', at: '2026-11-10T10:00:00Z' });
    await logInteraction(teams.dan, globex.emile!, 'Émile’s day', { followUp: '2026-11-28', at: '2026-11-10T10:00:00Z' });
    await logInteraction(teams.dan, globex.settled!, 'asked', { followUp: '2026-11-21', at: '2026-11-10T10:00:00Z' });
    await logInteraction(teams.dan, globex.settled!, 'done', { at: '2026-11-11T10:00:00Z' });
    // Same instant: the greater id in byte order is the latest ('b' > 'B').
    await logInteraction(teams.dan, globex.tie!, 'tie loser', { followUp: '2026-11-22', at: '2026-11-12T10:00:00Z', id: 'tie-B' });
    await logInteraction(teams.dan, globex.tie!, 'tie winner', { followUp: '2026-12-05', at: '2026-11-12T10:00:00Z', id: 'tie-b' });
    await logInteraction(teams.dan, globex.archived!, 'archived', { followUp: '2026-11-20', at: '2026-11-10T10:00:00Z' });
  });

  const notes = async (filter: FollowUpFilter, store = dan) => (await collect(store.repositories.reports.pendingFollowUps(filter))).map((row) => row.note);

  it('are the latest interaction’s, of customers not archived, in stored-text order, then name and id in byte order', async () => {
    const rows = await collect(dan.repositories.reports.pendingFollowUps({}));
    expect(rows.map((row) => row.note)).toEqual(['all day', 'instant', 'Zoë’s day', 'Émile’s day', 'tie winner']);
    expect(rows[0]).toEqual({
      interaction_id: expect.any(String),
      customer_id: globex.ada,
      customer_name: 'Ada',
      email: null,
      phone: null,
      owner: 'Ølga',
      status: 'lead',
      type: 'call',
      channel: 'phone',
      note: 'all day',
      follow_up_date: '2026-11-20',
      created_at: '2026-11-10T10:00:00.000Z',
    });
    expect(await notes({}, bob)).not.toContain('all day');
  });

  it('compare days with the last day and instants with the bound, and filter owners ignoring case', async () => {
    expect(await notes({ due: { before: '2026-11-25T15:00:00.000Z', lastDay: '2026-11-25' } })).toEqual(['all day']);
    expect(await notes({ due: { before: '2026-11-25T15:00:00.001Z', lastDay: '2026-11-27' } })).toEqual(['all day', 'instant']);
    expect(await notes({ due: { before: '2026-11-26T00:00:00.000Z', lastDay: '2026-11-28' } })).toEqual([
      'all day',
      'instant',
      'Zoë’s day',
      'Émile’s day',
    ]);
    expect(await notes({ owner: 'øLGA' })).toEqual(['all day']);
    expect(await notes({ owner: 'nobody' })).toEqual([]);
  });

  it('stream through a cursor: many batches, an early stop, and inside a read of the store', async () => {
    const many = await addCustomer(teams.dan, 'Many', 'dan');
    await teams.dan.query(
      `INSERT INTO crm.customers (name, owner) SELECT 'Bulk ' || n, 'bulk' FROM generate_series(1, 1200) AS n`,
    );
    await teams.dan.query(
      `INSERT INTO crm.customer_interactions (customer_id, type, channel, note, follow_up_date, created_at)
       SELECT id, 'call', 'phone', name, '2027-01-01', '2026-11-10T10:00:00Z' FROM crm.customers WHERE owner = 'bulk'`,
    );
    expect(await notes({ owner: 'bulk' })).toHaveLength(1200);
    let read = 0;
    for await (const _row of dan.repositories.reports.pendingFollowUps({ owner: 'bulk' })) {
      read += 1;
      if (read === 3) break;
    }
    // The cursor and its transaction are gone: the connection takes other statements.
    expect(await dan.repositories.reports.countByStatus({ owner: 'bulk' })).toEqual(new Map([['lead', 1200]]));
    const inRead = await dan.read(async () => (await collect(dan.repositories.reports.pendingFollowUps({ owner: 'bulk' }))).length);
    expect(inRead).toBe(1200);
    expect(many).toBeTruthy();
  });

  it('a failing query ends the cursor’s transaction, and the store goes on', async () => {
    const rows = streamRows(dan.session, `SELECT 1 / (n - 3) AS x FROM generate_series(1, 5) AS n`, [], 1);
    await expect(collect(rows as AsyncIterable<never>)).rejects.toThrow(/division by zero/);
    expect(dan.session.inTransaction()).toBe(false);
    expect(await dan.session.query(`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
  });
});

describe('prune-audit', () => {
  it('refuses a member who is no manager in one line, and lets a manager prune the team’s entries only', async () => {
    const error = await bob.maintenance.pruneAudit('2999-01-01T00:00:00.000Z').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RuleViolationError);
    expect((error as Error).message).toBe('the server refused: only a manager can prune the audit log');
    const globexBefore = await dan.repositories.audit.countBefore('2999-01-01T00:00:00.000Z');
    const acme = await ann.repositories.audit.countBefore('2999-01-01T00:00:00.000Z');
    expect(await ann.maintenance.pruneAudit('2999-01-01T00:00:00.000Z')).toBe(acme);
    expect(await dan.repositories.audit.countBefore('2999-01-01T00:00:00.000Z')).toBe(globexBefore);
    const [prune] = await ann.repositories.audit.between(0, await ann.repositories.audit.latestId(), 'audit_log', 10);
    expect(prune).toMatchObject({
      table_name: 'audit_log',
      record_id: null,
      action: 'prune',
      actor: teams.names.ann,
      new_values: { before: '2999-01-01T00:00:00.000Z', deleted: acme },
    });
  });
});

describe('query plans', () => {
  // With sequential scans off, the planner shows which indexes it can use on small tables.
  it('history seeks the log by customer, through the function that keeps it a seek under row-level security', async () => {
    // Enough entries of one team that a seek by customer beats reading the team's entries.
    await teams.ann.query(`INSERT INTO crm.customers (name) SELECT 'Planned ' || n FROM generate_series(1, 1000) AS n`);
    const superuser = await teams.db.connect(teams.db.server.superuser);
    await superuser.query('ANALYZE crm.audit_log');
    const notices: string[] = [];
    superuser.on('notice', (notice) => notices.push(notice.message ?? ''));
    await superuser.query(`LOAD 'auto_explain'`);
    await superuser.query(
      `SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on;
       SET auto_explain.log_level = notice; SET enable_seqscan = off`,
    );
    // As a member (the plan depends on the team crm_team() names), with the plugin loaded.
    await superuser.query(`SET SESSION AUTHORIZATION ${teams.names.ann}`);
    await superuser.query(`SELECT * FROM crm.crm_audit_of_customers(ARRAY['some-customer'])`);
    await superuser.end();
    expect(notices.join('\n')).toMatch(/(Index Scan using|Bitmap Index Scan on) audit_log_customer_idx/);
  });

  it('follow-ups read the pending ones from customer_activity up to the window’s end, as a member', async () => {
    await dan.session.query('SET enable_seqscan = off');
    try {
      const { text, values } = pendingFollowUpsQuery({ before: '2026-12-01T00:00:00.000Z', lastDay: '2026-11-30' }, ['dan']);
      const plan = (await dan.session.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values)).map((row) => row['QUERY PLAN']);
      const shown = plan.join('\n');
      expect(shown).toMatch(/(Index (Only )?Scan.* using|Bitmap Index Scan on) customer_activity_pending_idx[^\n]*\n\s*Index Cond: \(\(team_id = \$\d+\) AND \(follow_up_date < /);
      expect(shown).toMatch(/Index Scan using customer_interactions_pkey on customer_interactions i[^\n]*\n\s*Index Cond: \(id = a\.last_interaction_id\)/);
    } finally {
      await dan.session.query('RESET enable_seqscan');
    }
  });
});
