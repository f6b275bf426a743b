import type { Command } from 'commander';
import type { DatabaseStatus } from '../../../services/database.js';
import type { Session } from '../../session.js';

export interface DbStatusOptions {
  json?: boolean;
}

export function registerDbStatus(db: Command, session: Session): void {
  db.command('status')
    .description('show the schema version, pending migrations, row counts, size and journal mode')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nOpening the file applies pending migrations, so "pending" is normally none.\n\nExamples:\n  $ crm db status\n  $ crm db status --json | jq .rows')
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

function sizeLine(status: DatabaseStatus): string {
  if (status.file_bytes === null) return 'in memory';
  const wal = status.wal_bytes ? ` + ${formatBytes(status.wal_bytes)} write-ahead log` : '';
  return `${formatBytes(status.file_bytes)}${wal}`;
}

export async function runDbStatus(session: Session, options: DbStatusOptions): Promise<void> {
  const status = (await session.services()).database.status();
  if (options.json) {
    session.out.json(status);
    return;
  }
  const { schema } = status;
  const latest = schema.applied.at(-1);
  const fields: Array<[string, unknown]> = [
    ['path', status.path],
    ['schema version', `${schema.applied.length} of ${schema.known}${latest ? ` (${latest})` : ''}`],
    ['pending migrations', schema.pending.length ? schema.pending.join(', ') : 'none'],
  ];
  if (schema.applied_on_open.length) fields.push(['applied just now', schema.applied_on_open.join(', ')]);
  fields.push(
    ['size', sizeLine(status)],
    ['journal mode', status.journal_mode],
    ['sqlite', status.sqlite_version],
    ...Object.entries(status.rows).map(([table, count]): [string, unknown] => [`rows in ${table}`, count]),
  );
  session.out.record(fields);
}
