import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** crm-<kind>-<pid>-<random>: the pid of the process using the folder is in its name. */
const SCRATCH_NAME = /^crm-(import|readonly)-(\d+)-[A-Za-z0-9]{6}$/;

export type ScratchKind = 'import' | 'readonly';

/** A process that exists, including one of another user (EPERM): only ESRCH means gone. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the scratch folders in `folder` left by crm processes that were killed (a kill -9
 * or a power cut skips their own clean-up): those named after a process that no longer runs
 * and owned by this user. A folder of a live process is never touched, nor one named in the
 * older pid-less form, whose owner cannot be told. Returns the folders removed.
 */
export function removeStaleScratchFolders(folder: string = os.tmpdir()): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch {
    return [];
  }
  const uid = process.getuid?.();
  const removed: string[] = [];
  for (const name of names) {
    const match = SCRATCH_NAME.exec(name);
    if (!match) continue;
    const pid = Number(match[2]);
    if (pid === process.pid || isRunning(pid)) continue;
    const full = path.join(folder, name);
    try {
      const stat = fs.lstatSync(full);
      if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid)) continue;
      fs.rmSync(full, { recursive: true, force: true });
      removed.push(full);
    } catch {
      // Removed meanwhile by another crm, or not ours to remove: either way, not this one's job.
    }
  }
  return removed;
}

/** A new private scratch folder in the OS temp folder, after clearing those of dead processes. */
export function createScratchFolder(kind: ScratchKind): string {
  removeStaleScratchFolders();
  return fs.mkdtempSync(path.join(os.tmpdir(), `crm-${kind}-${process.pid}-`));
}
