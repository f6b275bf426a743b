import type { Readable, Writable } from 'node:stream';
import { isatty } from 'node:tty';
import { systemClock, type Clock } from '../domain/types.js';
import type { MoveStep } from '../services/archive.js';
import type { MergeStep } from '../services/merge.js';
import type { UndoStep } from '../services/undo.js';
import type { Store, StoreOptions } from '../services/index.js';
import type { OpenFileStream } from './file-output.js';
import { loadedServices } from './layers.js';
import { inquirerPrompter, type Prompter } from './prompter.js';

export type InputStream = Readable & { isTTY?: boolean };
export type OutputStream = Writable & { isTTY?: boolean; columns?: number };

/**
 * Everything a command touches in the outside world. `bin/crm.js` builds it from `process`;
 * tests build one with buffers, a fixed clock and an in-memory or temp database.
 */
export interface Context {
  stdin: InputStream;
  stdout: OutputStream;
  stderr: OutputStream;
  /**
   * Whether stderr is a terminal, when the context can tell without making the stream (the
   * process's: a command that never writes to stderr need not pay for it). Else stderr.isTTY.
   */
  readonly stderrIsTTY?: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
  clock: Clock;
  prompter: Prompter;
  /**
   * Opens the database once its location is known (after `--db` is parsed): a file, created
   * only when `create` is set (commands that write), or a team's server URL.
   */
  openStore: (location: string, options: StoreOptions) => Promise<Store>;
  /** A database opened by the caller; used instead of resolving a location, and not closed. */
  store?: Store;
  /**
   * Resolves on Ctrl-C or SIGTERM. Only long-running commands (`watch`) call it, because
   * listening for SIGINT stops Node's default of exiting on it.
   */
  waitForInterrupt: () => Promise<void>;
  /**
   * Called at fixed points of long operations, so a test can stop the process exactly there
   * (as a power cut would) and prove nothing is lost. The binary never sets them.
   */
  hooks?: ContextHooks;
}

export interface ContextHooks {
  /** After each commit of an `archive --to` batch: in the archive file, then in the main one. */
  onArchiveStep?: (step: MoveStep) => void;
  /** Opens each file `export` and `import --rejects` write, so a test can fail a write as a full disk does. */
  openFileStream?: OpenFileStream;
  /** Inside `customer merge`'s transaction once the records have moved, and after its commit. */
  onMergeStep?: (step: MergeStep) => void;
  /** Inside `undo`'s transaction once every row is put back, and after its commit. */
  onUndoStep?: (step: UndoStep) => void;
}

export function processContext(): Context {
  let prompter: Prompter | undefined;
  return {
    // Node makes process.stdin on first use, which costs a few ms of CPU (npm run bench:startup)
    // that the many commands which never read it or prompt need not pay.
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    // Made on first use too: a stream on a pipe or terminal costs a command that never writes
    // to stderr (`crm --version`) ~14M instructions, about a third of what it adds to `node -e 0`.
    get stderr() {
      return process.stderr;
    },
    get stderrIsTTY() {
      return isatty(2);
    },
    env: process.env,
    cwd: process.cwd(),
    clock: systemClock,
    get prompter() {
      prompter ??= inquirerPrompter(process.stdin, process.stderr);
      return prompter;
    },
    openStore: (location, options) => loadedServices().openStore(location, options),
    waitForInterrupt: () =>
      new Promise((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      }),
  };
}
