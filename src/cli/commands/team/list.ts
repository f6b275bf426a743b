import { Option, type Command } from 'commander';
import type { TeamMember } from '../../../repositories/ports.js';
import { chooseFormat, FORMATS, type Column } from '../../output.js';
import type { Session } from '../../session.js';
import { requireTeamDatabase } from './team-database.js';

export interface TeamListOptions {
  team?: string;
  json?: boolean;
  wide?: boolean;
  format?: string;
}

const memberColumns: ReadonlyArray<Column<TeamMember>> = [
  { header: 'login', value: (m) => m.login },
  { header: 'team', value: (m) => m.team },
  {
    header: 'is_manager',
    label: 'manager',
    value: (m) => m.is_manager,
    display: (m, paint) => (m.is_manager ? paint.green('yes') : paint.dim('no')),
  },
  { header: 'created_at', label: 'joined', value: (m) => m.created_at, display: (m) => m.created_at.slice(0, 10) },
];

export function registerTeamList(team: Command, session: Session): void {
  team
    .command('list')
    .alias('ls')
    .description("list the team's members: login, team, manager or not, and when they joined")
    .option('--team <name>', 'only this team (the owner of schema crm sees every team)')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS))
    .option('--json', 'print JSON (same as --format json): [{"login", "team", "is_manager", "created_at"}]')
    .option('--wide', 'table: every cell in full, even wider than the terminal')
    .addHelpText(
      'after',
      `
A member sees the members of their own team only; the owner of schema crm sees every
team's. Ordered by team, then login.

Examples:
  $ crm team list
  $ crm team list --json | jq -r '.[] | select(.is_manager) | .login'`,
    )
    .action((options: TeamListOptions) => runTeamList(session, options));
}

export async function runTeamList(session: Session, options: TeamListOptions): Promise<void> {
  requireTeamDatabase(session);
  const format = chooseFormat(options, session.stdoutIsTTY);
  const members = await (await session.services()).team.list(options.team);
  session.out.list(members, memberColumns, format, () => members, { wide: options.wide });
}
