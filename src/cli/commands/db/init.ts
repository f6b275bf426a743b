import type { Command } from 'commander';
import fs from 'node:fs';
import { UsageError } from '../../../domain/errors.js';
import type { Session } from '../../session.js';

export interface DbInitOptions {
  json?: boolean;
  team?: string;
}

export function registerDbInit(db: Command, session: Session): void {
  db.command('init')
    .description('create an empty database file (and its folder) with the current schema, or a team database on a server')
    .option('--team <name>', 'team database (--db postgres://...): the team to create with the schema')
    .option('--json', 'print {"path", "created", "applied", "schema"} as JSON')
    .addHelpText(
      'after',
      `
Only this command, add (product, customer), import (not --dry-run) and db migrate
create a missing database; every other command fails naming the path. On an existing
crm database it changes nothing but pending migrations, says so, and exits 0, so a
setup script can run it every time.

On a PostgreSQL server (--db postgres://... or CRM_DB), --team NAME is required: run by
a role allowed to create schemas in the database, it creates schema crm (that role owns
it and administers every team) and the team. Run again, it applies pending migrations
and creates the team if none has that name, and otherwise changes nothing. --json prints
{"server", "created", "applied", "schema", "team", "team_created"} there. Members are
added with crm team add.

Examples:
  $ crm db init
  $ crm --db ~/clients/acme.db db init
  $ crm --db postgres://crm_admin@db.example.com/agency db init --team "Acme Consulting"`,
    )
    .action((options: DbInitOptions) => runDbInit(session, options));
}

export async function runDbInit(session: Session, options: DbInitOptions): Promise<void> {
  if (session.onServer) {
    await runTeamInit(session, options);
    return;
  }
  if (options.team !== undefined) {
    throw new UsageError('--team is for a team database on a PostgreSQL server (--db postgres://USER@HOST/DATABASE); a SQLite file has no teams');
  }
  const file = session.databasePath;
  const existed = file !== ':memory:' && fs.existsSync(file);
  session.allowCreatingDatabase();
  const report = await (await session.services()).database.migrate();
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

/** The server's messages name it by report.server, which never holds a password (the URL may). */
async function runTeamInit(session: Session, options: DbInitOptions): Promise<void> {
  if (options.team === undefined) {
    throw new UsageError('a team database needs a team name: crm db init --team "Acme Consulting" creates the schema and that team');
  }
  const report = await (await session.services()).database.initTeam(options.team);
  if (options.json) session.out.json(report);
  const version = `schema version ${report.schema.applied.length} of ${report.schema.known}`;
  const team = `team "${report.team}"`;
  const next = `add members with crm team add LOGIN`;
  if (report.created) {
    session.success(`created schema crm and ${team} on ${report.server} (${version}); ${next}`);
  } else if (report.team_created) {
    const applied = report.applied.length ? `; applied ${report.applied.length} migration(s): ${report.applied.join(', ')}` : '';
    session.success(`created ${team} on ${report.server} (${version}${applied}); ${next} --team "${report.team}"`);
  } else if (report.applied.length > 0) {
    session.success(`${team} already exists on ${report.server}; applied ${report.applied.length} migration(s): ${report.applied.join(', ')} (${version})`);
  } else {
    session.info(`${team} already exists on ${report.server} (${version}); nothing changed`);
  }
}
