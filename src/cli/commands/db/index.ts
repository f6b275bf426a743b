import type { Command } from 'commander';
import type { Session } from '../../session.js';
import { registerDbCheck } from './check.js';
import { registerDbInit } from './init.js';
import { registerDbMigrate } from './migrate.js';
import { registerDbPath } from './path.js';
import { registerDbPruneAudit } from './prune-audit.js';
import { registerDbPush } from './push.js';
import { registerDbStatus } from './status.js';

export function registerDbCommands(program: Command, session: Session): void {
  const db = program
    .command('db')
    .description('create, inspect and maintain the database file (init, path, status, migrations, checks, audit pruning)')
    .addHelpText('after', '\nExamples:\n  $ crm db init\n  $ crm db path\n  $ crm db status\n  $ crm db check');
  registerDbInit(db, session);
  registerDbPath(db, session);
  registerDbStatus(db, session);
  registerDbMigrate(db, session);
  registerDbCheck(db, session);
  registerDbPruneAudit(db, session);
  registerDbPush(db, session);
}
