import { Option, type Command } from 'commander';
import { UsageError } from '../../../domain/errors.js';
import { formatLocalDay, instantBefore, parseDuration } from '../../../domain/time.js';
import type { Customer } from '../../../domain/types.js';
import { CUSTOMER_STATUSES } from '../../../domain/vocabulary.js';
import { shortId } from '../../../domain/ids.js';
import { chooseFormat, type Column } from '../../output.js';
import { checkDateOption } from '../../parse.js';
import type { Session } from '../../session.js';
import { renderArchiveChange } from './archive-view.js';

export interface CustomerArchiveOptions {
  refs: string[];
  status?: string;
  olderThan?: string;
  dryRun?: boolean;
  json?: boolean;
}

const HELP = `
Archived customers stay in the file but leave lists, searches and reports;
\`crm customer restore\` brings them back. With --status and --older-than (the
cron form) every customer in that stage whose updated_at is strictly older than
the duration is archived, in short transactions that wait for other writers;
it never prompts and exits 0 when there is nothing to do. On a team's server a
member archives the customers they own; a manager, every customer of the team.

Durations: 90d, 12w, 6m, 2y (days, weeks, calendar months, calendar years).

Examples:
  $ crm customer archive "ada lovelace"
  $ crm customer archive 3f2a 9bc1 "Acme Ltd" --json
  $ crm customer archive --status closed_lost --older-than 90d --dry-run
  $ crm customer archive --status closed_lost --older-than 90d --json

Crontab (nightly at 02:30; cron's PATH and environment are minimal, so give
the full path of crm and --db):
  30 2 * * * /usr/local/bin/crm --db ~/.local/share/crm/crm.db customer archive --status closed_lost --older-than 90d >> ~/crm-cron.log 2>&1`;

export function registerCustomerArchive(customer: Command, session: Session): void {
  customer
    .command('archive')
    .description('archive customers by ref, or every stale one in a stage (--status S --older-than D, for cron)')
    .argument('[ref...]', 'id, id prefix (4+ characters) or name')
    .addOption(new Option('--status <status>', 'cron form: the pipeline stage to archive from').choices(CUSTOMER_STATUSES))
    .option('--older-than <duration>', 'cron form: archive those not updated for this long (90d, 12w, 6m, 2y)')
    .option('--dry-run', 'cron form: list what would be archived and change nothing')
    .option('--json', 'print JSON: the customers (by ref), or {count, ids, ...} (cron form)')
    .addHelpText('after', HELP)
    .action((refs: string[], options: Omit<CustomerArchiveOptions, 'refs'>) =>
      runCustomerArchive(session, { refs, ...options }),
    );
}

export async function runCustomerArchive(session: Session, options: CustomerArchiveOptions): Promise<void> {
  const cronForm = options.status !== undefined || options.olderThan !== undefined;
  if (cronForm && options.refs.length > 0) {
    throw new UsageError('give customer refs or --status with --older-than, not both');
  }
  if (!cronForm) {
    if (options.dryRun) throw new UsageError('--dry-run goes with --status and --older-than');
    if (options.refs.length === 0) {
      throw new UsageError('missing customer ref (or --status S --older-than DURATION to archive stale customers)');
    }
    const result = await (await session.services()).customers.setArchived(options.refs, true);
    renderArchiveChange(session, result, 'archived', options.json);
    return;
  }
  if (options.status === undefined) throw new UsageError('--older-than needs --status (the stage to archive from)');
  if (options.olderThan === undefined) throw new UsageError('--status needs --older-than (e.g. --older-than 90d)');
  checkDateOption('--older-than', options.olderThan, (text) => instantBefore(session.ctx.clock.now(), parseDuration(text)));
  await runStaleArchive(session, { ...options, status: options.status, olderThan: options.olderThan });
}

const staleColumns: ReadonlyArray<Column<Customer>> = [
  { header: 'id', value: (c) => c.id, display: (c) => shortId(c.id) },
  { header: 'name', value: (c) => c.name },
  { header: 'status', value: (c) => c.status },
  { header: 'owner', value: (c) => c.owner },
  { header: 'updated_at', value: (c) => c.updated_at, display: (c) => formatLocalDay(c.updated_at) },
];

async function runStaleArchive(
  session: Session,
  options: CustomerArchiveOptions & { status: string; olderThan: string },
): Promise<void> {
  const result = await (await session.services()).archive.archiveStale({
    status: options.status,
    olderThan: options.olderThan,
    dryRun: options.dryRun,
    listIds: Boolean(options.json),
  });
  if (options.json) {
    const { customers: _listedForDryRun, ...summary } = result;
    session.out.json(summary);
  } else if (result.dry_run && result.count > 0) {
    session.out.list(result.customers, staleColumns, chooseFormat({}, session.stdoutIsTTY), () => result.customers);
  }
  const which = `${result.status} customer${result.count === 1 ? '' : 's'} not updated since ${formatLocalDay(result.cutoff)}`;
  if (result.dry_run) session.info(`would archive ${result.count} ${which} (dry run: nothing changed)`);
  else if (result.count === 0) session.info(`no ${which}; nothing to archive`);
  else session.success(`archived ${result.count} ${which}`);
}
