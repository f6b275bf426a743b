import fs from 'node:fs';
import path from 'node:path';
import ICAL from 'ical.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeBackends } from './backends.js';
import { expectRefused, TestCli, tempDir } from './helpers.js';

interface ParsedEvent {
  uid: string;
  summary: string;
  description: string;
  allDay: boolean;
  start: string;
  end: string | null;
}

/** Reads a calendar with Mozilla's iCalendar parser (ical.js), as a calendar app would. */
function parseCalendar(text: string): ParsedEvent[] {
  const calendar = new ICAL.Component(ICAL.parse(text));
  expect(calendar.name).toBe('vcalendar');
  expect(calendar.getFirstPropertyValue('version')).toBe('2.0');
  return calendar.getAllSubcomponents('vevent').map((component) => {
    const event = new ICAL.Event(component);
    return {
      uid: event.uid,
      summary: event.summary,
      description: event.description,
      allDay: event.startDate.isDate,
      start: event.startDate.toString(),
      end: component.hasProperty('dtend') ? event.endDate.toString() : null,
    };
  });
}

describe('followups --ics', () => {
  let cli: TestCli;
  let ada: string;

  beforeEach(async () => {
    cli = new TestCli();
    ada = (await cli.json(['customer', 'add', 'Ada Lovelace', '--email', 'ada@example.com', '--phone', '+44 20 1234'])).id;
    const bob = (await cli.json(['customer', 'add', 'Émile Zola'])).id;
    const cy = (await cli.json(['customer', 'add', 'Cy Settled'])).id;
    await cli.run(['interaction', 'log', ada, '--channel', 'phone', '--type', 'Intro call', '--note', 'Wants a quote; call back, please', '--follow-up', '2026-11-27']);
    await cli.run(['interaction', 'log', bob, '--channel', 'email', '--type', 'Proposal', '--note', 'Sent proposal', '--follow-up', '2026-11-26T15:30:00Z']);
    await cli.run(['interaction', 'log', cy, '--channel', 'email', '--type', 'Ping', '--note', 'n', '--follow-up', '2026-11-28']);
    cli.clock.advance(60_000);
    await cli.run(['interaction', 'log', cy, '--channel', 'email', '--type', 'Reply', '--note', 'settled']);
  });

  afterEach(() => cli.close());

  it('is one event per pending follow-up that a real iCalendar parser reads back', async () => {
    const { code, stdout, stderr } = await cli.run(['followups', '--ics']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
    const events = parseCalendar(stdout);
    expect(events.map((event) => event.summary)).toEqual(['Follow up: Émile Zola', 'Follow up: Ada Lovelace']);
    const [zola, lovelace] = events;
    expect(lovelace).toMatchObject({ allDay: true, start: '2026-11-27', end: null });
    expect(zola).toMatchObject({ allDay: false, start: '2026-11-26T15:30:00Z', end: '2026-11-26T15:45:00Z' });
    expect(lovelace!.description).toContain('Phone: +44 20 1234');
    expect(lovelace!.description).toContain('Email: ada@example.com');
    expect(lovelace!.description).toContain('Wants a quote; call back, please');
  });

  it('keeps each event\'s UID from one run to the next, so a calendar updates rather than duplicates', async () => {
    const first = parseCalendar((await cli.run(['followups', '--ics'])).stdout);
    cli.clock.advanceDays(1);
    const newer = (await cli.json(['customer', 'add', 'New Person'])).id;
    await cli.run(['interaction', 'log', newer, '--channel', 'phone', '--type', 'Call', '--note', 'x', '--follow-up', '2026-12-01']);
    const second = parseCalendar((await cli.run(['followups', '--ics'])).stdout);
    const uids = (events: ParsedEvent[]) => new Set(events.map((event) => event.uid));
    expect([...uids(first)].every((uid) => uids(second).has(uid))).toBe(true);
    expect(second).toHaveLength(first.length + 1);
    expect(new Set(first.map((event) => event.uid)).size).toBe(first.length);
  });

  it('an all-day follow-up stays on its date whatever the time zone crm runs in', async () => {
    const zone = process.env.TZ;
    for (const tz of ['Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
      process.env.TZ = tz;
      try {
        const { stdout } = await cli.run(['followups', '--ics']);
        expect(stdout).toContain('DTSTART;VALUE=DATE:20261127\r\n');
        expect(stdout).toContain('DTSTART:20261126T153000Z\r\n');
      } finally {
        process.env.TZ = zone;
      }
    }
  });

  it('honours the windows: --overdue on the 27th lists only what was due before that day', async () => {
    cli.clock.set('2026-11-27T09:00:00Z');
    const events = parseCalendar((await cli.run(['followups', '--ics', '--overdue'])).stdout);
    expect(events.map((event) => event.summary)).toEqual(['Follow up: Émile Zola']);
  });

  it('writes --out FILE whole, and replaces it only with --force', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'crm.ics');
    const written = await cli.run(['followups', '--ics', '--out', file]);
    expect(written.code).toBe(0);
    expect(written.stderr).toBe(`✓ wrote 2 follow-ups to ${file}\n`);
    expect(parseCalendar(fs.readFileSync(file, 'utf8'))).toHaveLength(2);
    const again = await cli.run(['followups', '--ics', '--out', file]);
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 1, stderr: `error: ${file} already exists; pass --force to replace it\n` });
    expect((await cli.run(['followups', '--ics', '--out', file, '--force'])).code).toBe(0);
    expect(fs.readdirSync(dir)).toEqual(['crm.ics']);
  });

  it('refuses --out without --ics, and --ics with another format', async () => {
    await expectRefused(cli, ['followups', '--out', 'x.ics'], { code: 2, stderr: 'error: --out goes with --ics (crm followups --ics --out FILE)\n' });
    const both = await cli.run(['followups', '--ics', '--json']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--ics.*cannot be used with option '--json'|--json.*cannot be used with option '--ics'/);
  });

  it('is an empty but valid calendar when nothing is pending', async () => {
    const empty = new TestCli();
    try {
      const { stdout, code } = await empty.run(['followups', '--ics']);
      expect(code).toBe(0);
      expect(parseCalendar(stdout)).toEqual([]);
    } finally {
      empty.close();
    }
  });
});

describeBackends('followups --ics', (_backend, fresh) => {
  it('gives the same calendar on either backend: all-day and timed events, stable UIDs', async () => {
    const cli = await fresh();
    const ada = (await cli.json<{ id: string }>(['customer', 'add', 'Ada Lovelace', '--email', 'ada@example.com'])).id;
    const bob = (await cli.json<{ id: string }>(['customer', 'add', 'Bob'])).id;
    const logged = await cli.json<{ id: string }>(['interaction', 'log', ada, '--channel', 'phone', '--type', 'Call', '--note', 'n', '--follow-up', '2026-11-27']);
    await cli.run(['interaction', 'log', bob, '--channel', 'email', '--type', 'Mail', '--note', 'm', '--follow-up', '2026-11-26T15:30:00Z']);
    const { code, stdout } = await cli.run(['followups', '--ics']);
    expect(code).toBe(0);
    const events = parseCalendar(stdout);
    expect(events.map(({ summary, allDay, start }) => ({ summary, allDay, start }))).toEqual([
      { summary: 'Follow up: Bob', allDay: false, start: '2026-11-26T15:30:00Z' },
      { summary: 'Follow up: Ada Lovelace', allDay: true, start: '2026-11-27' },
    ]);
    expect(events[1]!.uid).toBe(`${logged.id}@crm`);
  });
});
