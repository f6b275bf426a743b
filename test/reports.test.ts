import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CustomerStatus } from '../src/domain/vocabulary.js';
import { Services } from '../src/services/index.js';
import { describeBackends, type BackendCli } from './backends.js';
import { FIXED_NOW } from './helpers.js';

describeBackends('reports', (_backend, fresh) => {
let cli: BackendCli;
let services: Services;
beforeEach(async () => {
  cli = await fresh();
  services = new Services(cli.store, cli.clock);
});
afterEach(() => cli.close());

const DAY = 86_400_000;

function addCustomer(name: string, fields: { status?: CustomerStatus; owner?: string; product?: string; email?: string; phone?: string } = {}) {
  return services.customers.add({ name, ...fields });
}

/** Logs an interaction `daysAgo` before the fixed now, then puts the clock back. */
async function logAt(daysAgo: number, customer: string, note: string, followUp?: string) {
  cli.clock.set(new Date(FIXED_NOW.getTime() - daysAgo * DAY));
  const result = await services.interactions.log({ customer, type: 'call', channel: 'phone', note, followUp });
  cli.clock.set(FIXED_NOW);
  return result.interaction;
}

describe('followups', () => {
  // Fixed now: Wednesday 2026-11-25 10:00 UTC (TZ=UTC in the test config).
  beforeEach(async () => {
    await addCustomer('Ada', { owner: 'alice', phone: '+44 20 1234', email: 'ada@example.com' });
    await addCustomer('Bob', { owner: 'bob', email: 'bob@example.com' });
    await addCustomer('Cy', { owner: 'Alice' });
    await addCustomer('Dee');
    await addCustomer('Eve');
    await addCustomer('Fay');
    await addCustomer('Gus');
    await logAt(10, 'Ada', 'Send the quote', '2026-11-20');
    await logAt(0, 'Bob', 'Call back about the audit', 'today');
    await logAt(0, 'Cy', 'Check the contract\nsigned by legal?', '+3d');
    await logAt(0, 'Dee', 'Quarterly review', '+2w');
    // Settled: a newer interaction was logged after the one that set the follow-up.
    await logAt(5, 'Eve', 'Ping in a day', 'tomorrow');
    await logAt(2, 'Eve', 'Spoke, all done');
    // Only the latest interaction's follow-up counts.
    await logAt(6, 'Fay', 'First ask', '2026-11-21');
    await logAt(3, 'Fay', 'Rescheduled', '2026-12-01');
    // Archived customers are left out of reports.
    await logAt(0, 'Gus', 'Archived, do not show', 'today');
    await services.customers.setArchived(['Gus'], true);
  });

  const names = (rows: Array<{ customer_name: string }>) => rows.map((row) => row.customer_name);

  it('lists every pending follow-up, soonest first, with contact details and the note', async () => {
    const rows = await cli.json(['followups']);
    expect(names(rows)).toEqual(['Ada', 'Bob', 'Cy', 'Fay', 'Dee']);
    expect(rows[0]).toMatchObject({
      customer_name: 'Ada',
      phone: '+44 20 1234',
      email: 'ada@example.com',
      note: 'Send the quote',
      follow_up_date: '2026-11-20',
      overdue: true,
      owner: 'alice',
      status: 'lead',
      channel: 'phone',
      type: 'call',
    });
    expect(rows[1]).toMatchObject({ customer_name: 'Bob', follow_up_date: '2026-11-25', overdue: false });
    expect(rows[3]).toMatchObject({ customer_name: 'Fay', note: 'Rescheduled' });
  });

  it('--overdue keeps those due before today', async () => {
    expect(names(await cli.json(['followups', '--overdue']))).toEqual(['Ada']);
  });

  it('--today includes overdue ones and those due today, not tomorrow', async () => {
    expect(names(await cli.json(['followups', '--today']))).toEqual(['Ada', 'Bob']);
  });

  it('--week covers today and the next 6 days', async () => {
    expect(names(await cli.json(['followups', '--week']))).toEqual(['Ada', 'Bob', 'Cy', 'Fay']);
    cli.clock.set('2026-11-24T10:00:00.000Z');
    // A day earlier, 1 December is the eighth day and falls outside the week.
    expect(names(await cli.json(['followups', '--week']))).toEqual(['Ada', 'Bob', 'Cy']);
  });

  it('--until DATE includes the whole of that day', async () => {
    expect(names(await cli.json(['followups', '--until', '2026-11-28']))).toEqual(['Ada', 'Bob', 'Cy']);
    expect(names(await cli.json(['followups', '--until', '2026-11-27']))).toEqual(['Ada', 'Bob']);
    expect(names(await cli.json(['followups', '--until', '+3d']))).toEqual(['Ada', 'Bob', 'Cy']);
    expect(names(await cli.json(['followups', '--until', '2026-11-28T00:00:00Z']))).toEqual(['Ada', 'Bob', 'Cy']);
  });

  it('--owner filters case-insensitively', async () => {
    expect(names(await cli.json(['followups', '--owner', 'ALICE']))).toEqual(['Ada', 'Cy']);
  });

  it('a follow-up stops being pending once a newer interaction is logged', async () => {
    await logAt(0, 'Ada', 'Quote sent');
    expect(names(await cli.json(['followups', '--overdue']))).toEqual([]);
  });

  it('a restored customer shows up again', async () => {
    await services.customers.setArchived(['Gus'], false);
    expect(names(await cli.json(['followups', '--today']))).toEqual(['Ada', 'Bob', 'Gus']);
  });

  it('prints TSV with full values when piped', async () => {
    const { stdout, code } = await cli.run(['followups', '--today']);
    expect(code).toBe(0);
    expect(stdout.split('\n')).toEqual([
      'follow_up_date\tcustomer_name\tphone\temail\tnote',
      '2026-11-20\tAda\t+44 20 1234\tada@example.com\tSend the quote',
      '2026-11-25\tBob\t\tbob@example.com\tCall back about the audit',
      '',
    ]);
  });

  it('draws a table on a terminal with local days, overdue marked and a count on stderr', async () => {
    const { stdout, stderr } = await cli.run(['followups', '--week'], { tty: true, columns: 160, env: { NO_COLOR: '1' } });
    expect(stdout).toContain('2026-11-20 overdue');
    expect(stdout).toContain('│ 2026-11-28 ');
    expect(stdout).toContain('Check the contract…');
    expect(stdout).not.toContain('signed by legal');
    expect(stderr).toBe('4 follow-ups, 1 overdue\n');
  });

  it('says so on a terminal when nothing is pending', async () => {
    const result = await cli.run(['followups', '--owner', 'nobody'], { tty: true });
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: 'no pending follow-ups\n' });
    expect(await cli.json(['followups', '--owner', 'nobody'])).toEqual([]);
  });

  it('refuses two windows at once with exit 2', async () => {
    const result = await cli.run(['followups', '--today', '--week']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("option '--today' cannot be used with option '--week'");
    expect((await cli.run(['followups', '--overdue', '--until', 'today'])).code).toBe(2);
  });

  it('refuses a bad --until date with exit 2 and a clear message', async () => {
    const result = await cli.run(['followups', '--until', 'someday']);
    expect(result).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'error: invalid date "someday": use YYYY-MM-DD, an ISO date-time, today, tomorrow, +3d or +2w\n',
    });
  });
});

