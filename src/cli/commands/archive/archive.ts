import type { Command } from 'commander';
import path from 'node:path';
import { instantBefore, parseDuration } from '../../../domain/time.js';
import type { MoveResult } from '../../../services/archive.js';
import { loadedServices } from '../../layers.js';
import { checkDateOption } from '../../parse.js';
import type { Session } from '../../session.js';

export interface ArchiveOptions {
  to: string;
  olderThan?: string;
  interactionsOlderThan?: string;
  dryRun?: boolean;
  json?: boolean;
}

const HELP = `
Moves rows out of the working database into a separate archive database with
the same schema: a SQLite file (created, with its migrations and any missing
folder, the first time something moves; a run with nothing to move creates
nothing), or a team's PostgreSQL database given by its URL (migrated, with you
a member of a team there). Either way from a SQLite file or a team's server:
  - archived customers (all of them, or those not updated for --older-than),
    with their interactions;
  - with --interactions-older-than, older interactions of any customer, with a
    copy of their customer's row (the customer stays here). The latest
    interaction of a customer in use is kept when it holds a pending follow-up.

A crash at any moment loses nothing: each batch is committed in the archive
before it is deleted here, and a rerun finishes an interrupted move.
Open the archive like any crm database:  crm --db FILE customer list --archived
On a team's server a member moves the customers they own; a manager, every
customer of the team. External ids (SQLite only) need a SQLite archive.

Examples:
  $ crm archive --to ~/crm-archive.db --dry-run
  $ crm archive --to ~/crm-archive.db --older-than 6m
  $ crm archive --to ~/crm-archive.db --older-than 1y --interactions-older-than 2y --json
  $ crm --db postgres://ann@crm.example.com/agency archive --to postgres://ann@archive.example.com/agency_archive`;

export function registerArchive(program: Command, session: Session): void {
  program
    .command('archive')
    .description('move archived customers and old interactions into a separate archive database')
    .requiredOption('--to <file|url>', 'archive database: a file (created when something moves) or a postgres:// URL')
    .option('--older-than <duration>', 'only archived customers not updated for this long (90d, 12w, 6m, 2y)')
    .option('--interactions-older-than <duration>', 'also move interactions older than this')
    .option('--dry-run', 'count what would move; change nothing and create no file')
    .option('--json', 'print the counts as JSON')
    .addHelpText('after', HELP)
    .action((options: ArchiveOptions) => runArchive(session, options));
}

export async function runArchive(session: Session, options: ArchiveOptions): Promise<void> {
  const reachBack = (text: string) => instantBefore(session.ctx.clock.now(), parseDuration(text));
  checkDateOption('--older-than', options.olderThan, reachBack);
  checkDateOption('--interactions-older-than', options.interactionsOlderThan, reachBack);
  const services = await session.services();
  const result = await services.archive.moveToArchive({
    // A team's database (issue 9) as given; a file from where the command runs.
    to: loadedServices().isPostgresUrl(options.to) ? options.to : path.resolve(session.ctx.cwd, options.to),
    olderThan: options.olderThan,
    interactionsOlderThan: options.interactionsOlderThan,
    dryRun: options.dryRun,
    onStep: session.ctx.hooks?.onArchiveStep,
  });
  if (options.json) session.out.json(result);
  reportMove(session, result);
}

function reportMove(session: Session, result: MoveResult): void {
  const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  const parts = [
    `${plural(result.customers, 'archived customer')} (with ${plural(result.customer_interactions, 'interaction')})`,
  ];
  if (result.interactions > 0) parts.push(`${plural(result.interactions, 'older interaction')}`);
  const what = `${parts.join(' and ')} to ${result.to}`;
  if (result.dry_run) session.info(`would move ${what} (dry run: nothing changed)`);
  else if (result.customers + result.interactions === 0) session.info(`nothing to move to ${result.to}`);
  else session.success(`moved ${what}`);
}
