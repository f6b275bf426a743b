import type { Command } from 'commander';
import type { Session } from '../../session.js';
import { requireTeamDatabase, teamLabel } from './team-database.js';

export interface TeamAddOptions {
  manager?: boolean;
  team?: string;
  json?: boolean;
}

export function registerTeamAdd(team: Command, session: Session): void {
  team
    .command('add')
    .description('make an existing PostgreSQL login role a member of the team, or change whether it is a manager')
    .argument('<login>', 'the PostgreSQL role the member connects as (created first: CREATE ROLE bob LOGIN)')
    .option('--manager', 'a manager: may write products, edit or delete any customer, and manage members')
    .option('--no-manager', 'an existing manager becomes a plain member')
    .option('--team <name>', 'the team, for the owner of schema crm when the server holds several')
    .option('--json', 'print {"login", "team", "is_manager", "change"} as JSON')
    .addHelpText(
      'after',
      `
Only a manager of the team, or the owner of schema crm, may add members. The role must
exist on the server and must not bypass row-level security (no superuser, no BYPASSRLS,
not the schema's owner); a role belongs to one team at most. Without --manager or
--no-manager an existing member keeps their standing, so running it again changes
nothing. "change" is added, promoted, demoted or unchanged.

Examples:
  $ crm team add bob
  $ crm team add carol --manager
  $ crm team add bob --team "Acme Consulting"`,
    )
    .action((login: string, options: TeamAddOptions) => runTeamAdd(session, login, options));
}

export async function runTeamAdd(session: Session, login: string, options: TeamAddOptions): Promise<void> {
  requireTeamDatabase(session);
  const result = await (await session.services()).team.add(login, options.manager, options.team);
  if (options.json) session.out.json(result);
  const team = teamLabel(result.team);
  switch (result.change) {
    case 'added':
      session.success(`added ${result.login} to ${team}${result.is_manager ? ' as a manager' : ''}`);
      return;
    case 'promoted':
      session.success(`${result.login} is now a manager of ${team}`);
      return;
    case 'demoted':
      session.success(`${result.login} is no longer a manager of ${team}`);
      return;
    case 'unchanged':
      session.info(`${result.login} is already a ${result.is_manager ? 'manager' : 'member'} of ${team}; nothing changed`);
  }
}
