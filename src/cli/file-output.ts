import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/**
 * A file written under a temporary name and renamed into place once complete, so an
 * interrupted export never leaves a truncated CSV that looks like a good one.
 */
export class FileOutput {
  readonly stream: Writable;
  private readonly partial: string;

  constructor(readonly file: string) {
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
