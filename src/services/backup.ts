import { newId } from '../domain/ids.js';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import type { CrmDatabase } from '../db/connection.js';
import { refuseDatabaseFile } from '../db/database-files.js';
import { ConflictError, CrmError, NotFoundError, UsageError } from '../domain/errors.js';

export interface BackupResult {
  path: string;
  bytes: number;
  pages: number;
}

/** Sentinel for the progress callback: copy every remaining page in one step. */
const ALL_PAGES = 0x7fffffff;

export class BackupService {
  constructor(private readonly db: CrmDatabase) {}

  /**
   * A consistent online copy through SQLite's backup API. All pages are copied in one step:
   * in WAL mode that holds only a read snapshot, so writers in other processes carry on,
   * whereas a step-by-step copy restarts every time another process writes.
   * The copy is written beside the target, checked (integrity and foreign keys), switched to
   * a self-contained rollback journal, and only then renamed into place.
   */
  async backup(destination: string, options: { force?: boolean } = {}): Promise<BackupResult> {
    const target = path.resolve(destination);
    refuseDatabaseFile(target, this.db.path, 'the backup');
    if (fs.existsSync(target)) {
      if (fs.statSync(target).isDirectory()) throw new UsageError(`${destination} is a folder; give a file name for the copy`);
      if (!options.force) throw new ConflictError(`${destination} already exists; pass --force to replace it`);
    }
    const folder = path.dirname(target);
    if (!fs.existsSync(folder)) throw new NotFoundError(`no folder ${folder} to write the copy in`);
    const partial = path.join(folder, `.${path.basename(target)}.${newId().slice(0, 8)}.partial`);
    try {
      const { totalPages } = await this.db.sqlite.backup(partial, { progress: () => ALL_PAGES });
      verifyCopy(partial);
      fs.chmodSync(partial, 0o600);
      fs.renameSync(partial, target);
      return { path: target, bytes: fs.statSync(target).size, pages: totalPages };
    } finally {
      for (const leftover of [partial, `${partial}-wal`, `${partial}-shm`, `${partial}-journal`]) fs.rmSync(leftover, { force: true });
    }
  }
}

function verifyCopy(file: string): void {
  const copy = new Database(file);
  try {
    copy.pragma('journal_mode = DELETE');
    const integrity = copy.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new CrmError(`the copy failed its integrity check (${String(integrity)}); nothing was written`);
    const broken = copy.pragma('foreign_key_check') as unknown[];
    if (broken.length > 0) throw new CrmError(`the copy has ${broken.length} broken foreign key reference(s); nothing was written`);
  } finally {
    copy.close();
  }
}
