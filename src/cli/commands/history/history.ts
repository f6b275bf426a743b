import type { Command } from 'commander';
import type { Session } from '../../session.js';
import { changeText, entryHeadline, shownChanges } from './view.js';

export interface HistoryOptions {
  ref: string;
  json?: boolean;
}

export function registerHistory(program: Command, session: Session): void {
  program
    .command('history')
    .description('every change to a customer, its tags and its interactions, oldest first, field by field')
    .argument('<customer-ref>', 'id, id prefix (4+ characters) or name; a deleted customer by its id or last name')
    .option('--json', 'print the audit entries as a JSON array')
    .addHelpText(
      'after',
      `
Every insert, update and delete of the customer, its tags and its interactions, whoever made it
(crm, an import, the sqlite3 shell), including interactions deleted with the customer.
"outside crm" marks a change made by another program.

Examples:
  $ crm history "Ada Lovelace"
  $ crm history 3f2a --json | jq '.[] | select(.action == "update")'`,
    )
    .action((ref: string, options: Omit<HistoryOptions, 'ref'>) => runHistory(session, { ref, ...options }));
}

export async function runHistory(session: Session, options: HistoryOptions): Promise<void> {
  const { customer, entries } = await (await session.services()).audit.history(options.ref);
  if (customer.deleted) session.info(`"${customer.name}" has been deleted; this is what the audit log kept`);
  if (options.json) {
    session.out.json(entries);
    return;
  }
  if (entries.length === 0) session.info(`no audit entries for "${customer.name}" (its changes predate the audit log, or were pruned)`);
  const { paint } = session.out;
  for (const entry of entries) {
    session.out.line(entryHeadline(entry, paint));
    for (const change of shownChanges(entry)) session.out.line(`    ${changeText(change, paint)}`);
  }
}
