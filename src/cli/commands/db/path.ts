import type { Command } from 'commander';
import type { Session } from '../../session.js';

export function registerDbPath(db: Command, session: Session): void {
  db.command('path')
    .description('print the database file in use (without creating or opening it)')
    .addHelpText(
      'after',
      '\nThe file is --db PATH, else $CRM_DB, else $XDG_DATA_HOME/crm/crm.db\n(~/.local/share/crm/crm.db).\n\nExamples:\n  $ crm db path\n  $ sqlite3 "$(crm db path)" .schema',
    )
    .action(() => runDbPath(session));
}

export function runDbPath(session: Session): void {
  session.out.line(session.databasePath);
}
