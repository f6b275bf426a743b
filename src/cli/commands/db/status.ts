import type { Command } from 'commander';
import type { FileDatabaseStatus, SchemaState, ServerDatabaseStatus } from '../../../services/database.js';
import type { Session } from '../../session.js';

export interface DbStatusOptions {
  json?: boolean;
}

export function registerDbStatus(db: Command, session: Session): void {
  db.command('status')
    .description('show the schema version, pending migrations, row counts, size and journal mode')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Opening the file applies pending migrations, so "pending" is normally none.

On a team database (--db postgres://...) it shows the server, the database, the schema
version, PostgreSQL's version, the connected role, its team and whether it is a manager
or the schema's owner, and the rows of each table as row-level security lets the role see
them. --json gives {"server", "database", "schema", "server_version", "role", "team",
"is_manager", "is_schema_owner", "rows"} there, in place of the file's "path",
"journal_mode", "sqlite_version" and sizes.

Examples:
  $ crm db status
  $ crm db status --json | jq .rows`,
    )
    .action((options: DbStatusOptions) => runDbStatus(session, options));
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

function sizeLine(status: FileDatabaseStatus): string {
  if (status.file_bytes === null) return 'in memory';
  const wal = status.wal_bytes ? ` + ${formatBytes(status.wal_bytes)} write-ahead log` : '';
  return `${formatBytes(status.file_bytes)}${wal}`;
}

function versionLine(schema: SchemaState): string {
  const latest = schema.applied.at(-1);
  return `${schema.applied.length} of ${schema.known}${latest ? ` (${latest})` : ''}`;
}

function rowFields(rows: Record<string, number>): Array<[string, unknown]> {
  return Object.entries(rows).map(([table, count]): [string, unknown] => [`rows in ${table}`, count]);
}

export async function runDbStatus(session: Session, options: DbStatusOptions): Promise<void> {
  const status = await (await session.services()).database.status();
  if (options.json) {
    session.out.json(status);
    return;
  }
  session.out.record('server' in status ? serverFields(status) : fileFields(status));
}

function fileFields(status: FileDatabaseStatus): Array<[string, unknown]> {
  const { schema } = status;
  const fields: Array<[string, unknown]> = [
    ['path', status.path],
    ['schema version', versionLine(schema)],
    ['pending migrations', schema.pending.length ? schema.pending.join(', ') : 'none'],
  ];
  if (schema.applied_on_open.length) fields.push(['applied just now', schema.applied_on_open.join(', ')]);
  fields.push(
    ['size', sizeLine(status)],
    ['journal mode', status.journal_mode],
    ['sqlite', status.sqlite_version],
    ...rowFields(status.rows),
  );
  return fields;
}

/** The role line says what the server lets it do: administer every team, manage one, or be a member. */
function serverFields(status: ServerDatabaseStatus): Array<[string, unknown]> {
  const { schema } = status;
  const standing = status.is_schema_owner
    ? 'owner of schema crm'
    : status.team === null
      ? 'not a member of any team'
      : status.is_manager
        ? 'manager'
        : 'member';
  return [
    ['server', status.server],
    ['database', status.database],
    ['schema version', versionLine(schema)],
    ['pending migrations', schema.pending.length ? schema.pending.join(', ') : 'none'],
    ['postgresql', status.server_version],
    ['role', `${status.role} (${standing})`],
    ['team', status.team ?? (status.is_schema_owner ? 'every team' : 'none')],
    ...rowFields(status.rows),
  ];
}
