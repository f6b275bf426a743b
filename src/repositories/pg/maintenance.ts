import { knownPgMigrations, migratePg } from '../../db/pg/migrate.js';
import type { PgDatabase } from '../../db/pg/connection.js';
import {
  EXPECTED_PG_FOREIGN_KEYS,
  EXPECTED_PG_FUNCTIONS,
  EXPECTED_PG_INDEXES,
  EXPECTED_PG_POLICIES,
  EXPECTED_PG_TRIGGERS,
  RLS_TABLES,
} from '../../db/pg/expected.js';
import { RuleViolationError, ServerError } from '../../domain/errors.js';
import type { CheckResult, DatabaseCheck, Maintenance, MigrationReport, SchemaState, ServerDatabaseStatus } from '../ports.js';
import { connectedRole, requireSchemaAccess, type ConnectedRole } from './access.js';
import type { PgSession } from './store.js';
import { quotedIdentifier } from '../sql-text.js';

/** How many problems a check lists before summarising the rest, so one line stays readable (as on SQLite). */
const MAX_LISTED_PROBLEMS = 5;

function listProblems(problems: readonly string[]): string {
  const shown = problems.slice(0, MAX_LISTED_PROBLEMS).join('; ');
  const more = problems.length - MAX_LISTED_PROBLEMS;
  return more > 0 ? `${shown}; and ${more} more` : shown;
}

/** Tables whose rows belong to a team and must match their parent's team (0001_rules.sql's triggers). */
const SAME_TEAM_REFERENCES = [
  { table: 'customers', column: 'product_id', parent: 'products' },
  { table: 'customer_interactions', column: 'customer_id', parent: 'customers' },
] as const;

interface ForeignKeyRow {
  name: string;
  table_name: string;
  column_name: string | null;
  parent_table: string;
  parent_column: string | null;
  validated: boolean;
  /** Whether every trigger the server checks the key with is enabled (DISABLE TRIGGER ALL turns them off). */
  enforced: boolean;
}

/**
 * `crm db status|check|migrate` on a team's server and the audit log's pruning. What a role may
 * see is what the server lets it: a member reads the catalog and its own team's rows; only the
 * schema's owner migrates.
 */
export class PgMaintenance implements Maintenance {
  constructor(
    private readonly session: PgSession,
    private readonly database: PgDatabase,
  ) {}

  async pruneAudit(before: string): Promise<number> {
    const rows = await this.session.query<{ deleted: number }>(`SELECT crm.crm_prune_audit($1) AS deleted`, [before]);
    return Number(rows[0]?.deleted ?? 0);
  }

  async status(): Promise<ServerDatabaseStatus> {
    const who = await connectedRole(this.session);
    if (who.schemaExists) requireSchemaAccess(who);
    const [server] = await this.session.query<{ database: string; version: string }>(
      `SELECT current_database() AS database, current_setting('server_version') AS version`,
    );
    return {
      server: this.database.description,
      database: server!.database,
      schema: schemaState(await this.schemaVersion(who)),
      // "16.4 (Debian 16.4-1.pgdg120+1)": the number is the version; the rest is the packager's.
      server_version: server!.version.split(' ')[0]!,
      role: who.role,
      team: who.teamName,
      is_manager: who.isManager,
      is_schema_owner: who.isSchemaOwner,
      rows: who.canUseSchema ? await this.rowCounts() : {},
    };
  }

