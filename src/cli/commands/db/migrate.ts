import type { Command } from 'commander';
import type { Session } from '../../session.js';

export interface DbMigrateOptions {
  json?: boolean;
}

export function registerDbMigrate(db: Command, session: Session): void {
  db.command('migrate')
    .description('apply pending schema migrations (every command also does this when it opens the file)')
    .option('--json', 'print what was applied as JSON')
    .addHelpText(
      'after',
      `
A file written by a newer crm is refused, never downgraded.

On a team database (--db postgres://...) only the owner of schema crm can migrate it (the
role that ran crm db init); a member is refused in one line. Other commands never
migrate a server's schema.

Examples:
  $ crm db migrate
  $ crm --db ~/backups/old.db db migrate`,
    )
    .action((options: DbMigrateOptions) => runDbMigrate(session, options));
}

export async function runDbMigrate(session: Session, options: DbMigrateOptions): Promise<void> {
  session.allowCreatingDatabase();
  const report = await (await session.services()).database.migrate();
  if (options.json) session.out.json(report);
  const version = `schema version ${report.schema.applied.length} of ${report.schema.known}`;
  if (report.applied.length === 0) {
    session.info(`database is up to date (${version})`);
    return;
  }
  session.success(`applied ${report.applied.length} migration(s): ${report.applied.join(', ')} (${version})`);
}
