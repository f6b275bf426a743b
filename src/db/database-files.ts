import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../domain/errors.js';

/** The files SQLite keeps for one database: writing over any of them corrupts it or loses rows. */
const DATABASE_FILES: ReadonlyArray<{ suffix: string; role: string }> = [
  { suffix: '', role: 'the database' },
  { suffix: '-wal', role: 'the write-ahead log of the database' },
  { suffix: '-shm', role: 'the shared-memory index of the database' },
  { suffix: '-journal', role: 'the rollback journal of the database' },
];

/** Symlink hops followed before giving up, as the kernel does (ELOOP). */
const MAX_LINK_HOPS = 40;

/**
 * Where a write to `file` would land, with every symlink resolved, including for a file that
 * does not exist yet: a dangling link is followed to its target, and a new file is named
 * inside the real path of its folder.
 */
function landingPath(file: string, hops = 0): string {
  const absolute = path.resolve(file);
  try {
    return fs.realpathSync(absolute);
  } catch {
    // Missing (or unreadable): resolved piece by piece below.
  }
  if (hops < MAX_LINK_HOPS) {
    try {
      const link = fs.readlinkSync(absolute);
      return landingPath(path.resolve(path.dirname(absolute), link), hops + 1);
    } catch {
      // Not a symlink: the file itself is what is missing.
    }
  }
  const folder = path.dirname(absolute);
  if (folder === absolute) return absolute;
  return path.join(landingPath(folder, hops), path.basename(absolute));
}

/** Two names for one file: the same landing path, or the same device and inode (hard links). */
function sameFile(a: string, b: string): boolean {
  if (landingPath(a) === landingPath(b)) return true;
  try {
    const [statA, statB] = [fs.statSync(a), fs.statSync(b)];
    return statA.dev === statB.dev && statA.ino === statB.ino;
  } catch {
    return false;
  }
}

/**
 * Which of the database's own files `candidate` is (through any symlink or hard link), if
 * any. SQLite names the companions after the path it opened and, for a symlinked database,
 * after the link's target: both spellings are compared.
 */
export function databaseFileRole(candidate: string, database: string): string | undefined {
  if (database === ':memory:' || candidate === ':memory:') return undefined;
  const bases = [path.resolve(database), landingPath(database)];
  for (const { suffix, role } of DATABASE_FILES) {
    if (bases.some((base) => sameFile(candidate, `${base}${suffix}`))) return role;
  }
  return undefined;
}

/**
 * The one check every output path goes through (archive, backup, export, rejects): a file
 * crm writes may never be the database or one of its companion files. Exit 2, before
 * anything is written.
 */
export function refuseDatabaseFile(candidate: string, database: string, what: string): void {
  const role = databaseFileRole(candidate, database);
  if (role) {
    throw new UsageError(`refusing to write ${what} to ${path.resolve(candidate)}: it is ${role} ${path.resolve(database)}; nothing was written`);
  }
}

/** The names SQLite may give the companion files of a database at `file`. */
export function databaseFileNames(file: string): string[] {
  return DATABASE_FILES.map(({ suffix }) => `${file}${suffix}`);
}
