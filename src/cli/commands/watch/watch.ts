import type { Command } from 'commander';
import type { AuditEntry } from '../../../domain/audit.js';
import { parseTableName } from '../../../domain/audit.js';
import { UsageError } from '../../../domain/errors.js';
import type { Session } from '../../session.js';
import { changeText, entryHeadline, shownChanges } from '../history/view.js';

export const DEFAULT_WATCH_INTERVAL_MS = 250;

export interface WatchCommandOptions {
  table?: string;
  json?: boolean;
  interval?: string;
}

export function registerWatch(program: Command, session: Session): void {
  program
    .command('watch')
    .description('print each change to the data as it lands, made by any process, until Ctrl-C')
    .option('--table <table>', 'only changes to products, customers, customer_interactions, customer_external_ids, customer_tags, companies or settings')
    .option('--json', 'one JSON object per line (the audit entry, as `history --json`)')
    .option('--interval <ms>', `how often to look for changes (default ${DEFAULT_WATCH_INTERVAL_MS})`)
    .addHelpText(
      'after',
      `
Changes come from the audit log, so writes by other terminals, imports, cron jobs and the
sqlite3 shell all show up, within the interval. Starts with changes made from now on.
When idle it asks SQLite one cheap question per interval; on a team's PostgreSQL server it
waits for the server's notification instead, and shows only your team's changes, with the
member who made them. Ctrl-C stops it (exit 0).

Examples:
  $ crm watch
  $ crm watch --table customers
  $ crm watch --json | jq -c 'select(.action == "delete")'`,
    )
    .action((options: WatchCommandOptions) => runWatch(session, options));
}

function parseInterval(text: string | undefined): number {
  if (text === undefined) return DEFAULT_WATCH_INTERVAL_MS;
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms < 10 || ms > 60_000) {
    throw new UsageError(`invalid --interval "${text}": use a whole number of milliseconds from 10 to 60000`);
  }
  return ms;
}

export async function runWatch(session: Session, options: WatchCommandOptions): Promise<void> {
  const table = options.table === undefined ? undefined : parseTableName(options.table);
  const intervalMs = parseInterval(options.interval);
  const { paint } = session.out;
  const print = options.json
    ? (entry: AuditEntry) => session.out.line(JSON.stringify(entry))
    : (entry: AuditEntry) => {
        // One line per change; the headline's timestamp already says when it was updated.
        const changes = entry.action === 'update' || entry.record_id === null ? shownChanges(entry) : [];
        const details = changes.filter((change) => change.field !== 'updated_at').map((change) => changeText(change, paint));
        const headline = entryHeadline(entry, paint);
        session.out.line(details.length > 0 ? `${headline}  ${details.join('; ')}` : headline);
      };
  const watch = await (await session.services()).audit.watch({ table, intervalMs }, print);
  // Listening for Ctrl-C before saying so: a signal that arrives between the two would
  // otherwise find no listener and end the process with Node's default (killed by SIGINT).
  const interrupted = session.ctx.waitForInterrupt();
  // Also the signal, for a script or test driving watch, that changes from now on will show.
  session.info('watching for changes; Ctrl-C to stop');
  try {
    // `crm watch | head -3`: the renderer throws once the reader is gone, which fails the watch
    // and ends the command quietly there.
    await Promise.race([interrupted, watch.failed]);
  } finally {
    watch.stop();
  }
}
