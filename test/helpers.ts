import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { expect } from 'vitest';
import { openDatabase, type CrmDatabase } from '../src/db/connection.js';
import type { Clock } from '../src/domain/types.js';
import type { Context, InputStream } from '../src/cli/context.js';
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
  constructor(readonly isTTY = false) {
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
  async input(question: { message: string; default?: string }): Promise<string> {
    const answer = this.next<string | undefined>(question.message);
    return answer ?? question.default ?? '';
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
}

/** One in-process CLI invocation with buffered IO. */
export async function runCli(argv: string[], options: CliRunOptions = {}): Promise<RunResult> {
  const stdout = options.stdout ?? new BufferStream(options.tty ?? false);
  const stderr = options.stderr ?? new BufferStream(options.tty ?? false);
  const stdin = new PassThrough() as PassThrough & InputStream;
  stdin.isTTY = options.tty ?? false;
  stdin.end(options.stdin ?? '');
  const prompter = new ScriptedPrompter(options.answers);
  const { database } = options;
  const ctx: Context = {
    stdin,
    stdout,
    stderr,
    env: { ...options.env },
    cwd: options.cwd ?? process.cwd(),
    clock: options.clock ?? new TestClock(),
    prompter,
    openDatabase: database ? () => database : (file) => openDatabase(file),
    database,
    waitForInterrupt: () => options.interrupt ?? new Promise(() => {}),
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

  async run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
    return runCli(argv, { ...options, clock: this.clock, database: this.db });
  }

  /** Runs a command that must succeed and returns its parsed `--json` output. */
  async json<T = any>(argv: string[], options: RunOptions = {}): Promise<T> {
    const result = await this.run([...argv, '--json'], options);
    if (result.code !== 0) throw new Error(`crm ${argv.join(' ')} failed (${result.code}): ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  }

  /** Every row of every table: compare before and after to prove nothing changed. */
  snapshot(): Record<string, unknown[]> {
    const tables = this.db.sqlite
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
      .all() as Array<{ name: string }>;
    return Object.fromEntries(
      tables.map(({ name }) => [name, this.db.sqlite.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all()]),
    );
  }

  close(): void {
    this.db.close();
  }
}

export function tempDir(prefix = 'crm-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Runs a command that must be refused: asserts the exit code and the exact stderr, that
 * nothing reached stdout, that no prompt was shown, and that the database is unchanged.
 */
export async function expectRefused(
  cli: TestCli,
  argv: string[],
  expected: { code: number; stderr: string },
  options: RunOptions = {},
): Promise<void> {
  const before = cli.snapshot();
  const result = await cli.run(argv, options);
  expect({ code: result.code, stderr: result.stderr }).toEqual(expected);
  expect(result.stdout).toBe('');
  expect(result.prompter.asked).toEqual([]);
  expect(cli.snapshot()).toEqual(before);
}

export const CRM_BIN = path.resolve(import.meta.dirname, '..', 'bin', 'crm.js');

export interface SpawnResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built binary (vitest's global setup builds it) as a user's shell would: no
 * terminal, the given environment only (plus PATH), piped stdin.
 */
export function spawnCrm(args: string[], options: { env?: Record<string, string>; input?: string } = {}): SpawnResult {
  const result = spawnSync(process.execPath, [CRM_BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...options.env },
    input: options.input ?? '',
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
