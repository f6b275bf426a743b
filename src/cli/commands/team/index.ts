import type { Command } from 'commander';
import type { Session } from '../../session.js';
import { registerTeamAdd } from './add.js';
import { registerTeamList } from './list.js';
import { registerTeamRemove } from './remove.js';

export function registerTeamCommands(program: Command, session: Session): void {
  const team = program
    .command('team')
    .description('manage the members of a team database on a PostgreSQL server (add, list, remove)')
    .addHelpText(
      'after',
      `
Each member connects as their own PostgreSQL role (--db postgres://LOGIN@HOST/DATABASE);
the server's row-level security shows them their team's records only. The owner of
schema crm (the role that ran crm db init --team) manages every team, naming it with
--team when there are several; a manager manages their own team. A local SQLite file has
no teams: these commands refuse it (exit 2).

Examples:
  $ crm team add bob
  $ crm team add carol --manager
  $ crm team list
  $ crm team remove bob`,
    );
  registerTeamAdd(team, session);
  registerTeamList(team, session);
  registerTeamRemove(team, session);
}
