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
      '\nPrints each check as ok or FAIL; exits 1 when any fails (usable from cron).\n\nExamples:\n  $ crm db check\n  $ crm db check --json | jq \'.checks[] | select(.ok | not)\'',
    )
    .action((options: DbCheckOptions) => runDbCheck(session, options));
}

export async function runDbCheck(session: Session, options: DbCheckOptions): Promise<void> {
  const result = (await session.services()).database.check();
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
