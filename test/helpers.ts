import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { expect } from 'vitest';
import { openDatabase, type CrmDatabase } from '../src/db/connection.js';
import { openStore } from '../src/repositories/open.js';
import type { Store } from '../src/repositories/ports.js';
import { SqliteStore } from '../src/repositories/sqlite/store.js';
import type { Clock } from '../src/domain/types.js';
import type { Context, ContextHooks, InputStream } from '../src/cli/context.js';
import { run } from '../src/cli/main.js';
import type { Choice, Prompter } from '../src/cli/prompter.js';

export const FIXED_NOW = new Date('2026-11-25T10:00:00.000Z');

/** A clock that stands still unless a test moves it. */
export class TestClock implements Clock {
  private current: Date;
  constructor(start: Date = FIXED_NOW) {
    this.current = new Date(start.getTime());
  }
  now(): Date {
    return new Date(this.current.getTime());
  }
  set(date: Date | string): void {
    this.current = new Date(date);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
  advanceDays(days: number): void {
    this.advance(days * 86_400_000);
  }
}

export class BufferStream extends Writable {
  private chunks: string[] = [];
  constructor(
    readonly isTTY = false,
    /** The terminal's width, as process.stdout.columns reports it; undefined when unknown. */
    readonly columns?: number,
  ) {
    super();
  }
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(chunk.toString());
    callback();
  }
  get text(): string {
    return this.chunks.join('');
  }
}

/** Answers prompts from a script, in order; fails the test if asked something unexpected. */
export class ScriptedPrompter implements Prompter {
  readonly asked: string[] = [];
  constructor(private readonly answers: unknown[] = []) {}
  private next<T>(message: string): T {
    this.asked.push(message);
    if (this.answers.length === 0) throw new Error(`unexpected prompt: ${message}`);
    return this.answers.shift() as T;
  }
  /** Like inquirer, asks again while `validate` refuses the answer. */
  async input(question: { message: string; default?: string; validate?: (value: string) => true | string }): Promise<string> {
    for (;;) {
      const answer = (await this.next<string | PromiseLike<string> | undefined>(question.message)) ?? question.default ?? '';
      if (!question.validate || question.validate(answer) === true) return answer;
    }
  }
  async select<T>(question: { message: string; choices: Array<Choice<T>> }): Promise<T> {
    const answer = this.next<T | string>(question.message);
    const byName = question.choices.find((choice) => choice.name === answer);
    return byName ? byName.value : (answer as T);
  }
  async confirm(question: { message: string }): Promise<boolean> {
    return this.next<boolean>(question.message);
  }
  async editor(question: { message: string }): Promise<string> {
    return this.next<string>(question.message);
  }
  plain(): Prompter {
    return this;
  }
}

export interface RunOptions {
  tty?: boolean;
  stdin?: string;
  env?: Record<string, string | undefined>;
  answers?: unknown[];
  /** Resolves the command's waitForInterrupt, as Ctrl-C would; by default it never comes. */
  interrupt?: Promise<void>;
  /** Streams to read a long-running command's output (watch) while it runs. */
  stdout?: BufferStream;
  stderr?: BufferStream;
  cwd?: string;
  /** Fixed points where the test takes over (see ContextHooks). */
  hooks?: ContextHooks;
  /** The width of the terminal stdout is (with `tty`); unknown by default. */
  columns?: number;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  prompter: ScriptedPrompter;
}

export interface CliRunOptions extends RunOptions {
  clock?: Clock;
  /**
   * A database opened by the test and shared across runs. Without one, the run resolves the
   * path itself (--db, CRM_DB, data directory) and opens and closes the file like the binary.
   */
  database?: CrmDatabase;
  /** The same, as a store of either backend (a PostgreSQL team database in team-mode tests). */
  store?: Store;
}

const storesOfDatabases = new WeakMap<CrmDatabase, SqliteStore>();

/** One store per test database, so its prepared statements are reused across runs. */
export function sqliteStoreOf(database: CrmDatabase): SqliteStore {
  let store = storesOfDatabases.get(database);
  if (!store) {
    store = new SqliteStore(database);
    storesOfDatabases.set(database, store);
  }
  return store;
}

