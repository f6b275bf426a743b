import { Option, type Command } from 'commander';
import path from 'node:path';
import { UsageError } from '../../../domain/errors.js';
import { endOfDateInput, formatFollowUp } from '../../../domain/time.js';
import type { FollowUp, FollowUpPage, FollowUpRequest, FollowUpWindow } from '../../../services/reports.js';
import { FileOutput } from '../../file-output.js';
import { chooseFormat, FORMATS, type Column, type Format } from '../../output.js';
import { checkDateOption, parsePositiveInteger } from '../../parse.js';
import { DEFAULT_PAGE_SIZE } from '../customer/list.js';
import type { Session } from '../../session.js';

export interface FollowupsOptions {
  overdue?: boolean;
  today?: boolean;
  week?: boolean;
  until?: string;
  owner?: string;
  format?: string;
  json?: boolean;
  wide?: boolean;
  ics?: boolean;
  out?: string;
  force?: boolean;
  limit?: string;
  page?: string;
  all?: boolean;
}

const HELP = () => `
A follow-up is the --follow-up date of a customer's latest interaction; it stays
pending until a newer interaction is logged for that customer. Archived customers
are left out. Soonest first; overdue ones (due before today) are marked.

Examples:
  $ crm followups --today
  $ crm followups --week --owner alice
  $ crm followups --until 2026-12-31 --format csv > followups.csv
  $ crm followups --overdue --json
  $ crm followups --ics --out ~/calendar/crm.ics --force   # e.g. from cron, for a calendar to subscribe to

On a terminal the table shows the first ${DEFAULT_PAGE_SIZE}, with a footer on stderr saying how
many more there are (--limit N, --page N, or --all for every one). Piped, or with
--format, --json or --ics, every follow-up is printed unless --limit or --page is given.

--ics writes an iCalendar (RFC 5545) file: one event per follow-up, all-day for a
date, a 15-minute slot for a date-time. Each event keeps its UID (the interaction's
id), so a calendar that re-reads the file updates events instead of duplicating them.`;

const NOTE_PREVIEW = 60;

function preview(note: string): string {
  const firstLine = note.split('\n', 1)[0]!;
  return firstLine.length > NOTE_PREVIEW || firstLine !== note
    ? `${firstLine.slice(0, NOTE_PREVIEW - 1)}…`
    : firstLine;
}

const followUpColumns: ReadonlyArray<Column<FollowUp>> = [
  {
    header: 'follow_up_date',
    label: 'due',
    value: (f) => f.follow_up_date,
    display: (f, paint) => (f.overdue ? paint.red(`${formatFollowUp(f.follow_up_date)} overdue`) : formatFollowUp(f.follow_up_date)),
  },
  { header: 'customer_name', label: 'customer', value: (f) => f.customer_name },
  { header: 'phone', value: (f) => f.phone },
  { header: 'email', value: (f) => f.email },
  { header: 'note', value: (f) => f.note, display: (f) => preview(f.note) },
];

export function registerFollowups(program: Command, session: Session): void {
  const windows = ['overdue', 'today', 'week', 'until'];
  const exclusive = (name: string) => windows.filter((other) => other !== name);
  program
    .command('followups')
    .description('pending follow-ups, soonest first (of customers not archived)')
    .addOption(new Option('--overdue', 'only those due before today').conflicts(exclusive('overdue')))
    .addOption(new Option('--today', 'due by the end of today (overdue included)').conflicts(exclusive('today')))
    .addOption(new Option('--week', 'due within 7 days, today included (overdue included)').conflicts(exclusive('week')))
    .addOption(
      new Option('--until <date>', 'due on or before DATE: YYYY-MM-DD, date-time, today, tomorrow, +3d, +2w, +1m').conflicts(
        exclusive('until'),
      ),
    )
    .option('--owner <owner>', 'only customers of this owner (case-insensitive)')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS))
    .option('--json', 'print JSON (same as --format json)')
    .option('--wide', 'table: every cell in full, even wider than the terminal')
    .addOption(new Option('--ics', 'print an iCalendar (.ics) of the follow-ups instead').conflicts(['format', 'json', 'wide']))
    .option('-o, --out <file>', 'with --ics: write the calendar to FILE (default: stdout)')
    .option('-f, --force', 'replace the --out file if it exists (on a terminal you are asked)')
    .addOption(new Option('-n, --limit <n>', `follow-ups per page (default on a terminal: ${DEFAULT_PAGE_SIZE})`).conflicts(['all', 'ics']))
    .addOption(new Option('--page <n>', 'which page to show (default: 1)').conflicts(['all', 'ics']))
    .option('--all', 'every follow-up, no paging (the default when piped)')
    .addHelpText('after', HELP())
    .action((options: FollowupsOptions) => runFollowups(session, options));
}