  /**
   * Only the schema's owner migrates: objects created by anyone else would belong to them, and
   * a member must never own anything (an owner bypasses row-level security). On a database with
   * no crm schema yet, the role that runs this creates it and becomes its owner.
   */
  async migrate(): Promise<MigrationReport> {
    const who = await connectedRole(this.session);
    if (who.schemaExists && !who.isSchemaOwner) {
      throw new RuleViolationError(
        `only the owner of schema crm (${who.schemaOwner}) can migrate it; ${who.role} ${who.teamId ? 'is a team member' : 'is not its owner'}: ask ${who.schemaOwner} to run crm db migrate`,
      );
    }
    let applied: string[];
    try {
      applied = await migratePg(this.database.pool);
    } catch (error) {
      if (error instanceof ServerError && error.sqlState === '42501' && !who.schemaExists) {
        const [{ database } = { database: '' }] = await this.session.query<{ database: string }>(
          `SELECT current_database() AS database`,
        );
        throw new RuleViolationError(
          `${who.role} may not create schemas in database ${database}: run crm db init as the database's owner, or GRANT CREATE ON DATABASE ${database} TO ${who.role}`,
        );
      }
      throw error;
    }
    return { applied, schema: schemaState(await this.schemaVersion(await connectedRole(this.session))) };
  }

  async check(): Promise<DatabaseCheck> {
    const who = await connectedRole(this.session);
    if (!who.schemaExists) {
      const checks = [{ name: 'schema', ok: false, detail: 'no crm schema in this database: run crm db init --team NAME' }];
      return { ok: false, checks };
    }
    requireSchemaAccess(who);
    const foreignKeys = await this.foreignKeys();
    const checks = [
      await this.checkMigrations(who),
      await this.checkTriggers(),
      this.checkPresent('indexes', EXPECTED_PG_INDEXES, await this.names(`SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'crm'`)),
      this.checkPresent('policies', EXPECTED_PG_POLICIES, await this.names(`SELECT policyname AS name FROM pg_policies WHERE schemaname = 'crm'`)),
      await this.checkFunctions(),
      await this.checkRowLevelSecurity(),
      this.checkRole(who),
      await this.checkMembers(),
      this.checkForeignKeys(foreignKeys),
      await this.checkReferences(foreignKeys),
      ...(await this.checkKeptTables()),
    ];
    return { ok: checks.every((check) => check.ok), checks };
  }

  /**
   * Migrations applied, as the count crm.schema_version shows every member (drizzle's own table
   * is the owner's); they are applied in order, so the count names them.
   */
  private async schemaVersion(who: ConnectedRole): Promise<number> {
    if (!who.schemaExists) return 0;
    const [view] = await this.session.query<{ found: string | null }>(`SELECT to_regclass('crm.schema_version')::text AS found`);
    if (view?.found) {
      const [row] = await this.session.query<{ version: number }>(`SELECT version FROM crm.schema_version`);
      return Number(row?.version ?? 0);
    }
    // Before the migration that creates the view (a schema from an interrupted setup).
    if (!who.isSchemaOwner) return 0;
    const [table] = await this.session.query<{ found: string | null }>(`SELECT to_regclass('drizzle.__drizzle_migrations')::text AS found`);
    if (!table?.found) return 0;
    const [row] = await this.session.query<{ version: number }>(`SELECT count(*)::integer AS version FROM drizzle.__drizzle_migrations`);
    return Number(row?.version ?? 0);
  }

  /** Rows of each table of schema crm the role may read, counted in one statement (one snapshot). */
  private async rowCounts(): Promise<Record<string, number>> {
    const tables = await this.names(
      `SELECT c.relname AS name FROM pg_class AS c
        WHERE c.relnamespace = 'crm'::regnamespace AND c.relkind IN ('r', 'p') AND has_table_privilege(c.oid, 'SELECT')
        ORDER BY c.relname COLLATE "C"`,
    );
    if (tables.length === 0) return {};
    const counts = tables.map((table, index) => `(SELECT count(*) FROM crm.${quotedIdentifier(table)}) AS c${index}`).join(', ');
    const [row] = await this.session.query<Record<string, number>>(`SELECT ${counts}`);
    return Object.fromEntries(tables.map((table, index) => [table, Number(row![`c${index}`])]));
  }

  private async names(sql: string): Promise<string[]> {
    return (await this.session.query<{ name: string }>(sql)).map((row) => row.name);
  }