/** One in-process CLI invocation with buffered IO. */
export async function runCli(argv: string[], options: CliRunOptions = {}): Promise<RunResult> {
  const stdout = options.stdout ?? new BufferStream(options.tty ?? false, options.columns);
  const stderr = options.stderr ?? new BufferStream(options.tty ?? false);
  const stdin = new PassThrough() as PassThrough & InputStream;
  stdin.isTTY = options.tty ?? false;
  stdin.end(options.stdin ?? '');
  const prompter = new ScriptedPrompter(options.answers);
  const store = options.store ?? (options.database ? sqliteStoreOf(options.database) : undefined);
  const ctx: Context = {
    stdin,
    stdout,
    stderr,
    env: { ...options.env },
    cwd: options.cwd ?? process.cwd(),
    clock: options.clock ?? new TestClock(),
    prompter,
    // A given store stands for this command's database; another server (db push's target) is opened for real.
    openStore: store
      ? async (location, openOptions) => (/^postgres(ql)?:\/\//.test(location) && location !== store.location ? openStore(location, openOptions) : store)
      : (location, openOptions) => openStore(location, openOptions),
    store,
    waitForInterrupt: () => options.interrupt ?? new Promise(() => {}),
    hooks: options.hooks,
  };
  const code = await run(argv, ctx);
  return { code, stdout: stdout.text, stderr: stderr.text, prompter };
}

/** A CLI test harness: one database and clock shared by every `run` of a test. */
export class TestCli {
  readonly clock = new TestClock();
  readonly db: CrmDatabase;

  constructor(dbPath = ':memory:') {
    this.db = openDatabase(dbPath);
  }

  get store(): SqliteStore {
    return sqliteStoreOf(this.db);
  }

  async run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
    return runCli(argv, { ...options, clock: this.clock, database: this.db });
  }

  /** Runs a command that must succeed and returns its parsed `--json` output. */
  async json<T = any>(argv: string[], options: RunOptions = {}): Promise<T> {
    const result = await this.run([...argv, '--json'], options);
    if (result.code !== 0) throw new Error(`crm ${argv.join(' ')} failed (${result.code}): ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  }

  /**
   * Every row of every table: compare before and after to prove nothing changed. A full-text
   * index counts as its documents (the virtual table), not as the tables it keeps them in;
   * a table without rowid is ordered by its key.
   */
  snapshot(): Record<string, unknown[]> {
    const tables = this.db.sqlite
      .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
      .all() as Array<{ name: string; sql: string }>;
    const virtual = tables.filter(({ sql }) => /^CREATE VIRTUAL TABLE/i.test(sql)).map(({ name }) => name);
    const shadow = (name: string) => virtual.some((owner) => name.startsWith(`${owner}_`) && /_(data|idx|content|docsize|config)$/.test(name));
    return Object.fromEntries(
      tables
        .filter(({ name }) => !shadow(name))
        .map(({ name, sql }) => [name, this.db.sqlite.prepare(`SELECT * FROM "${name}" ORDER BY ${/WITHOUT ROWID\s*$/i.test(sql) ? 1 : 'rowid'}`).all()]),
    );
  }

  close(): void {
    this.db.close();
  }
}

/** Every row of an async iterable, in order (Node 20 has no Array.fromAsync). */
export async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const row of rows) all.push(row);
  return all;
}

export function tempDir(prefix = 'crm-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A CLI harness of either backend (TestCli, or BackendCli of test/backends.ts). */
export interface RefusalTarget {
  run(argv: string[], options?: RunOptions): Promise<RunResult>;
  snapshot(): Record<string, unknown[]> | Promise<Record<string, unknown[]>>;
}

/**
 * Runs a command that must be refused: asserts the exit code and the exact stderr, that
 * nothing reached stdout, that no prompt was shown, and that the database is unchanged.
 */
export async function expectRefused(
  cli: RefusalTarget,
  argv: string[],
  expected: { code: number; stderr: string },
  options: RunOptions = {},
): Promise<void> {
  const before = await cli.snapshot();
  const result = await cli.run(argv, options);
  expect({ code: result.code, stderr: result.stderr }).toEqual(expected);
  expect(result.stdout).toBe('');
  expect(result.prompter.asked).toEqual([]);
  expect(await cli.snapshot()).toEqual(before);
}

export const CRM_BIN = path.resolve(import.meta.dirname, '..', 'bin', 'crm.js');
/** Small entry scripts the process tests spawn next to crm (they import the built dist/). */
export const FIXTURES = path.resolve(import.meta.dirname, 'fixtures');

export interface SpawnResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Where a spawned crm looks for its default database when a test gives neither --db nor
 * CRM_DB: never the developer's real home.
 */
const CHILD_HOME = path.join(os.tmpdir(), 'crm-test-home');

/**
 * The whole environment of a spawned child: PATH, a throwaway HOME and what the test says.
 * Nothing else is inherited, so a developer's CRM_DB, CRM_OWNER, NO_COLOR or XDG_* settings
 * cannot change what the tests see.
 */
export function childEnv(env: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: CHILD_HOME, ...env };
}

/**
 * Runs the built binary (vitest's global setup builds it) as a user's shell would: no
 * terminal, the given environment only (see childEnv), piped stdin.
 */
export function spawnCrm(args: string[], options: { env?: Record<string, string>; input?: string } = {}): SpawnResult {
  const result = spawnSync(process.execPath, [CRM_BIN, ...args], {
    env: childEnv(options.env),
    input: options.input ?? '',
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface ProcessExit extends SpawnResult {
  signal: NodeJS.Signals | null;
}

/** A child started by startCrm or startNode, with deadlines on everything a test waits for. */
export interface StartedProcess {
  readonly child: ChildProcess;
  /**
   * The first complete line on that stream equal to `expected` (or matching it). Fails with
   * what was printed if none comes within the timeout or the process exits first.
   */
  waitForLine(expected: string | RegExp, options?: { stream?: 'stdout' | 'stderr'; timeoutMs?: number }): Promise<string>;
  /** The exit status and all output; kills the process and fails if it is still running at the timeout. */
  exit(timeoutMs?: number): Promise<ProcessExit>;
  /** Sends a signal unless the process has already exited; for cleanup in `finally`. */
  kill(signal?: NodeJS.Signals): void;
}

const DEFAULT_LINE_TIMEOUT_MS = 10_000;
const DEFAULT_EXIT_TIMEOUT_MS = 20_000;

/** Starts `node SCRIPT ARGS...` with stdin closed, the environment of childEnv, and output collected. */
export function startNode(script: string, args: string[], options: { env?: Record<string, string> } = {}): StartedProcess {
  const name = `${path.basename(script)} ${args.join(' ')}`;
  const child = spawn(process.execPath, [script, ...args], {
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const printed = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (printed.stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (printed.stderr += chunk));
  let exited: ProcessExit | undefined;
  const closed = new Promise<ProcessExit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      exited = { code, signal, ...printed };
      resolve(exited);
    });
  });
  // A failed spawn is reported by exit() or waitForLine(); this keeps it from also being an unhandled rejection.
  closed.catch(() => {});
  const describeOutput = () => `\n--- stdout ---\n${printed.stdout}\n--- stderr ---\n${printed.stderr}`;

  const withDeadline = <T>(work: Promise<T>, timeoutMs: number, failure: () => string, onTimeout = () => {}) => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        onTimeout();
        reject(new Error(`${failure()} within ${timeoutMs} ms${describeOutput()}`));
      }, timeoutMs);
    });
    return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
  };

  return {
    child,
    waitForLine(expected, { stream = 'stdout', timeoutMs = DEFAULT_LINE_TIMEOUT_MS } = {}) {
      const matches = (line: string) => (typeof expected === 'string' ? line === expected : expected.test(line));
      const found = () => printed[stream].split('\n').slice(0, -1).find(matches);
      const appeared = new Promise<string>((resolve, reject) => {
        const check = () => {
          const line = found();
          if (line !== undefined) finish(() => resolve(line));
        };
        const ended = () =>
          finish(() => reject(new Error(`${name} exited before printing a line matching ${expected} on ${stream}${describeOutput()}`)));
        const finish = (settle: () => void) => {
          child[stream]!.off('data', check);
          child.off('close', ended);
          settle();
        };
        child[stream]!.on('data', check);
        child.on('close', ended);
        check();
        if (exited && found() === undefined) ended();
      });
      return withDeadline(appeared, timeoutMs, () => `${name} printed no line matching ${expected} on ${stream}`);
    },
    exit(timeoutMs = DEFAULT_EXIT_TIMEOUT_MS) {
      return withDeadline(closed, timeoutMs, () => `${name} did not exit`, () => child.kill('SIGKILL'));
    },
    kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** Starts the built binary asynchronously: for runs that overlap, crash, or run until stopped. */
export function startCrm(args: string[], options: { env?: Record<string, string> } = {}): StartedProcess {
  return startNode(CRM_BIN, args, options);
}
