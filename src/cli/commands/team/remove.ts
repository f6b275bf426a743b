import type { Command } from 'commander';
import type { Session } from '../../session.js';
import { requireTeamDatabase, teamLabel } from './team-database.js';

export interface TeamRemoveOptions {
  team?: string;
  json?: boolean;
}

export function registerTeamRemove(team: Command, session: Session): void {
  team
    .command('remove')
    .alias('rm')
    .description("remove a member from the team: their role stays on the server, without access to the team's records")
    .argument('<login>', "the member's PostgreSQL role")
    .option('--team <name>', 'the team, for the owner of schema crm when the server holds several')
    .option('--json', 'print {"login", "team"} as JSON')
    .addHelpText(
      'after',
      `
Only a manager of the team, or the owner of schema crm, may remove members. The
records the member wrote stay, and the audit log keeps naming them.

Examples:
  $ crm team remove bob
  $ crm team remove bob --team "Acme Consulting"`,
    )
    .action((login: string, options: TeamRemoveOptions) => runTeamRemove(session, login, options));
}

export async function runTeamRemove(session: Session, login: string, options: TeamRemoveOptions): Promise<void> {
  requireTeamDatabase(session);
  const result = await (await session.services()).team.remove(login, options.team);
  if (options.json) session.out.json(result);
  session.success(`removed ${result.login} from ${teamLabel(result.team)}`);
}
