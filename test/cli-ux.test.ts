import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Context, InputStream } from '../src/cli/context.js';
import { run } from '../src/cli/main.js';
import { inquirerPrompter } from '../src/cli/prompter.js';
import { BufferStream, TestCli } from './helpers.js';

let cli: TestCli;
beforeEach(() => {
  cli = new TestCli();
});
afterEach(() => cli.close());

const SGR = /\x1b\[[0-9;]*m/;

describe('prompts with colour turned off', () => {
  /** A real inquirer prompt on a pretend terminal, answered "y". */
  async function deleteWithRealPrompt(flags: string[], env: Record<string, string> = {}) {
    const stdin = new PassThrough() as PassThrough & InputStream;
    stdin.isTTY = true;
    const stderr = new BufferStream(true);
    const ctx: Context = {
      stdin,
      stdout: new BufferStream(true),
      stderr,
      env,
      cwd: process.cwd(),
      clock: cli.clock,
      prompter: inquirerPrompter(stdin, stderr),
      openDatabase: () => cli.db,
      database: cli.db,
      waitForInterrupt: () => new Promise(() => {}),
    };
    await cli.run(['customer', 'add', 'Ada Lovelace']);
    const running = run([...flags, 'customer', 'delete', 'ada lovelace'], ctx);
    setTimeout(() => stdin.write('y\n'), 20);
    const code = await running;
    return { code, stderr: stderr.text };
  }

  // Inquirer asks node's styleText, which colours only when this process's environment allows it.
  const saved = { FORCE_COLOR: process.env.FORCE_COLOR, NO_COLOR: process.env.NO_COLOR };
  beforeEach(() => {
    process.env.FORCE_COLOR = '1';
    delete process.env.NO_COLOR;
  });
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('are styled on a terminal by default', async () => {
    const { code, stderr } = await deleteWithRealPrompt([]);
    expect(code).toBe(0);
    expect(stderr).toMatch(SGR);
  });

  it.each([
    ['--no-color', ['--no-color'], {}],
    ['NO_COLOR', [], { NO_COLOR: '1' }],
  ])('are drawn plain with %s', async (_name, flags, env) => {
    const { code, stderr } = await deleteWithRealPrompt(flags, env);
    expect(code).toBe(0);
    expect(stderr).toContain('Delete customer "Ada Lovelace"');
    expect(stderr).not.toMatch(SGR);
  });
});
