import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { endOfDateInput, formatLocalDay, parseDateInput, startOfLocalDay } from '../src/domain/time.js';
import { describeBackends, type BackendCli } from './backends.js';

// The rest of the suite runs with TZ=UTC (see vitest.config.ts), where a local day and a UTC
// day are the same thing and a day always has 24 hours. Here the zone is switched (Node
// re-reads TZ when it is assigned) to ones where neither holds, around their DST changes.

function inTimeZone(zone: string, offsetInJanuaryMinutes: number): void {
  let previous: string | undefined;
  beforeAll(() => {
    previous = process.env.TZ;
    process.env.TZ = zone;
    // Otherwise every expectation below could pass or fail for the wrong reason.
    expect(new Date('2026-01-15T12:00:00Z').getTimezoneOffset(), `TZ=${zone} did not take effect`).toBe(
      offsetInJanuaryMinutes,
    );
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.TZ;
    else process.env.TZ = previous;
  });
}

interface Row {
  customer_name: string;
  follow_up_date: string;
  overdue: boolean;
}

// Day inputs resolved in the program, before any database is involved.
describe('day inputs in America/New_York, the evening before clocks go forward (2026-03-08 02:00 → 03:00)', () => {
  inTimeZone('America/New_York', 300);
  const now = '2026-03-08T04:30:00.000Z';

  it('resolves day inputs to local midnights, whose UTC offset changes with DST', () => {
    const at = new Date(now);
    expect(parseDateInput('today', at).toISOString()).toBe('2026-03-07T05:00:00.000Z');
    expect(parseDateInput('tomorrow', at).toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(parseDateInput('+1d', at).toISOString()).toBe('2026-03-08T05:00:00.000Z');
    // Sunday 8 March has 23 hours: the next midnight is EDT.
    expect(parseDateInput('+2d', at).toISOString()).toBe('2026-03-09T04:00:00.000Z');
    expect(parseDateInput('+2w', at).toISOString()).toBe('2026-03-21T04:00:00.000Z');
    expect(parseDateInput('+1m', at).toISOString()).toBe('2026-04-07T04:00:00.000Z');
    expect(parseDateInput('+1y', at).toISOString()).toBe('2027-03-07T05:00:00.000Z');
    expect(parseDateInput('2026-03-09', at).toISOString()).toBe('2026-03-09T04:00:00.000Z');
    expect(parseDateInput('2026-03-09T12:00', at).toISOString()).toBe('2026-03-09T16:00:00.000Z');
    expect(endOfDateInput('2026-03-08', at).toISOString()).toBe('2026-03-09T04:00:00.000Z');
    expect(startOfLocalDay(new Date('2026-03-09T03:30:00.000Z')).toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(formatLocalDay('2026-03-08T04:30:00.000Z')).toBe('2026-03-07');
    expect(formatLocalDay('2026-03-09T04:00:00.000Z')).toBe('2026-03-09');
  });
});

describe('months and years ahead (+1m, +1y), as durations count them', () => {
  it('moves by calendar months and years, clamped to the end of a shorter month', () => {
    const from = (iso: string, text: string) => parseDateInput(text, new Date(iso)).toISOString();
    expect(from('2027-01-31T10:00:00.000Z', '+1m')).toBe('2027-02-28T00:00:00.000Z');
    expect(from('2028-01-31T10:00:00.000Z', '+1M')).toBe('2028-02-29T00:00:00.000Z');
    expect(from('2026-11-30T10:00:00.000Z', '+3m')).toBe('2027-02-28T00:00:00.000Z');
    expect(from('2026-12-15T10:00:00.000Z', '+14m')).toBe('2028-02-15T00:00:00.000Z');
    expect(from('2028-02-29T10:00:00.000Z', '+1y')).toBe('2029-02-28T00:00:00.000Z');
    expect(from('2028-02-29T10:00:00.000Z', '+4y')).toBe('2032-02-29T00:00:00.000Z');
  });
});

describeBackends('follow-up days in other time zones', (_backend, fresh) => {
  let cli: BackendCli;
  beforeEach(async () => {
    cli = await fresh();
  });
  afterEach(() => cli.close());

  /** Adds one customer per entry and logs an interaction with that --follow-up, at the clock's now. */
  async function scheduleFollowUps(followUps: Record<string, string>): Promise<void> {
    for (const [name, followUp] of Object.entries(followUps)) {
      await cli.json(['customer', 'add', name]);
      await cli.json(['interaction', 'log', name, '-c', 'phone', '-t', 'Call', '-m', 'n', '--follow-up', followUp]);
    }
  }

  async function followups(...args: string[]): Promise<Row[]> {
    return cli.json<Row[]>(['followups', ...args]);
  }

  const names = (rows: Row[]) => rows.map((row) => row.customer_name);
  const due = (rows: Row[]) => Object.fromEntries(rows.map((row) => [row.customer_name, row.follow_up_date]));

  describe('America/New_York, the evening before clocks go forward (2026-03-08 02:00 → 03:00)', () => {
    inTimeZone('America/New_York', 300);
    // Saturday 7 March, 23:30 EST: in UTC it is already Sunday 8 March.
    const now = '2026-03-08T04:30:00.000Z';

    it('stores day follow-ups as local calendar days and windows them by local days', async () => {
      cli.clock.set(now);
      await scheduleFollowUps({
        Friday: '2026-03-06',
        Today: 'today',
        Tomorrow: 'tomorrow',
        Monday: '+2d',
        NextFriday: '+6d',
        NextSaturday: '+1w',
        Later: '+2w',
      });
      const all = await followups();
      expect(due(all)).toEqual({
        Friday: '2026-03-06',
        Today: '2026-03-07',
        Tomorrow: '2026-03-08',
        Monday: '2026-03-09',
        NextFriday: '2026-03-13',
        NextSaturday: '2026-03-14',
        Later: '2026-03-21',
      });
      expect(all.filter((row) => row.overdue).map((row) => row.customer_name)).toEqual(['Friday']);
      expect(names(await followups('--overdue'))).toEqual(['Friday']);
      expect(names(await followups('--today'))).toEqual(['Friday', 'Today']);
      expect(names(await followups('--week'))).toEqual(['Friday', 'Today', 'Tomorrow', 'Monday', 'NextFriday']);
      expect(names(await followups('--until', 'tomorrow'))).toEqual(['Friday', 'Today', 'Tomorrow']);
      expect(names(await followups('--until', '2026-03-09'))).toEqual(['Friday', 'Today', 'Tomorrow', 'Monday']);
      expect(names(await followups('--until', '+1w'))).toEqual(['Friday', 'Today', 'Tomorrow', 'Monday', 'NextFriday', 'NextSaturday']);
    });

    it("turns today's follow-up overdue at local midnight, not at UTC midnight", async () => {
      cli.clock.set(now);
      await scheduleFollowUps({ Today: 'today' });
      cli.clock.set('2026-03-08T04:59:59.999Z');
      expect(await followups('--overdue')).toEqual([]);
      expect(names(await followups('--today'))).toEqual(['Today']);
      cli.clock.set('2026-03-08T05:00:00.000Z');
      expect(names(await followups('--overdue'))).toEqual(['Today']);
    });

    it('shows local days in the terminal table', async () => {
      cli.clock.set(now);
      await scheduleFollowUps({ Friday: '2026-03-06', Monday: '+2d' });
      const { stdout } = await cli.run(['followups'], { tty: true, env: { NO_COLOR: '1' } });
      expect(stdout).toContain('│ 2026-03-06 overdue');
      expect(stdout).toContain('│ 2026-03-09 ');
    });
  });

  describe('America/New_York, the evening of the 25-hour day clocks go back (2026-11-01)', () => {
    inTimeZone('America/New_York', 300);
    // Sunday 1 November, 23:30 EST; midnight that morning was still EDT.
    const now = '2026-11-02T04:30:00.000Z';

    it('keeps today and tomorrow on the right local days', async () => {
      cli.clock.set(now);
      await scheduleFollowUps({ Today: 'today', Tomorrow: 'tomorrow', Plus1: '+1d' });
      expect(due(await followups())).toEqual({
        Today: '2026-11-01',
        Tomorrow: '2026-11-02',
        Plus1: '2026-11-02',
      });
      expect(names(await followups('--today'))).toEqual(['Today']);
      expect(names(await followups('--until', 'today'))).toEqual(['Today']);
    });
  });

  describe('Pacific/Auckland, ahead of UTC, around clocks going forward (2026-09-27 02:00 → 03:00)', () => {
    inTimeZone('Pacific/Auckland', -780);

    it('uses the local day even when the UTC date is the day before', async () => {
      // Thursday 26 November, 01:00 NZDT; in UTC still Wednesday 25 November.
      cli.clock.set('2026-11-25T12:00:00.000Z');
      await scheduleFollowUps({ Yesterday: '2026-11-25', Today: 'today', Tomorrow: '+1d' });
      const all = await followups();
      expect(due(all)).toEqual({
        Yesterday: '2026-11-25',
        Today: '2026-11-26',
        Tomorrow: '2026-11-27',
      });
      expect(names(await followups('--overdue'))).toEqual(['Yesterday']);
      expect(names(await followups('--today'))).toEqual(['Yesterday', 'Today']);
      expect(names(await followups('--until', '2026-11-26'))).toEqual(['Yesterday', 'Today']);
    });

    it('moves day inputs across the DST change by calendar days, not by 24 hours', async () => {
      // Saturday 26 September, 20:00 NZST (+12).
      cli.clock.set('2026-09-26T08:00:00.000Z');
      await scheduleFollowUps({ Today: 'today', Sunday: 'tomorrow', Monday: '+2d', TwoWeeks: '+2w' });
      expect(due(await followups())).toEqual({
        Today: '2026-09-26',
        Sunday: '2026-09-27',
        Monday: '2026-09-28',
        TwoWeeks: '2026-10-10',
      });
      expect(names(await followups('--week'))).toEqual(['Today', 'Sunday', 'Monday']);
      expect(names(await followups('--until', '+1d'))).toEqual(['Today', 'Sunday']);
      // Sunday has 23 hours: at Monday's midnight (NZDT) Sunday's follow-up is overdue.
      cli.clock.set('2026-09-27T10:59:59.999Z');
      expect(names(await followups('--overdue'))).toEqual(['Today']);
      cli.clock.set('2026-09-27T11:00:00.000Z');
      expect(names(await followups('--overdue'))).toEqual(['Today', 'Sunday']);
    });
  });

  describe('America/Santiago, where clocks go forward at midnight (2026-09-06 00:00 → 01:00)', () => {
    inTimeZone('America/Santiago', 180);
    // Saturday 5 September, 23:30 (-04).
    const now = '2026-09-06T03:30:00.000Z';

    it('starts a day without a midnight at its first instant, 01:00', async () => {
      cli.clock.set(now);
      await scheduleFollowUps({ Today: 'today', Sunday: 'tomorrow', Monday: '+2d' });
      expect(due(await followups())).toEqual({
        Today: '2026-09-05',
        Sunday: '2026-09-06',
        Monday: '2026-09-07',
      });
      expect(formatLocalDay('2026-09-06T04:00:00.000Z')).toBe('2026-09-06');
      expect(names(await followups('--until', '2026-09-06'))).toEqual(['Today', 'Sunday']);
      cli.clock.set('2026-09-06T03:59:59.999Z');
      expect(await followups('--overdue')).toEqual([]);
      cli.clock.set('2026-09-06T04:00:00.000Z');
      expect(names(await followups('--overdue'))).toEqual(['Today']);
    });
  });

  describe('months and years ahead (+1m, +1y), as durations count them', () => {
    it('are accepted by interaction log --follow-up and followups --until', async () => {
      await scheduleFollowUps({ NextMonth: '+1m', NextYear: '+1y' });
      expect(due(await followups())).toEqual({
        NextMonth: '2026-12-25',
        NextYear: '2027-11-25',
      });
      expect(names(await followups('--until', '+1m'))).toEqual(['NextMonth']);
    });
  });

  describe('Europe/Berlin, an all-day follow-up in every output format', () => {
    inTimeZone('Europe/Berlin', -60);

    it('reads back as the day it was given in the table, TSV, CSV and JSON, of followups and interaction list', async () => {
      cli.clock.set('2026-12-01T10:00:00.000Z');
      await scheduleFollowUps({ Ada: '2026-12-20' });
      const plain = { env: { NO_COLOR: '1' } };
      const table = await cli.run(['followups'], { tty: true, ...plain });
      expect(table.stdout).toContain('│ 2026-12-20 ');
      expect((await cli.run(['followups', '--format', 'tsv'])).stdout).toMatch(/\n2026-12-20\tAda\t/);
      expect((await cli.run(['followups', '--format', 'csv'])).stdout).toMatch(/\n2026-12-20,Ada,/);
      expect(due(await followups())).toEqual({ Ada: '2026-12-20' });

      const [logged] = await cli.json<Array<{ follow_up_date: string }>>(['interaction', 'list', 'Ada']);
      expect(logged!.follow_up_date).toBe('2026-12-20');
      expect((await cli.run(['interaction', 'list', 'Ada', '--format', 'tsv'])).stdout).toMatch(/\t2026-12-20\n/);
      expect((await cli.run(['interaction', 'list', 'Ada', '--format', 'csv'])).stdout).toMatch(/,2026-12-20\n/);
      expect((await cli.run(['interaction', 'list', 'Ada'], { tty: true, ...plain })).stdout).toContain('2026-12-20');
    });

    it('keeps the day in another time zone, and is due at the start of that local day', async () => {
      cli.clock.set('2026-12-01T10:00:00.000Z');
      await scheduleFollowUps({ Ada: '2026-12-20' });
      process.env.TZ = 'America/Los_Angeles';
      try {
        expect(due(await followups('--until', '2026-12-20'))).toEqual({ Ada: '2026-12-20' });
        expect(await followups('--until', '2026-12-19')).toEqual([]);
        cli.clock.set('2026-12-21T07:59:59.999Z');
        expect(await followups('--overdue')).toEqual([]);
        cli.clock.set('2026-12-21T08:00:00.000Z');
        expect(names(await followups('--overdue'))).toEqual(['Ada']);
      } finally {
        process.env.TZ = 'Europe/Berlin';
      }
    });

    it('orders all-day and timed follow-ups, given with any offset, by when they fall due', async () => {
      cli.clock.set('2026-12-01T10:00:00.000Z');
      await scheduleFollowUps({
        Late: '2026-12-20T18:00+01:00',
        AllDay: '2026-12-20',
        Early: '2026-12-20T09:00+05:00',
        Evening: '2026-12-19T23:30+01:00',
      });
      const all = await followups();
      expect(names(all)).toEqual(['Evening', 'AllDay', 'Early', 'Late']);
      expect(due(all)).toEqual({
        Evening: '2026-12-19T22:30:00.000Z',
        AllDay: '2026-12-20',
        Early: '2026-12-20T04:00:00.000Z',
        Late: '2026-12-20T17:00:00.000Z',
      });
      expect(names(await followups('--until', '2026-12-20T06:00+01:00'))).toEqual(['Evening', 'AllDay', 'Early']);
    });
  });

  describe('Asia/Tokyo, a window that ends in the last hours of year 9999', () => {
    inTimeZone('Asia/Tokyo', -540);

    it('still lists all-day follow-ups: the last day of the window is never past 9999-12-31', async () => {
      cli.clock.set('2026-12-01T10:00:00.000Z');
      await scheduleFollowUps({ AllDay: '2026-12-20', Timed: '2026-12-21T09:00+09:00' });
      // 20:00 UTC on 31 December 9999 is already 1 January 10000 in Tokyo.
      expect(names(await followups('--until', '9999-12-31T20:00:00Z'))).toEqual(['AllDay', 'Timed']);
    });
  });

  /**
   * Days and instants over a few days, every 50 minutes, both kinds on each UTC day: in text
   * order a day sits at its UTC midnight, but falls due at its local one, up to 14 hours away.
   * The listing must be in due order (ties in stored order), and its pages must be its slices.
   */
  for (const [zone, january] of [['Pacific/Kiritimati', -840], ['Pacific/Pago_Pago', 660], ['Asia/Kolkata', -330]] as const) {
    describe(`${zone}: days and instants interleaved`, () => {
      inTimeZone(zone, january);

      it('lists them by when they fall due, and pages are slices of that order', async () => {
        cli.clock.set('2026-06-01T00:00:00.000Z');
        const values: string[] = [];
        for (let day = 3; day <= 7; day++) values.push(`2026-06-0${day}`);
        for (let minutes = 0; minutes < 6 * 24 * 60; minutes += 50) {
          values.push(new Date(Date.UTC(2026, 5, 2) + minutes * 60_000).toISOString());
        }
        for (const [n, value] of values.entries()) {
          const [customer] = await cli.sql<{ id: string }>(`INSERT INTO customers (name) VALUES ($1) RETURNING id`, [`C${String(n).padStart(3, '0')}`]);
          await cli.sql(
            `INSERT INTO customer_interactions (customer_id, type, channel, note, follow_up_date) VALUES ($1, 'Call', 'phone', 'n', $2)`,
            [customer!.id, value],
          );
        }
        const dueAt = (value: string) => (value.length === 10 ? new Date(`${value}T00:00:00`).getTime() : Date.parse(value));
        const expected = values
          .map((value, n) => ({ value, name: `C${String(n).padStart(3, '0')}` }))
          .sort((a, b) => dueAt(a.value) - dueAt(b.value) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
          .map((row) => row.name);
        const all = names(await followups());
        expect(all).toEqual(expected);
        const paged: string[] = [];
        for (let page = 1; paged.length < all.length; page++) {
          paged.push(...names(await followups('--limit', '13', '--page', String(page))));
        }
        expect(paged).toEqual(all);
      });
    });
  }
});
