import type { Command } from 'commander';
import { CheckFailedError } from '../../../domain/errors.js';
import type { Session } from '../../session.js';

export interface DbCheckOptions {
  json?: boolean;
}

export function registerDbCheck(db: Command, session: Session): void {
  db.command('check')
    .description('verify integrity, foreign keys, expected triggers and indexes, and connection settings')
    .option('--json', 'print the checks as JSON')
    .addHelpText(
      'after',
      `
Prints each check as ok or FAIL; exits 1 when any fails (usable from cron).

On a team database (--db postgres://...) the checks are: migrations; triggers (present and
enabled), indexes, policies and functions (present, each pinning its search_path);
row_level_security (enabled on every team table); role (the connected role, if a member,
does not bypass row-level security); members (no member does); foreign_keys (present and
enforced); foreign_key_check (no row, among those the role can see, points to a missing
row or to another team's).

Examples:
  $ crm db check
  $ crm db check --json | jq '.checks[] | select(.ok | not)'`,
    )
    .action((options: DbCheckOptions) => runDbCheck(session, options));
}

export async function runDbCheck(session: Session, options: DbCheckOptions): Promise<void> {
  const result = await (await session.services()).database.check();
  if (options.json) {
    session.out.json(result);
  } else {
    const { paint } = session.out;
    const width = Math.max(...result.checks.map((check) => check.name.length));
    for (const check of result.checks) {
      const verdict = check.ok ? paint.green('ok  ') : paint.red('FAIL');
      session.out.line(`${verdict}  ${check.name.padEnd(width)}  ${check.detail}`);
    }
  }
  const failed = result.checks.filter((check) => !check.ok).map((check) => check.name);
  if (failed.length > 0) throw new CheckFailedError(`database check failed: ${failed.join(', ')}`);
}
