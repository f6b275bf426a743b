import type { Command } from 'commander';
import path from 'node:path';
import type { Session } from '../../session.js';

export interface BackupOptions {
  file: string;
  force?: boolean;
}

const HELP = `
The copy is consistent even while other crm processes write: it is taken from one
snapshot with SQLite's backup API, checked (integrity and foreign keys) and only then
moved into place, as a single self-contained file readable by you alone.
To restore, point crm at the copy (--db FILE) or copy it over the database file while
no crm process runs.

Examples:
  $ crm backup ~/backups/crm-$(date +%F).db
  $ crm backup nightly.db --force`;

export function registerBackup(program: Command, session: Session): void {
  program
    .command('backup')
    .description('write a consistent copy of the database file, safe while others write')
    .argument('<file>', 'where to write the copy')
    .option('-f, --force', 'replace the file if it exists (on a terminal you are asked)')
    .addHelpText('after', HELP)
    .action((file: string, options: Omit<BackupOptions, 'file'>) => runBackup(session, { file, ...options }));
}

export async function runBackup(session: Session, options: BackupOptions): Promise<void> {
  const target = path.resolve(session.ctx.cwd, options.file);
  // Before asking whether to replace it: the database itself is never offered.
  session.refuseDatabaseFile(target, 'the backup');
  const force = await session.mayReplace(target, options.file, options.force);
  const result = await (await session.services()).backup.backup(target, { force });
  session.success(`backed up to ${options.file} (${Math.ceil(result.bytes / 1024)} KiB, integrity and foreign keys checked)`);
}
