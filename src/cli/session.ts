import fs from 'node:fs';
import os from 'node:os';
import { AbortedError, ConflictError, UsageError } from '../domain/errors.js';
import type { Services, Store } from '../services/index.js';
import { OutputWatch } from './closed-output.js';
import type { Context, OutputStream } from './context.js';
import { loadedServices, loadServices } from './layers.js';
import { loadColours, paintFor, type Paint } from './paint.js';
import type { Prompter } from './prompter.js';
import { Renderer, tableWidth } from './output.js';
import { parseCurrencyVariable } from './parse.js';

export interface GlobalOptions {
  db?: string;
  color?: boolean;
  input?: boolean;
}

/**
 * Per-invocation state shared by every command: the parsed global options, the lazily
 * opened database, the renderer for stdout and the message channel on stderr.
 */
export class Session {
  private globals: GlobalOptions = {};
  private opened: Promise<Store> | undefined;
  private openedStore: Store | undefined;
  private servicesInstance: Promise<Services> | undefined;
  private rendererInstance: Renderer | undefined;
  private createsDatabase = false;

  private readonly stdoutWatch: OutputWatch;

  /**
   * The command line as the change set records it (`crm undo --list`), without --db: the
   * database is where the record is, and a server URL may hold a password.
   */
  readonly commandLine: string;

  constructor(
    readonly ctx: Context,
    argv: readonly string[] = [],
  ) {
    this.commandLine = recordedCommandLine(argv);
    this.stdoutWatch = new OutputWatch(ctx.stdout);
  }

  private stderrWatched = false;

  /** Whether stderr is a terminal, asked without making the stream where the context can. */
  get stderrIsTTY(): boolean {
    return this.ctx.stderrIsTTY ?? Boolean(this.ctx.stderr.isTTY);
  }

  /**
   * The context's stderr, for every write to it: watched from its first use (the context may
   * make it only then), so that `crm ... 2>&1 | head` drops messages to a closed stderr rather
   * than crashing.
   */
  get stderr(): OutputStream {
    const stream = this.ctx.stderr;
    if (!this.stderrWatched) {
      this.stderrWatched = true;
      void new OutputWatch(stream);
    }
    return stream;
  }

  /** Whoever read stdout has gone away (`| head`): nothing more can be shown, nothing failed. */
  get readerGone(): boolean {
    return this.stdoutWatch.readerGone;
  }

  /** A write to stdout that failed for another reason (a full disk behind `> file`). */
  get outputFailure(): Error | undefined {
    return this.stdoutWatch.otherFailure;
  }

  /** Loads what a command's action needs before it runs; never done for --help or --version. */
  async prepare(): Promise<void> {
    await Promise.all([loadServices(), this.prepareColours()]);
  }

  /** chalk, when stdout or stderr is to be coloured; the entry point calls it before an error line too. */
  async prepareColours(): Promise<void> {
    if (this.colorFor(this.ctx.stdout) || this.colorFor(this.stderrIsTTY)) await loadColours();
  }

  setGlobals(globals: GlobalOptions): void {
    // An empty --db (often an unset shell variable: --db "$FILE") must not quietly fall back
    // to another file. An empty CRM_DB, by contrast, means unset, as is usual for variables.
    if (globals.db !== undefined && !globals.db.trim()) {
      throw new UsageError('--db needs a file path; it was given an empty one');
    }
    this.globals = globals;
  }

  /** The database file's path, or the team server's URL (--db, CRM_DB, else the data directory). */
  get databasePath(): string {
    if (this.ctx.store) return this.ctx.store.location;
    return loadedServices().resolveDatabasePath(this.globals.db, this.ctx.env, this.ctx.cwd);
  }

  /** Whether the data is on a team's PostgreSQL server rather than in a file. */
  get onServer(): boolean {
    return (this.ctx.store?.backend ?? (loadedServices().isPostgresUrl(this.databasePath) ? 'postgres' : 'sqlite')) === 'postgres';
  }

  /** Refuses, before anything is written, an output path that is this database or one of its companion files. */
  refuseDatabaseFile(target: string, what: string): void {
    if (this.onServer) return;
    loadedServices().refuseDatabaseFile(target, this.databasePath, what);
  }

  /** The database, opened on first use (a file, or a connection to the team's server). */
  store(): Promise<Store> {
    if (this.ctx.store) return Promise.resolve(this.identified(this.ctx.store));
    this.opened ??= this.ctx
      .openStore(this.databasePath, { create: this.createsDatabase, busyTimeoutMs: this.busyTimeoutMs })
      .then((store) => {
        this.openedStore = store;
        return this.identified(store);
      });
    return this.opened;
  }

  /** Another database than this command's (`db push`'s target), opened and identified as this one is; the caller closes it. */
  async openOther(location: string): Promise<Store> {
    return this.identified(await this.ctx.openStore(location, { busyTimeoutMs: this.busyTimeoutMs }));
  }

  /**
   * Only the commands that write a record (add, import, db init, db migrate) create a missing
   * database file; they say so before their first use of the database. Any other command on
   * a missing file fails naming the path, so a mistyped --db never shows an empty database.
   */
  allowCreatingDatabase(): void {
    this.createsDatabase = true;
  }

  /**
   * The audit log names whoever runs this command, stamped with the command's clock. A person
   * at a terminal is told when a write waits for another process's (an import's) lock.
   */
  private identified(store: Store): Store {
    store.identifyWriter({ actor: this.actor, clock: this.ctx.clock, command: this.commandLine });
    store.onLockWait(this.stderrIsTTY ? () => this.noticeLockWait() : undefined);
    return store;
  }

  private lockWaitNoticed = false;

