import type { Command } from 'commander';
import { parseInstantOrAgo } from '../../../domain/time.js';
import { checkDateOption } from '../../parse.js';
import type { Session } from '../../session.js';

export interface DbPruneAuditOptions {
  before: string;
  yes?: boolean;
  json?: boolean;
}

export function registerDbPruneAudit(db: Command, session: Session): void {
  db.command('prune-audit')
    .description('delete audit log entries recorded before a date (the only way to remove them)')
    .requiredOption('--before <date>', 'cut-off: YYYY-MM-DD, an ISO date-time, today, or a duration ago (90d, 6m, 1y)')
    .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)')
    .option('--json', 'print {"before", "deleted"} as JSON')
    .addHelpText(
      'after',
      `
The audit log is append-only: SQLite refuses any UPDATE, and any DELETE except inside
this command's transaction, and only for entries older than --before. The prune itself is
recorded as an audit entry (action "prune") with the cut-off and the count. A cut-off
in the future (which would empty the log) is refused with exit 2.

Examples:
  $ crm db prune-audit --before 2025-01-01
  $ crm db prune-audit --before 1y --yes`,
    )
    .action((options: DbPruneAuditOptions) => runDbPruneAudit(session, options));
}

export async function runDbPruneAudit(session: Session, options: DbPruneAuditOptions): Promise<void> {
  checkDateOption('--before', options.before, (text) => parseInstantOrAgo(text, session.ctx.clock.now()));
  const audit = (await session.services()).audit;
  const plan = await audit.planPrune(options.before);
  if (plan.count === 0) {
    if (options.json) session.out.json({ before: plan.before, deleted: 0 });
    session.info(`no audit entries recorded before ${plan.before}; nothing to prune`);
    return;
  }
  await session.confirm(
    `pruning ${plan.count} audit entries`,
    `Delete ${plan.count} audit entries recorded before ${plan.before}? This cannot be undone`,
    options.yes,
  );
  const result = await audit.prune(plan.before);
  if (options.json) session.out.json(result);
  session.success(`pruned ${result.deleted} audit entries recorded before ${result.before}`);
}
