import type { Command } from 'commander';
import type { Session } from '../../session.js';
import { registerDbPruneAudit } from './prune-audit.js';

export function registerDbCommands(program: Command, session: Session): void {
  const db = program.command('db').description('the database file: maintenance of the audit log');
  registerDbPruneAudit(db, session);
}