  private noticeLockWait(): void {
    if (this.lockWaitNoticed) return;
    this.lockWaitNoticed = true;
    this.info(this.errPaint.dim('waiting for another crm write to finish…'));
  }

  /** CRM_BUSY_TIMEOUT, in seconds: how long a write waits for another process's lock. */
  private get busyTimeoutMs(): number | undefined {
    const setting = this.ctx.env.CRM_BUSY_TIMEOUT;
    if (setting === undefined || setting.trim() === '') return undefined;
    const seconds = Number(setting);
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new UsageError(`CRM_BUSY_TIMEOUT must be a number of seconds, like 600; it is "${setting}"`);
    }
    return Math.round(seconds * 1000);
  }

  /** CRM_OWNER, else the OS user: who the audit log records for this command's writes. */
  get actor(): string {
    if (this.owner) return this.owner;
    try {
      return os.userInfo().username;
    } catch {
      // No passwd entry (some containers): the login variables are the next best witness.
      return this.ctx.env.USER ?? this.ctx.env.LOGNAME ?? '';
    }
  }

  services(): Promise<Services> {
    this.servicesInstance ??= this.store().then((store) => new (loadedServices().Services)(store, this.ctx.clock));
    return this.servicesInstance;
  }

  /** Colour only on a terminal, and never with NO_COLOR (any value) or --no-color. */
  private colorFor(stream: { isTTY?: boolean } | boolean): boolean {
    if (this.globals.color === false || this.ctx.env.NO_COLOR !== undefined) return false;
    return typeof stream === 'boolean' ? stream : Boolean(stream.isTTY);
  }

  get out(): Renderer {
    this.rendererInstance ??= new Renderer(
      this.ctx.stdout,
      this.stdoutWatch,
      this.colorFor(this.ctx.stdout),
      tableWidth(this.ctx.stdout, this.ctx.env),
    );
    return this.rendererInstance;
  }

  get stdoutIsTTY(): boolean {
    return Boolean(this.ctx.stdout.isTTY);
  }

  private get errPaint(): Paint {
    return paintFor(this.colorFor(this.stderrIsTTY));
  }

  /** Human-facing messages (confirmations, counts, warnings) go to stderr, never stdout. */
  info(message: string): void {
    this.stderr.write(`${message}\n`);
  }

  success(message: string): void {
    this.stderr.write(`${this.errPaint.green('✓')} ${message}\n`);
  }

  warn(message: string): void {
    this.stderr.write(`${this.errPaint.yellow('warning:')} ${message}\n`);
  }

  error(message: string): void {
    this.stderr.write(`${this.errPaint.red('error:')} ${message}\n`);
  }

  /** Prompts need a person at both ends: stdin to answer and stdout to read. */
  get canPrompt(): boolean {
    return Boolean(this.ctx.stdin.isTTY && this.ctx.stdout.isTTY) && this.globals.input !== false;
  }

  /** The context's prompter, drawn without colour when colour is off (--no-color, NO_COLOR). */
  get prompter(): Prompter {
    return this.colorFor(this.stderrIsTTY) ? this.ctx.prompter : this.ctx.prompter.plain();
  }

  get owner(): string | undefined {
    return this.ctx.env.CRM_OWNER || undefined;
  }

  /** CRM_CURRENCY: the currency of `--value` amounts that name none (before `crm config` currency). */
  get defaultCurrency(): string | undefined {
    return parseCurrencyVariable(this.ctx.env.CRM_CURRENCY);
  }

  /**
   * Destructive commands: `--yes` skips the question; on a terminal the user is asked;
   * anywhere else the command refuses rather than guess.
   */
  async confirm(action: string, question: string, yes: boolean | undefined): Promise<void> {
    if (yes) return;
    if (!this.canPrompt) {
      throw new UsageError(`${action} needs confirmation: pass --yes (${this.whyNoPrompt('ask')})`);
    }
    const ok = await this.prompter.confirm({ message: question, default: false });
    if (!ok) throw new AbortedError('cancelled; nothing was changed');
  }

  /**
   * Whether an existing output file may be replaced: --force says yes; on a terminal the
   * user is asked; anywhere else the command refuses (exit 1) with the hint. `file` is
   * absolute, `shown` is how the user typed it.
   */
  async mayReplace(file: string, shown: string, force: boolean | undefined): Promise<boolean> {
    if (force || !fs.existsSync(file) || fs.statSync(file).isDirectory()) return Boolean(force);
    if (!this.canPrompt) throw new ConflictError(`${shown} already exists; pass --force to replace it`);
    const ok = await this.prompter.confirm({ message: `${shown} already exists. Replace it?`, default: false });
    if (!ok) throw new AbortedError(`cancelled; ${shown} was left as it was`);
    return true;
  }

  /** A value the command needs: asked for on a terminal, a usage error elsewhere. */
  async require(value: string | undefined, what: string, ask: () => Promise<string>): Promise<string> {
    if (value !== undefined) return value;
    if (!this.canPrompt) throw new UsageError(`missing ${what} (${this.whyNoPrompt('prompt')})`);
    return ask();
  }

  /** Why nothing can be asked, so the user knows what to change: their flag, or the terminal. */
  whyNoPrompt(verb: 'ask' | 'prompt'): string {
    return this.globals.input === false ? '--no-input was given' : `no terminal to ${verb} on`;
  }

  async close(): Promise<void> {
    const store = this.openedStore;
    this.openedStore = undefined;
    this.opened = undefined;
    await store?.close();
  }
}

/** A word as it can be pasted back into a shell. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

function recordedCommandLine(argv: readonly string[]): string {
  const words: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const word = argv[index]!;
    if (word === '--db') {
      index += 1;
      continue;
    }
    if (word.startsWith('--db=')) continue;
    words.push(shellWord(word));
  }
  return ['crm', ...words].join(' ');
}