  private checkPresent(name: string, expected: readonly string[], present: readonly string[]): CheckResult {
    const found = new Set(present);
    const missing = expected.filter((object) => !found.has(object));
    return {
      name,
      ok: missing.length === 0,
      detail: missing.length ? `missing: ${listProblems(missing)}` : `all ${expected.length} present`,
    };
  }

  private async checkMigrations(who: ConnectedRole): Promise<CheckResult> {
    const { applied, pending, known } = schemaState(await this.schemaVersion(who));
    return {
      name: 'migrations',
      ok: pending.length === 0,
      detail: pending.length ? `pending: ${pending.join(', ')} (the schema's owner runs crm db migrate)` : `${applied.length} of ${known} applied`,
    };
  }

  /** A disabled trigger lets writes past its rule as surely as a missing one. */
  private async checkTriggers(): Promise<CheckResult> {
    const rows = await this.session.query<{ name: string; enabled: string }>(
      `SELECT t.tgname AS name, t.tgenabled AS enabled FROM pg_trigger AS t
         JOIN pg_class AS c ON c.oid = t.tgrelid
        WHERE c.relnamespace = 'crm'::regnamespace AND NOT t.tgisinternal`,
    );
    const state = new Map(rows.map((row) => [row.name, row.enabled]));
    const problems = EXPECTED_PG_TRIGGERS.flatMap((name) => {
      const enabled = state.get(name);
      if (enabled === undefined) return [`missing ${name}`];
      return enabled === 'D' ? [`disabled ${name}`] : [];
    });
    return {
      name: 'triggers',
      ok: problems.length === 0,
      detail: problems.length ? listProblems(problems) : `all ${EXPECTED_PG_TRIGGERS.length} present and enabled`,
    };
  }

  /** Every function pins its search_path, so that no caller can redirect the names it uses. */
  private async checkFunctions(): Promise<CheckResult> {
    const rows = await this.session.query<{ name: string; pinned: boolean }>(
      `SELECT p.proname AS name,
              coalesce(EXISTS (SELECT 1 FROM unnest(p.proconfig) AS setting WHERE setting LIKE 'search_path=%'), false) AS pinned
         FROM pg_proc AS p WHERE p.pronamespace = 'crm'::regnamespace`,
    );
    const pinned = new Map(rows.map((row) => [row.name, row.pinned]));
    const problems = EXPECTED_PG_FUNCTIONS.flatMap((name) => {
      const found = pinned.get(name);
      if (found === undefined) return [`missing ${name}`];
      return found ? [] : [`${name} does not pin its search_path`];
    });
    return {
      name: 'functions',
      ok: problems.length === 0,
      detail: problems.length ? listProblems(problems) : `all ${EXPECTED_PG_FUNCTIONS.length} present`,
    };
  }

  /**
   * Enabled on every table that holds a team's rows. Not FORCEd, on purpose (0001_rules.sql):
   * the schema's owner administers every team, and the SECURITY DEFINER rules run as it.
   */
  private async checkRowLevelSecurity(): Promise<CheckResult> {
    const rows = await this.session.query<{ name: string; enabled: boolean; forced: boolean }>(
      `SELECT relname AS name, relrowsecurity AS enabled, relforcerowsecurity AS forced FROM pg_class
        WHERE relnamespace = 'crm'::regnamespace AND relkind IN ('r', 'p')`,
    );
    const state = new Map(rows.map((row) => [row.name, row]));
    const off = RLS_TABLES.filter((table) => !state.get(table)?.enabled);
    const forced = RLS_TABLES.filter((table) => state.get(table)?.forced);
    const owner = forced.length === RLS_TABLES.length ? 'forced for the owner too' : forced.length ? `forced on ${forced.join(', ')}` : 'the schema owner is exempt';
    return {
      name: 'row_level_security',
      ok: off.length === 0,
      detail: off.length ? `not enabled on: ${off.join(', ')}` : `enabled on all ${RLS_TABLES.length} tables (${owner})`,
    };
  }

