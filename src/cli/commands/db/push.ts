import type { Command } from 'commander';
import { UsageError } from '../../../domain/errors.js';
import { loadedServices } from '../../layers.js';
import { progressDisplay } from '../../progress.js';
import type { Session } from '../../session.js';

export interface DbPushOptions {
  json?: boolean;
}

export function registerDbPush(db: Command, session: Session): void {
  db.command('push')
    .description("copy this SQLite file (every row and the audit history) into a team's PostgreSQL database")
    .argument('<url>', 'the team database: postgres://login@host/database (libpq settings such as PGPASSWORD apply)')
    .option('--json', 'print {"target", "tables", "audit_added", "audit_read"} as JSON')
    .addHelpText(
      'after',
      `
Run it as a manager of the team, with --db naming the file (or none, for the default one).
Every table is streamed into the server as an export and import would move it (COPY into a
staging table, then one transaction): rows keep their ids and times, and the file's audit
log joins the team's, each entry marked with where it came from. Running it again changes
nothing. Nothing is written to the server unless all of it is.

Examples:
  $ crm db push postgres://ada@crm.example.com/agency
  $ crm --db ~/old/crm.db db push postgres://ada@crm.example.com/agency --json`,
    )
    .action((url: string, options: DbPushOptions) => runDbPush(session, url, options));
}

export async function runDbPush(session: Session, url: string, options: DbPushOptions): Promise<void> {
  const services = loadedServices();
  if (!services.isPostgresUrl(url)) throw new UsageError(`crm db push needs a team database URL (postgres://...), not "${url}"`);
  if (session.onServer) throw new UsageError('crm db push copies a SQLite file: run it with --db naming the file, not a server');
  const push = await (await session.services()).push();
  const target = await session.openOther(url);
  const progress = await progressDisplay(session);
  try {
    const result = await push.push(target, { onProgress: progress.onProgress });
    progress.stop();
    if (options.json) {
      session.out.json({ target: result.target, tables: result.tables, audit_added: result.auditAdded, audit_read: result.auditRead });
    }
    const rows = (key: 'inserted' | 'updated' | 'unchanged') => result.tables.reduce((sum, table) => sum + table[key], 0);
    session.success(
      `pushed to ${result.target}: ${rows('inserted')} row(s) added, ${rows('updated')} updated, ${rows('unchanged')} unchanged; ` +
        `${result.auditAdded} of ${result.auditRead} audit entries added`,
    );
  } finally {
    progress.stop();
    await target.close();
  }
}
