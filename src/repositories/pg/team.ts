import { ConflictError, NotFoundError, RuleViolationError, UsageError, ValidationError } from '../../domain/errors.js';
import type { TeamMember, TeamRepository } from '../ports.js';
import { connectedRole, requireSchemaAccess } from './access.js';
import { translatePgError } from './errors.js';
import type { PgSession } from './store.js';

/**
 * The server's own refusals from crm_create_team / crm_team_add / crm_team_remove
 * (drizzle/pg/0001_rules.sql) already read as a sentence for the user; they keep their text
 * and get the exit status of their kind. Anything else goes through the store's translation.
 */
function teamError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case '42501':
      return new RuleViolationError(message);
    case '42704':
      return new NotFoundError(message);
    case '22023':
      // A missing --team is a usage error; a team that is not there is not found, as for refs.
      if (message.startsWith('name the team')) return new UsageError(`${message}: pass --team NAME`);
      return message.startsWith('no team named') ? new NotFoundError(message) : new ValidationError(message);
    case '23505':
      return new ConflictError(message);
    default:
      return translatePgError(error);
  }
}

export class PgTeamRepository implements TeamRepository {
  constructor(private readonly session: PgSession) {}

  /** A call of one of the server's team functions, its refusals kept as the server worded them. */
  private async call(text: string, values: unknown[]): Promise<Array<Record<string, unknown>>> {
    await this.requireAccess();
    try {
      return (await this.session.client.query(text, values)).rows;
    } catch (error) {
      throw teamError(error);
    }
  }

  /** A role that cannot use schema crm would be told "permission denied for schema crm"; this says why. */
  private async requireAccess(): Promise<void> {
    requireSchemaAccess(await connectedRole(this.session));
  }

  async findTeam(name: string): Promise<{ id: string; name: string } | undefined> {
    const rows = await this.session.query<{ id: string; name: string }>(`SELECT id, name FROM crm.teams WHERE name = $1`, [name]);
    return rows[0];
  }

  async createTeam(name: string): Promise<string> {
    const rows = await this.call(`SELECT crm.crm_create_team($1) AS id`, [name]);
    return String(rows[0]!.id);
  }

  async listMembers(team?: string): Promise<TeamMember[]> {
    await this.requireAccess();
    const rows = await this.session.query<TeamMember>(
      `SELECT m.login, t.name AS team, m.is_manager, m.created_at
         FROM crm.team_members AS m JOIN crm.teams AS t ON t.id = m.team_id
        WHERE $1::text IS NULL OR t.name = $1
        ORDER BY t.name, m.login`,
      [team ?? null],
    );
    // A team the role cannot see (another team's) is as unknown to it as one that does not exist.
    if (rows.length === 0 && team !== undefined && !(await this.findTeam(team))) {
      throw new NotFoundError(`no team named ${team}`);
    }
    return rows;
  }

  async addMember(login: string, manager: boolean, team?: string): Promise<void> {
    await this.call(`SELECT crm.crm_team_add($1, $2, $3)`, [login, manager, team ?? null]);
  }

  async removeMember(login: string, team?: string): Promise<void> {
    await this.call(`SELECT crm.crm_team_remove($1, $2)`, [login, team ?? null]);
  }
}
