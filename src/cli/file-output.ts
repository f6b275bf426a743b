import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { CrmError, fileSystemReason, NotFoundError } from '../domain/errors.js';

/** Opens the stream a file's content is written to; tests swap it to fail a write (a full disk). */
export type OpenFileStream = (file: string) => Writable;

/** fsync before close (`flush`), so a renamed file is never an empty one after a power cut. */
export const openFileStream: OpenFileStream = (file) =>
  fs.createWriteStream(file, { mode: 0o600, highWaterMark: 1 << 20, flush: true });

/** A file crm could not write (a full disk, no permission, a read-only mount): one line naming it. */
export class FileWriteError extends CrmError {
  constructor(file: string, error: unknown, consequence: string) {
    super(`cannot write ${file}: ${fileSystemReason(error)}; ${consequence}`);
  }
}

/**
 * A stream whose errors are remembered from the moment it is opened: an 'error' event on a
 * stream nobody listens to is an uncaught exception with a stack trace, and a file opened
 * early (the third of an export) fails while another one is being written.
 */
class WatchedStream {
  failure: Error | undefined;
  constructor(readonly stream: Writable) {
    stream.on('error', (error: Error) => (this.failure ??= error));
  }

  async close(): Promise<void> {
    if (this.failure) throw this.failure;
    this.stream.end();
    await finished(this.stream);
  }
}

/**
 * A file written under a temporary name and renamed into place once complete, so an
 * interrupted export never leaves a truncated CSV that looks like a good one.
 */
export class FileOutput {
  private readonly watched: WatchedStream;
  private readonly partial: string;

  /** `consequence` completes the one-line error on a write failure: what it means for the user. */
  constructor(
    readonly file: string,
    open: OpenFileStream = openFileStream,
    private readonly consequence = 'nothing was written',
  ) {
    const folder = path.dirname(file);
    if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) throw new NotFoundError(`no folder ${folder} to write ${path.basename(file)} in`);
    this.partial = path.join(path.dirname(file), `.${path.basename(file)}.partial`);
    this.watched = new WatchedStream(open(this.partial));
  }

  get stream(): Writable {
    return this.watched.stream;
  }

  /** The write error of this file, if any, as one line naming it (not the temporary name). */
  get failure(): FileWriteError | undefined {
    const cause = this.watched.failure;
    return cause && new FileWriteError(this.file, cause, this.consequence);
  }

  async commit(): Promise<void> {
    try {
      await this.watched.close();
      fs.renameSync(this.partial, this.file);
    } catch (error) {
      throw new FileWriteError(this.file, error, this.consequence);
    }
  }

  abort(): void {
    this.stream.destroy();
    fs.rmSync(this.partial, { force: true });
  }
}

/**
 * Several files that appear in a folder together or not at all (`export --dir`). They are
 * written in a private staging folder on the same file system; then
 * - a folder that did not exist is the staging folder renamed: one atomic step;
 * - in an existing folder each old file is first kept (a hard link in the staging folder),
 *   then replaced by an atomic rename; if any step fails, the files already replaced are
 *   put back, so the folder holds the complete old set or the complete new one.
 * Other files in the folder are never touched. A failure leaves no staging folder behind.
 */
export class FolderOutput {
  private readonly staging: string;
  private readonly createsFolder: boolean;
  private readonly files = new Map<string, WatchedStream>();

  constructor(
    readonly folder: string,
    names: readonly string[],
    open: OpenFileStream = openFileStream,
  ) {
    this.createsFolder = !fs.existsSync(folder);
    try {
      if (this.createsFolder) fs.mkdirSync(path.dirname(folder), { recursive: true, mode: 0o700 });
      const stagingParent = this.createsFolder ? path.dirname(folder) : folder;
      const prefix = this.createsFolder ? `.${path.basename(folder)}.crm-export-` : '.crm-export-';
      this.staging = fs.mkdtempSync(path.join(stagingParent, prefix));
    } catch (error) {
      throw new FileWriteError(this.createsFolder ? folder : path.join(folder, names[0]!), error, 'nothing was exported');
    }
    try {
      for (const name of names) this.files.set(name, new WatchedStream(open(path.join(this.staging, name))));
    } catch (error) {
      void this.abort();
      throw error;
    }
  }

  stream(name: string): Writable {
    return this.files.get(name)!.stream;
  }

  /** The first file that failed, as one line naming where it was going. */
  get failure(): FileWriteError | undefined {
    for (const [name, file] of this.files) {
      if (file.failure) return new FileWriteError(path.join(this.folder, name), file.failure, 'nothing was exported');
    }
    return undefined;
  }

  async commit(): Promise<void> {
    for (const [name, file] of this.files) {
      try {
        await file.close();
      } catch (error) {
        await this.abort();
        throw new FileWriteError(path.join(this.folder, name), error, 'nothing was exported');
      }
    }
    if (this.createsFolder) {
      try {
        fs.renameSync(this.staging, this.folder);
        fs.chmodSync(this.folder, 0o700);
        return;
      } catch (error) {
        await this.abort();
        throw new FileWriteError(this.folder, error, 'nothing was exported');
      }
    }
    await this.replaceInPlace();
  }

  private async replaceInPlace(): Promise<void> {
    const replaced: Array<{ target: string; previous: string | undefined }> = [];
    let current = '';
    try {
      for (const name of this.files.keys()) {
        current = path.join(this.folder, name);
        const previous = keepPrevious(current, path.join(this.staging, `${name}.previous`));
        fs.renameSync(path.join(this.staging, name), current);
        replaced.push({ target: current, previous });
      }
    } catch (error) {
      for (const { target, previous } of replaced.reverse()) {
        if (previous) fs.renameSync(previous, target);
        else fs.rmSync(target, { force: true });
      }
      await this.abort();
      throw new FileWriteError(current, error, 'the folder keeps its previous files');
    }
    fs.rmSync(this.staging, { recursive: true, force: true });
  }

  /**
   * Waits for every file stream to be closed before removing the staging folder: a stream
   * opens its file asynchronously, and one still opening when the folder is emptied creates
   * its file afterwards, failing the removal with ENOTEMPTY (test/export-folder.test.ts hit it
   * about one run in four).
   */
  async abort(): Promise<void> {
    await Promise.all(
      [...this.files.values()].map(({ stream }) => {
        stream.destroy();
        return finished(stream).catch(() => undefined);
      }),
    );
    fs.rmSync(this.staging, { recursive: true, force: true });
  }
}

/** A second name for the file about to be replaced, so it can be put back; undefined if there is none. */
function keepPrevious(file: string, keep: string): string | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    fs.linkSync(file, keep);
  } catch {
    // A file system without hard links: a copy does the same job, more slowly.
    fs.copyFileSync(file, keep);
  }
  return keep;
}
