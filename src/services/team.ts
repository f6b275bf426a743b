import { UsageError } from '../domain/errors.js';
import type { Store, TeamMember, TeamRepository } from '../repositories/ports.js';

/** Why team commands cannot run on this database: only a team's server has members. */
export function noTeamsMessage(location: string): string {
  return `teams and members exist only on a team database on a PostgreSQL server (--db postgres://USER@HOST/DATABASE); ${location} is a local file`;
}

/** The store's team repository; a database without one (a SQLite file) is a usage error. */
export function teamRepositoryOf(store: Store): TeamRepository {
  const { team } = store.repositories;
  if (!team) throw new UsageError(noTeamsMessage(store.location));
  return team;
}

/** What `crm team add` changed. */
export interface MemberChange {
  login: string;
  team: string;
  is_manager: boolean;
  /** added: a new member; promoted/demoted: the manager flag changed; unchanged: nothing to do. */
  change: 'added' | 'promoted' | 'demoted' | 'unchanged';
}

/**
 * `crm team add|list|remove`. The server decides who may (drizzle/pg/0001_rules.sql): the
 * schema's owner for any team, a manager for their own; everyone else is refused there.
 */
export class TeamService {
  constructor(private readonly store: Store) {}

  private get teams(): TeamRepository {
    return teamRepositoryOf(this.store);
  }

  list(team?: string): Promise<TeamMember[]> {
    return this.store.read(() => this.teams.listMembers(team));
  }

  /**
   * Adds a member, or changes whether an existing one is a manager. `manager` undefined keeps
   * an existing member's flag (a new member is not a manager), so re-running `team add bob`
   * never demotes a manager by accident.
   */
  async add(login: string, manager: boolean | undefined, team?: string): Promise<MemberChange> {
    const name = checkLogin(login);
    const teams = this.teams;
    return this.store.write(async () => {
      const before = (await teams.listMembers(team)).find((member) => member.login === name);
      const wanted = manager ?? before?.is_manager ?? false;
      if (before && before.is_manager === wanted) {
        return { login: name, team: before.team, is_manager: wanted, change: 'unchanged' };
      }
      await teams.addMember(name, wanted, team);
      const after = (await teams.listMembers(team)).find((member) => member.login === name);
      const change = !before ? 'added' : wanted ? 'promoted' : 'demoted';
      return { login: name, team: after?.team ?? team ?? '', is_manager: wanted, change };
    });
  }

  /** Removes a member from the team: their role stays on the server, without access to crm. */
  async remove(login: string, team?: string): Promise<{ login: string; team: string }> {
    const name = checkLogin(login);
    const teams = this.teams;
    return this.store.write(async () => {
      const before = (await teams.listMembers(team)).find((member) => member.login === name);
      await teams.removeMember(name, team);
      return { login: name, team: before?.team ?? team ?? '' };
    });
  }
}

function checkLogin(login: string): string {
  if (!login.trim()) throw new UsageError('a login is needed: the PostgreSQL role the member connects as');
  return login;
}
