import { NotFoundError, RuleViolationError } from '../../domain/errors.js';
import type { PgSession } from './store.js';

/** Who the connection is, as the server sees it, and what it may do with schema crm. */
export interface ConnectedRole {
  /** session_user: the role that logged in (SET ROLE does not change it). */
  role: string;
  /** Whether schema crm exists yet (not before `crm db init`). */
  schemaExists: boolean;
  /** The role that owns schema crm, when it exists. */
  schemaOwner: string | null;
  /** Owner of the schema, a member of the owner role, or a superuser: the admin. */
  isSchemaOwner: boolean;
  superuser: boolean;
  bypassRls: boolean;
  /** USAGE on schema crm: the owner, and members (crm_team_add grants it). */
  canUseSchema: boolean;
  /** The role's team (crm.crm_team()), or null for the owner and for roles that are no member. */
  teamId: string | null;
  teamName: string | null;
  isManager: boolean;
}

/**
 * Reads the catalog only until the schema is known to exist and be usable, so this works on an
 * empty database (before `db init`) and for a role that has no access yet.
 */
export async function connectedRole(session: PgSession): Promise<ConnectedRole> {
  const [base] = await session.query<{
    role: string;
    schema_owner: string | null;
    is_schema_owner: boolean | null;
    superuser: boolean;
    bypass_rls: boolean;
    can_use_schema: boolean | null;
  }>(
    `SELECT session_user::text AS role,
            n.nspowner::regrole::text AS schema_owner,
            pg_has_role(session_user, n.nspowner, 'USAGE') AS is_schema_owner,
            r.rolsuper AS superuser,
            r.rolbypassrls AS bypass_rls,
            has_schema_privilege(n.oid, 'USAGE') AS can_use_schema
       FROM pg_roles AS r LEFT JOIN pg_namespace AS n ON n.nspname = 'crm'
      WHERE r.rolname = session_user`,
  );
  const role: ConnectedRole = {
    role: base!.role,
    schemaExists: base!.schema_owner !== null,
    schemaOwner: base!.schema_owner,
    isSchemaOwner: base!.is_schema_owner === true,
    superuser: base!.superuser,
    bypassRls: base!.bypass_rls,
    canUseSchema: base!.can_use_schema === true,
    teamId: null,
    teamName: null,
    isManager: false,
  };
  if (!role.canUseSchema) return role;
  // crm_team() and crm_is_manager() are SECURITY DEFINER: they answer for members, who may not
  // read other rows of team_members. The team's name comes through teams' own policy.
  const [team] = await session.query<{ team_id: string | null; team_name: string | null; is_manager: boolean }>(
    `SELECT crm.crm_team() AS team_id, crm.crm_is_manager() AS is_manager,
            (SELECT name FROM crm.teams WHERE id = crm.crm_team()) AS team_name`,
  );
  return { ...role, teamId: team!.team_id, teamName: team!.team_name, isManager: team!.is_manager };
}

/** One line saying why a role cannot use the team database yet, and what to do about it. */
export function requireSchemaAccess(role: ConnectedRole): void {
  if (!role.schemaExists) {
    throw new NotFoundError('this database has no crm schema yet: create it with crm db init --team NAME, as the role that is to own it');
  }
  if (!role.canUseSchema) {
    throw new RuleViolationError(
      `${role.role} is not a member of any team on this server: a manager adds it with crm team add ${role.role}`,
    );
  }
}