  /**
   * The connected role, if a member, must be held by row-level security: a superuser, a
   * BYPASSRLS role or a member of the owner's role would see every team's rows.
   */
  private checkRole(who: ConnectedRole): CheckResult {
    const bypass = bypassReason(who.superuser, who.bypassRls, who.isSchemaOwner);
    if (who.teamId) {
      return {
        name: 'role',
        ok: bypass === undefined,
        detail: bypass
          ? `${who.role} is a member of ${who.teamName} but bypasses row-level security (${bypass}): it sees every team's rows`
          : `${who.role} is a ${who.isManager ? 'manager' : 'member'} of ${who.teamName}, held by row-level security`,
      };
    }
    return {
      name: 'role',
      ok: true,
      detail: bypass
        ? `${who.role} administers the schema (${bypass}) and sees every team; members connect as their own roles`
        : `${who.role} is not a member of any team`,
    };
  }

  /** No member bypasses row-level security, even if made superuser or BYPASSRLS after joining. */
  private async checkMembers(): Promise<CheckResult> {
    const rows = await this.session.query<{ login: string; superuser: boolean; bypass_rls: boolean; owner: boolean }>(
      `SELECT m.login, r.rolsuper AS superuser, r.rolbypassrls AS bypass_rls,
              pg_has_role(r.oid, (SELECT nspowner FROM pg_namespace WHERE nspname = 'crm'), 'USAGE') AS owner
         FROM crm.team_members AS m JOIN pg_roles AS r ON r.rolname = m.login
        ORDER BY m.login`,
    );
    const problems = rows.flatMap((row) => {
      const reason = bypassReason(row.superuser, row.bypass_rls, row.owner);
      return reason ? [`${row.login} (${reason})`] : [];
    });
    return {
      name: 'members',
      ok: problems.length === 0,
      detail: problems.length
        ? `bypass row-level security: ${listProblems(problems)}`
        : `${rows.length} member(s), none bypasses row-level security`,
    };
  }

  private async foreignKeys(): Promise<ForeignKeyRow[]> {
    return this.session.query<ForeignKeyRow>(
      `SELECT con.conname AS name, child.relname AS table_name, parent.relname AS parent_table,
              (SELECT attname FROM pg_attribute WHERE attrelid = con.conrelid AND attnum = con.conkey[1]) AS column_name,
              (SELECT attname FROM pg_attribute WHERE attrelid = con.confrelid AND attnum = con.confkey[1]) AS parent_column,
              con.convalidated AS validated,
              NOT EXISTS (SELECT 1 FROM pg_trigger AS t WHERE t.tgconstraint = con.oid AND t.tgenabled = 'D') AS enforced
         FROM pg_constraint AS con
         JOIN pg_class AS child ON child.oid = con.conrelid
         JOIN pg_class AS parent ON parent.oid = con.confrelid
        WHERE con.contype = 'f' AND con.connamespace = 'crm'::regnamespace AND cardinality(con.conkey) = 1
        ORDER BY con.conname`,
    );
  }

  /** The keys exist and the server enforces them (parallels SQLite's foreign_keys pragma). */
  private checkForeignKeys(keys: readonly ForeignKeyRow[]): CheckResult {
    const state = new Map(keys.map((key) => [key.name, key]));
    const problems = EXPECTED_PG_FOREIGN_KEYS.flatMap((name) => {
      const key = state.get(name);
      if (!key) return [`missing ${name}`];
      if (!key.enforced) return [`${name} is not enforced (its triggers are disabled)`];
      return key.validated ? [] : [`${name} is not validated`];
    });
    return {
      name: 'foreign_keys',
      ok: problems.length === 0,
      detail: problems.length ? listProblems(problems) : `all ${EXPECTED_PG_FOREIGN_KEYS.length} enforced`,
    };
  }

