import { UsageError } from '../domain/errors.js';
import type { DatabaseCheck, DatabaseStatus, MigrationReport, SchemaState, Store } from '../repositories/ports.js';
import { teamRepositoryOf } from './team.js';

export type {
  CheckResult,
  DatabaseCheck,
  DatabaseStatus,
  FileDatabaseStatus,
  MigrationReport,
  SchemaState,
  ServerDatabaseStatus,
} from '../repositories/ports.js';

/** What `crm db init --team NAME` did on a team's server. */
export interface TeamInitReport {
  /** The server and database, as they may be shown (no password). */
  server: string;
  /** Whether this invocation created the schema (the database had no crm schema before). */
  created: boolean;
  /** Migrations this invocation applied, oldest first. */
  applied: string[];
  schema: SchemaState;
  /** The team's name. */
  team: string;
  /** Whether this invocation created the team (false: a team of that name was there already). */
  team_created: boolean;
}

/**
 * Inspection and upkeep of the database as a whole: `crm db status|migrate|check|init`. What
 * each engine can say about itself is behind the store's Maintenance port.
 */
export class DatabaseService {
  constructor(private readonly store: Store) {}

  status(): Promise<DatabaseStatus> {
    return this.store.maintenance.status();
  }

  check(): Promise<DatabaseCheck> {
    return this.store.maintenance.check();
  }

  migrate(): Promise<MigrationReport> {
    return this.store.maintenance.migrate();
  }

  /**
   * Brings a team database's schema up to date and makes sure the team exists: run again with
   * the same name, it changes nothing. The schema must exist before the team repository is
   * used, so the migration comes first.
   */
  async initTeam(name: string): Promise<TeamInitReport> {
    const teamName = name.trim();
    if (!teamName) throw new UsageError('--team needs a name, like --team "Acme Consulting"');
    const teams = teamRepositoryOf(this.store);
    const report = await this.store.maintenance.migrate();
    const created = report.applied.length > 0 && report.applied.length === report.schema.applied.length;
    const existing = await teams.findTeam(teamName);
    if (!existing) await this.store.write(() => teams.createTeam(teamName));
    return {
      server: this.store.location,
      created,
      applied: report.applied,
      schema: report.schema,
      team: teamName,
      team_created: !existing,
    };
  }
}
