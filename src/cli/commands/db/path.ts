import type { Command } from 'commander';
import { loadedServices } from '../../layers.js';
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

/** A team server's URL is printed without its password, which must never be shown. */
export function runDbPath(session: Session): void {
  const location = session.databasePath;
  session.out.line(session.onServer ? loadedServices().redactPasswords(location) : location);
}