  /** Each table of KEPT_TABLES the schema has (a schema before 0007 has none of them). */
  private async checkKeptTables(): Promise<CheckResult[]> {
    const results: CheckResult[] = [];
    for (const table of KEPT_TABLES) {
      const [exists] = await this.session.query<{ found: string | null }>(`SELECT to_regclass($1)::text AS found`, [`crm.${table.name}`]);
      if (!exists?.found) continue;
      const problems = (await this.session.query<{ problem: string }>(table.drift)).map((row) => row.problem);
      results.push({
        name: table.name,
        ok: problems.length === 0,
        detail: problems.length ? `${table.wrong(problems.length)}: ${listProblems(problems)}` : table.ok,
      });
    }
    return results;
  }

  /**
   * Rows that point to nothing, among those the role can see (parallels SQLite's
   * foreign_key_check). A parent of another team is invisible to a member, so a cross-team
   * reference shows up here too; the owner, who sees every team, is told of those separately.
   */
  private async checkReferences(keys: readonly ForeignKeyRow[]): Promise<CheckResult> {
    const readable = new Set(
      await this.names(
        `SELECT relname AS name FROM pg_class WHERE relnamespace = 'crm'::regnamespace AND has_table_privilege(oid, 'SELECT')`,
      ),
    );
    const problems: string[] = [];
    let total = 0;
    // Each query names a few rows and counts them all (the window runs before the LIMIT).
    const collect = (rows: ReadonlyArray<{ id: string; total: number }>, describe: (id: string) => string) => {
      total += Number(rows[0]?.total ?? 0);
      for (const row of rows) problems.push(describe(row.id));
    };
    for (const key of keys) {
      if (!key.column_name || !key.parent_column || !readable.has(key.table_name) || !readable.has(key.parent_table)) continue;
      const broken = await this.session.query<{ id: string; total: number }>(
        `SELECT coalesce(to_jsonb(c) ->> 'id', to_jsonb(c) ->> 'login', c.ctid::text) AS id, count(*) OVER () AS total
           FROM crm.${quotedIdentifier(key.table_name)} AS c
          WHERE c.${quotedIdentifier(key.column_name)} IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM crm.${quotedIdentifier(key.parent_table)} AS p WHERE p.${quotedIdentifier(key.parent_column)} = c.${quotedIdentifier(key.column_name)})
          LIMIT ${MAX_LISTED_PROBLEMS}`,
      );
      collect(broken, (id) => `${key.table_name} row ${id} points to a missing ${key.parent_table} row`);
    }
    for (const reference of SAME_TEAM_REFERENCES) {
      if (!readable.has(reference.table) || !readable.has(reference.parent)) continue;
      const crossed = await this.session.query<{ id: string; total: number }>(
        `SELECT c.id, count(*) OVER () AS total FROM crm.${reference.table} AS c
           JOIN crm.${reference.parent} AS p ON p.id = c.${reference.column}
          WHERE p.team_id <> c.team_id ORDER BY c.id LIMIT ${MAX_LISTED_PROBLEMS}`,
      );
      collect(crossed, (id) => `${reference.table} row ${id} points to a ${reference.parent} row of another team`);
    }
    return {
      name: 'foreign_key_check',
      ok: total === 0,
      detail: total ? `${total} broken reference(s): ${listProblems(problems)}` : 'no broken references',
    };
  }
}

/**
 * The tables drizzle/pg/0007 keeps by triggers, each against a recomputation from the rows it
 * restates, either way (EXCEPT compares NULLs as equal). Through row-level security a member
 * checks their team's rows; the owner every team's.
 */
