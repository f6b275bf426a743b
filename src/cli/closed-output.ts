import type { OutputStream } from './context.js';

/**
 * Thrown by the renderer once stdout's reader has gone away (`crm customer list | head -1`),
 * so the command stops working for no one; the entry point ends it quietly with status 0.
 */
export class ReaderGoneError extends Error {
  constructor() {
    super('the reader of the output has gone away');
    this.name = 'ReaderGoneError';
  }
}

/** A closed pipe, whether noticed by the renderer or by a stream writer such as export. */
export function isReaderGone(error: unknown): boolean {
  return error instanceof ReaderGoneError || (error as NodeJS.ErrnoException | null | undefined)?.code === 'EPIPE';
}

/**
 * Listens for write errors on an output stream. Node reports a closed pipe as an 'error'
 * event a tick after the failed write (process.stdout never stays destroyed, so nothing
 * tells sooner); unheard, it is an uncaught exception with a stack trace. Here it is
 * remembered instead: the command ends quietly, as git and gh do. The listener stays for
 * the stream's life, because that event may come after the command has returned.
 */
export class OutputWatch {
  private failure: Error | undefined;
  private readonly onError = (error: Error) => {
    this.failure ??= error;
  };

  constructor(stream: OutputStream) {
    stream.on('error', this.onError);
  }

  /** The reader went away: known from the tick after the write that found out. */
  get readerGone(): boolean {
    return isReaderGone(this.failure);
  }

  /** Any other write failure (a full disk behind `> file`), to be reported. */
  get otherFailure(): Error | undefined {
    return this.failure && !this.readerGone ? this.failure : undefined;
  }
}