describe('followups on a terminal, a page at a time', () => {
  // 25 pending: P01..P05 overdue (days before the fixed now, 2026-11-25), P06..P25 due from today on.
  beforeEach(async () => {
    for (let n = 1; n <= 25; n++) {
      const name = `P${String(n).padStart(2, '0')}`;
      await addCustomer(name);
      const day = new Date(Date.UTC(2026, 10, 19 + n)).toISOString().slice(0, 10);
      await logAt(0, name, `about ${name}`, day);
    }
  });

  const tty = { tty: true, columns: 160, env: { NO_COLOR: '1' } };
  const shownNames = (stdout: string) => [...stdout.matchAll(/│ (P\d\d) /g)].map((match) => match[1]);
  const all = Array.from({ length: 25 }, (_, n) => `P${String(n + 1).padStart(2, '0')}`);

  it('shows the first 20 with a footer on stderr saying how many more there are', async () => {
    const { stdout, stderr, code } = await cli.run(['followups'], tty);
    expect(code).toBe(0);
    expect(shownNames(stdout)).toEqual(all.slice(0, 20));
    expect(stderr).toBe('showing 1–20 of 25 follow-ups, 5 overdue; 5 more: --page 2 for the next, --all for everything\n');
  });

  it('pages with --page and --limit, in the order of the full listing', async () => {
    const second = await cli.run(['followups', '--page', '2'], tty);
    expect(shownNames(second.stdout)).toEqual(all.slice(20));
    expect(second.stderr).toBe('showing 21–25 of 25 follow-ups, 5 overdue\n');
    const pages: string[] = [];
    for (let page = 1; page <= 4; page++) {
      const rows = await cli.json<Array<{ customer_name: string }>>(['followups', '--limit', '7', '--page', String(page)]);
      pages.push(...rows.map((row) => row.customer_name));
    }
    expect(pages).toEqual((await cli.json<Array<{ customer_name: string }>>(['followups'])).map((row) => row.customer_name));
    expect(pages).toEqual(all);
    const window = await cli.run(['followups', '--week', '--limit', '3'], tty);
    expect(shownNames(window.stdout)).toEqual(['P01', 'P02', 'P03']);
    expect(window.stderr).toBe('showing 1–3 of 12 follow-ups, 5 overdue; 9 more: --page 2 for the next, --all for everything\n');
  });

  it('shows every one with --all, and piped output is never paged', async () => {
    const everything = await cli.run(['followups', '--all'], tty);
    expect(shownNames(everything.stdout)).toEqual(all);
    expect(everything.stderr).toBe('25 follow-ups, 5 overdue\n');
    const piped = await cli.run(['followups']);
    expect(piped.stdout.trim().split('\n')).toHaveLength(26);
    expect(piped.stderr).toBe('');
    expect(await cli.json(['followups'], tty)).toHaveLength(25);
  });

  it('reads every row in the same order when a page asks for fewer than there are (the server reads on after the page)', async () => {
    const { reports } = cli.store.repositories;
    const read = async (expected?: number) => {
      const rows: string[] = [];
      for await (const row of reports.pendingFollowUps({}, expected)) rows.push(`${row.follow_up_date} ${row.customer_name}`);
      return rows;
    };
    // Ties on a date, across the chunks a page reads in: sorted by name (bytes), then id.
    for (const name of ['Zed', 'amy', 'Kim', 'Bea', 'Émile']) {
      await addCustomer(name);
      await logAt(0, name, 'tie', '2026-11-30');
    }
    const everything = await read();
    expect(everything).toHaveLength(30);
    expect(everything.filter((row) => row.startsWith('2026-11-30'))).toEqual(
      ['Bea', 'Kim', 'P11', 'Zed', 'amy', 'Émile'].map((name) => `2026-11-30 ${name}`),
    );
    for (const expected of [1, 3, 9]) expect(await read(expected)).toEqual(everything);
  });

  it('says when a page is past the end, and refuses --all with --limit', async () => {
    const past = await cli.run(['followups', '--page', '3'], tty);
    expect(past).toMatchObject({ code: 0, stdout: '', stderr: 'page 3 is past the end: 25 follow-up(s) make 2 page(s) of 20\n' });
    const both = await cli.run(['followups', '--all', '--limit', '5'], tty);
    expect(both.code).toBe(2);
    expect((await cli.run(['followups', '--limit', '0'], tty)).stderr).toBe('error: invalid --limit "0": use a whole number of 1 or more\n');
  });

  it('counts every follow-up of the window exactly, past a thousand too', async () => {
    await cli.sql(
      `INSERT INTO customers (name) SELECT 'Bulk ' || k FROM (WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 1990) SELECT k FROM n) AS n`,
    );
    await cli.sql(
      `INSERT INTO customer_interactions (customer_id, type, channel, note, follow_up_date)
       SELECT id, 'call', 'phone', 'bulk', '2026-12-31' FROM customers WHERE name LIKE 'Bulk %'`,
    );
    const { stdout, stderr } = await cli.run(['followups'], tty);
    expect(shownNames(stdout)).toEqual(all.slice(0, 20));
    expect(stderr).toBe('showing 1–20 of 2015 follow-ups, 5 overdue; 1995 more: --page 2 for the next, --all for everything\n');
    expect(await cli.json(['followups'])).toHaveLength(2015);
    const last = await cli.run(['followups', '--page', '101'], tty);
    expect(last.stderr).toBe('showing 2001–2015 of 2015 follow-ups, 5 overdue\n');
  });

  it('keeps the count right when customers are archived, restored or given another owner with plain SQL', async () => {
    const footer = async (...argv: string[]) => (await cli.run(['followups', ...argv], tty)).stderr;
    await cli.sql(`UPDATE customers SET is_archived = true WHERE name IN ('P01', 'P02', 'P25')`);
    expect(await footer()).toBe('showing 1–20 of 22 follow-ups, 3 overdue; 2 more: --page 2 for the next, --all for everything\n');
    expect(shownNames((await cli.run(['followups'], tty)).stdout)).toEqual(all.slice(2, 22));
    await cli.sql(`UPDATE customers SET is_archived = false WHERE name = 'P01'`);
    expect(await footer()).toBe('showing 1–20 of 23 follow-ups, 4 overdue; 3 more: --page 2 for the next, --all for everything\n');
    await cli.sql(`UPDATE customers SET owner = 'Zoë' WHERE name IN ('P01', 'P03', 'P02')`);
    // P02 is still archived: of Zoë's three, two count.
    expect(await footer('--owner', 'zoë')).toBe('2 follow-ups, 2 overdue\n');
    expect(shownNames((await cli.run(['followups', '--owner', 'ZOË'], tty)).stdout)).toEqual(['P01', 'P03']);
    await cli.sql(`UPDATE customers SET owner = NULL WHERE name = 'P03'`);
    expect(await footer('--owner', 'zoë')).toBe('1 follow-up, 1 overdue\n');
  });
});