const KEPT_TABLES = [
  {
    name: 'customer_activity',
    // With the customer's archived flag and owner (drizzle/pg/0015).
    drift: `WITH latest AS (
        SELECT l.customer_id, l.team_id, l.id, l.created_at, l.follow_up_date, c.is_archived, c.owner FROM (
          SELECT DISTINCT ON (i.customer_id) i.customer_id, i.team_id, i.id, i.created_at, i.follow_up_date
          FROM crm.customer_interactions AS i ORDER BY i.customer_id, i.created_at DESC, i.id COLLATE "C" DESC) AS l
        JOIN crm.customers AS c ON c.id = l.customer_id),
      recorded AS (SELECT customer_id, team_id, last_interaction_id, last_interaction_at, follow_up_date, is_archived, owner FROM crm.customer_activity),
      missing AS (SELECT * FROM latest EXCEPT SELECT * FROM recorded),
      extra AS (SELECT * FROM recorded EXCEPT SELECT * FROM latest)
      SELECT customer_id AS problem FROM missing UNION SELECT customer_id FROM extra ORDER BY 1`,
    wrong: (n: number) => `${n} customer(s) whose latest interaction, pending follow-up, archived flag or owner is recorded wrong`,
    ok: 'matches the interactions and customers',
  },
  {
    name: 'customer_counts',
    drift: `WITH actual AS (
        SELECT team_id, is_archived, status, product_id, owner, count(*) AS n FROM crm.customers
        GROUP BY team_id, is_archived, status, product_id, owner),
      recorded AS (SELECT team_id, is_archived, status, product_id, owner, n FROM crm.customer_counts),
      missing AS (SELECT * FROM actual EXCEPT SELECT * FROM recorded),
      extra AS (SELECT * FROM recorded EXCEPT SELECT * FROM actual)
      SELECT DISTINCT concat_ws(' ', CASE WHEN is_archived THEN 'archived' ELSE 'active' END, status,
          'product ' || coalesce(product_id, 'none'), 'owner ' || coalesce(nullif(owner, ''), CASE WHEN owner = '' THEN '""' ELSE 'none' END)) AS problem
      FROM (SELECT * FROM missing UNION ALL SELECT * FROM extra) AS g ORDER BY 1`,
    wrong: (n: number) => `${n} group(s) counted wrong`,
    ok: 'matches the customers',
  },
  {
    name: 'customer_values',
    drift: `WITH actual AS (
        SELECT team_id, is_archived, status, product_id, owner, deal_currency, count(*) AS n, sum(deal_value_minor)::numeric AS total_minor
        FROM crm.customers WHERE deal_value_minor IS NOT NULL
        GROUP BY team_id, is_archived, status, product_id, owner, deal_currency),
      recorded AS (SELECT team_id, is_archived, status, product_id, owner, deal_currency, n, total_minor FROM crm.customer_values),
      missing AS (SELECT * FROM actual EXCEPT SELECT * FROM recorded),
      extra AS (SELECT * FROM recorded EXCEPT SELECT * FROM actual)
      SELECT DISTINCT concat_ws(' ', CASE WHEN is_archived THEN 'archived' ELSE 'active' END, status,
          'product ' || coalesce(product_id, 'none'), 'owner ' || coalesce(nullif(owner, ''), CASE WHEN owner = '' THEN '""' ELSE 'none' END), deal_currency) AS problem
      FROM (SELECT * FROM missing UNION ALL SELECT * FROM extra) AS g ORDER BY 1`,
    wrong: (n: number) => `${n} group(s) summed wrong`,
    ok: 'matches the customers',
  },
] as const;

/** Why a role is not held by row-level security, or undefined when it is. */
function bypassReason(superuser: boolean, bypassRls: boolean, owner: boolean): string | undefined {
  if (superuser) return 'superuser';
  if (bypassRls) return 'BYPASSRLS';
  return owner ? 'owner of schema crm' : undefined;
}

/** The first `version` migrations this program knows are applied; the rest are pending. */
function schemaState(version: number): SchemaState {
  const { tags } = knownPgMigrations();
  const applied = tags.slice(0, Math.min(version, tags.length));
  return { applied: [...applied], pending: tags.slice(applied.length), known: tags.length };
}
