import type { Command } from 'commander';
import fs from 'node:fs';
import type { Session } from '../../session.js';

export interface DbInitOptions {
  json?: boolean;
}

export function registerDbInit(db: Command, session: Session): void {
  db.command('init')
    .description('create an empty database file (and its folder) with the current schema')
    .option('--json', 'print {"path", "created", "applied", "schema"} as JSON')
    .addHelpText(
      'after',
      `
Only this command, add (product, customer), import (not --dry-run) and db migrate
create a missing database; every other command fails naming the path. On an existing
crm database it changes nothing but pending migrations, says so, and exits 0, so a
setup script can run it every time.

Examples:
  $ crm db init
  $ crm --db ~/clients/acme.db db init`,
    )
    .action((options: DbInitOptions) => runDbInit(session, options));
}

export async function runDbInit(session: Session, options: DbInitOptions): Promise<void> {
  const file = session.databasePath;
  const existed = file !== ':memory:' && fs.existsSync(file);
  session.allowCreatingDatabase();
  const report = (await session.services()).database.migrate();
  if (options.json) session.out.json({ path: file, created: !existed, ...report });
  const version = `schema version ${report.schema.applied.length} of ${report.schema.known}`;
  if (!existed) {
    session.success(`created an empty database at ${file} (${version})`);
  } else if (report.applied.length > 0) {
    session.success(`a database already exists at ${file}; applied ${report.applied.length} migration(s): ${report.applied.join(', ')} (${version})`);
  } else {
    session.info(`a database already exists at ${file} (${version}); nothing changed`);
  }
}