describe('pipeline', () => {
  let auditId: string;
  beforeEach(async () => {
    auditId = (await services.products.add({ name: 'Audit' })).id;
    await services.products.add({ name: 'Coaching' });
    const people: Array<[string, CustomerStatus, string, string]> = [
      ['L1', 'lead', 'alice', 'Audit'],
      ['L2', 'lead', 'alice', 'Audit'],
      ['L3', 'lead', 'bob', 'Coaching'],
      ['L4', 'lead', 'bob', 'Audit'],
      ['Q1', 'qualified', 'alice', 'Coaching'],
      ['Q2', 'qualified', 'bob', 'Audit'],
      ['N1', 'negotiation', 'alice', 'Audit'],
      ['W1', 'closed_won', 'alice', 'Audit'],
      ['W2', 'closed_won', 'bob', 'Audit'],
      ['W3', 'closed_won', 'alice', 'Coaching'],
      ['X1', 'closed_lost', 'bob', 'Audit'],
    ];
    for (const [name, status, owner, product] of people) await addCustomer(name, { status, owner, product });
    await addCustomer('Archived lead', { status: 'lead', owner: 'alice', product: 'Audit' });
    await addCustomer('Archived loss', { status: 'closed_lost', owner: 'alice', product: 'Audit' });
    await services.customers.setArchived(['Archived lead', 'Archived loss'], true);
  });

  const counts = (report: { stages: Array<{ status: string; count: number }> }) =>
    Object.fromEntries(report.stages.map((stage) => [stage.status, stage.count]));

  it('counts customers per stage in pipeline order, archived left out, with totals and ratios', async () => {
    const report = await cli.json(['pipeline']);
    expect(report.stages.map((stage: { status: string }) => stage.status)).toEqual([
      'lead',
      'qualified',
      'proposal',
      'negotiation',
      'closed_won',
      'closed_lost',
    ]);
    expect(counts(report)).toEqual({ lead: 4, qualified: 2, proposal: 0, negotiation: 1, closed_won: 3, closed_lost: 1 });
    expect(report).toMatchObject({ total: 11, open: 7, won: 3, lost: 1, win_rate: 0.75, won_lost_ratio: 3, product_id: null, owner: null });
  });

  it('filters by product ref and by owner', async () => {
    const audit = await cli.json(['pipeline', '--product', 'audit']);
    expect(audit.product_id).toBe(auditId);
    expect(counts(audit)).toEqual({ lead: 3, qualified: 1, proposal: 0, negotiation: 1, closed_won: 2, closed_lost: 1 });
    const alice = await cli.json(['pipeline', '--owner', 'ALICE', '--product', 'audit']);
    expect(alice).toMatchObject({ total: 4, won: 1, lost: 0, win_rate: 1, won_lost_ratio: null });
  });

  it('has no ratio before anything closes', async () => {
    const bobCoaching = await cli.json(['pipeline', '--owner', 'bob', '--product', 'coaching']);
    expect(bobCoaching).toMatchObject({ total: 1, won: 0, lost: 0, win_rate: null, won_lost_ratio: null });
  });

  it('prints one TSV row per stage with a header when piped', async () => {
    const { stdout, code } = await cli.run(['pipeline']);
    expect(code).toBe(0);
    expect(stdout).toBe('status\tcount\nlead\t4\nqualified\t2\nproposal\t0\nnegotiation\t1\nclosed_won\t3\nclosed_lost\t1\n');
  });

  it('takes --format csv, and json like --json', async () => {
    expect((await cli.run(['pipeline', '--format', 'csv'])).stdout).toMatch(/^status,count\nlead,4\n/);
    expect(JSON.parse((await cli.run(['pipeline', '--format', 'json'])).stdout)).toEqual(await cli.json(['pipeline']));
  });

  it('prints aligned plain lines without bars as a table when piped', async () => {
    const { stdout, code } = await cli.run(['pipeline', '--format', 'table']);
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        'stage        count  share',
        'lead             4    36%',
        'qualified        2    18%',
        'proposal         0     0%',
        'negotiation      1     9%',
        'closed_won       3    27%',
        'closed_lost      1     9%',
        'total           11',
        'won/lost       3/1  75% won',
        '',
      ].join('\n'),
    );
  });

  it('draws a bar per stage, scaled to the largest, on a terminal', async () => {
    const { stdout } = await cli.run(['pipeline'], { tty: true, env: { NO_COLOR: '1' } });
    const bar = (status: string) => stdout.split('\n').find((line) => line.startsWith(status))!.match(/█*$/)![0].length;
    expect([bar('lead'), bar('qualified'), bar('proposal'), bar('negotiation'), bar('closed_won')]).toEqual([30, 15, 0, 8, 23]);
    expect(stdout).not.toContain('\u001b[');
  });

  it('colours the bars on a terminal unless NO_COLOR is set', async () => {
    const { stdout } = await cli.run(['pipeline'], { tty: true });
    expect(stdout).toContain('\u001b[32m███████████████████████'); // closed_won in green
  });

  it('reports an unknown product with exit 1', async () => {
    const result = await cli.run(['pipeline', '--product', 'nothing']);
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: 'error: no product matches "nothing" (by id, id prefix or name)\n' });
  });
});
});
