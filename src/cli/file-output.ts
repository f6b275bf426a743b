import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { NotFoundError } from '../domain/errors.js';
import { finished } from 'node:stream/promises';

/**
 * A file written under a temporary name and renamed into place once complete, so an
 * interrupted export never leaves a truncated CSV that looks like a good one.
 */
export class FileOutput {
  readonly stream: Writable;
  private readonly partial: string;

  constructor(readonly file: string) {
    const folder = path.dirname(file);
    if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) throw new NotFoundError(`no folder ${folder} to write ${path.basename(file)} in`);
    this.partial = path.join(path.dirname(file), `.${path.basename(file)}.partial`);
    this.stream = fs.createWriteStream(this.partial, { mode: 0o600, highWaterMark: 1 << 20 });
  }

  async commit(): Promise<void> {
    this.stream.end();
    await finished(this.stream);
    fs.renameSync(this.partial, this.file);
  }

  abort(): void {
    this.stream.destroy();
    fs.rmSync(this.partial, { force: true });
  }
}