export async function runFollowups(session: Session, options: FollowupsOptions): Promise<void> {
  checkDateOption('--until', options.until, (text) => endOfDateInput(text, session.ctx.clock.now()));
  const format = chooseFormat(options, session.stdoutIsTTY);
  const window: FollowUpWindow | undefined = options.overdue
    ? 'overdue'
    : options.today
      ? 'today'
      : options.week
        ? 'week'
        : undefined;
  if (options.out !== undefined && !options.ics) throw new UsageError('--out goes with --ics (crm followups --ics --out FILE)');
  const limit = options.limit === undefined ? undefined : parsePositiveInteger(options.limit, '--limit');
  const page = options.page === undefined ? undefined : parsePositiveInteger(options.page, '--page');
  const request = { window, until: options.until, owner: options.owner };
  // A person at a terminal reads a page; a script (piped, or asking for a format) gets every row.
  const interactive = session.stdoutIsTTY && options.format === undefined && !options.json && !options.ics && !options.all;
  if (limit !== undefined || page !== undefined || interactive) {
    await printPage(session, request, { limit: limit ?? DEFAULT_PAGE_SIZE, page }, format, options.wide);
    return;
  }
  const rows = (await session.services()).reports.followups(request);
  if (options.ics) {
    await writeCalendar(session, rows, options);
    return;
  }
  let count = 0;
  let overdue = 0;
  const counted = async function* () {
    for await (const row of rows) {
      count += 1;
      if (row.overdue) overdue += 1;
      yield row;
    }
  };
  if (format !== 'table') {
    await session.out.stream(counted(), followUpColumns, format, (row) => row);
    return;
  }
  const shown: FollowUp[] = [];
  for await (const row of counted()) shown.push(row);
  if (count === 0) {
    session.info('no pending follow-ups');
    return;
  }
  session.out.list(shown, followUpColumns, format, () => shown, { wide: options.wide });
  session.info(`${count} follow-up${count === 1 ? '' : 's'}${overdue ? `, ${overdue} overdue` : ''}`);
}

async function printPage(
  session: Session,
  request: FollowUpRequest,
  paging: { limit: number; page?: number },
  format: Format,
  wide: boolean | undefined,
): Promise<void> {
  const result = await (await session.services()).reports.followupsPage(request, paging);
  if (result.total === 0) {
    session.info('no pending follow-ups');
    return;
  }
  const { followUps } = result;
  if (followUps.length > 0 || format !== 'table') session.out.list(followUps, followUpColumns, format, () => followUps, { wide });
  session.info(pageFooter(result));
}

/** What the page leaves out, and the options that show it. */
function pageFooter({ followUps, total, overdue, offset, page, limit }: FollowUpPage): string {
  const overdueText = overdue === 0 ? '' : `, ${overdue} overdue`;
  const shown = followUps.length;
  if (shown === 0) return `page ${page} is past the end: ${total} follow-up(s) make ${Math.ceil(total / limit)} page(s) of ${limit}`;
  const last = offset + shown;
  if (last < total) {
    return `showing ${offset + 1}–${last} of ${total} follow-ups${overdueText}; ${total - last} more: --page ${page + 1} for the next, --all for everything`;
  }
  if (offset > 0) return `showing ${offset + 1}–${last} of ${total} follow-ups${overdueText}`;
  return `${total} follow-up${total === 1 ? '' : 's'}${overdueText}`;
}

/** The whole calendar is built before anything is written, so a failed read leaves no half file. */
async function writeCalendar(session: Session, rows: AsyncIterable<FollowUp>, options: FollowupsOptions): Promise<void> {
  const followUps: FollowUp[] = [];
  for await (const row of rows) followUps.push(row);
  // Loaded here: the calendar writer is for --ics alone, not for every start of crm.
  const { followUpCalendar } = await import('../../calendar.js');
  const text = followUpCalendar(followUps, session.ctx.clock.now());
  if (options.out === undefined) {
    session.out.write(text);
    return;
  }
  const file = path.resolve(session.ctx.cwd, options.out);
  session.refuseDatabaseFile(file, 'the calendar');
  await session.mayReplace(file, options.out, options.force);
  const output = new FileOutput(file, session.ctx.hooks?.openFileStream);
  try {
    output.stream.write(text);
    await output.commit();
  } catch (error) {
    output.abort();
    throw output.failure ?? error;
  }
  session.success(`wrote ${followUps.length} follow-up${followUps.length === 1 ? '' : 's'} to ${options.out}`);
}
