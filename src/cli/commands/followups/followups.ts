import { Option, type Command } from 'commander';
import { endOfDateInput, formatFollowUp } from '../../../domain/time.js';
import type { FollowUp, FollowUpWindow } from '../../../services/reports.js';
import { chooseFormat, FORMATS, type Column } from '../../output.js';
import { checkDateOption } from '../../parse.js';
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
}

const HELP = `
A follow-up is the --follow-up date of a customer's latest interaction; it stays
pending until a newer interaction is logged for that customer. Archived customers
are left out. Soonest first; overdue ones (due before today) are marked.

Examples:
  $ crm followups --today
  $ crm followups --week --owner alice
  $ crm followups --until 2026-12-31 --format csv > followups.csv
  $ crm followups --overdue --json`;

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
    .addHelpText('after', HELP)
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
  const rows = (await session.services()).reports.followups({ window, until: options.until, owner: options.owner });
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
