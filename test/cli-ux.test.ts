import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Context, InputStream } from '../src/cli/context.js';
import { run } from '../src/cli/main.js';
import { inquirerPrompter } from '../src/cli/prompter.js';
import { describeBackends, type BackendCli } from './backends.js';
import { BufferStream, expectRefused, runCli, tempDir, TestCli } from './helpers.js';

const SGR = /\x1b\[[0-9;]*m/;

describeBackends('commands on the database', (backend, fresh) => {
  let cli: BackendCli;
  beforeEach(async () => {
    cli = await fresh();
  });
  afterEach(() => cli.close());

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
        openStore: async () => cli.store,
        store: cli.store,
        waitForInterrupt: () => new Promise(() => {}),
      };
      await cli.run(['customer', 'add', 'Ada Lovelace']);
      const running = run([...flags, 'customer', 'delete', 'ada lovelace'], ctx);
      // Answered once the question is on screen: inquirer is loaded with the first prompt, and
      // a keystroke sent before it listens is lost.
      for (let waited = 0; !stderr.text.includes('Delete customer') && waited < 10_000; waited += 10) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      stdin.write('y\n');
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

  describe('customer edit --product with --no-product', () => {
    it('is a usage error whichever comes last, and changes nothing', async () => {
      await cli.run(['product', 'add', 'Audit']);
      await cli.run(['customer', 'add', 'Ada', '--product', 'audit']);
      for (const argv of [
        ['customer', 'edit', 'ada', '--product', 'audit', '--no-product'],
        ['customer', 'edit', 'ada', '--no-product', '--product', 'audit'],
      ]) {
        await expectRefused(cli, argv, {
          code: 2,
          stderr: "error: option '--product <ref>' cannot be used with option '--no-product'\n",
        });
      }
    });

    it('still takes either one alone', async () => {
      await cli.run(['product', 'add', 'Audit']);
      await cli.run(['customer', 'add', 'Ada']);
      expect((await cli.json(['customer', 'edit', 'ada', '--product', 'audit'])).product_id).not.toBeNull();
      expect((await cli.json(['customer', 'edit', 'ada', '--no-product'])).product_id).toBeNull();
    });
  });

  /** The `$ crm ...` lines of a help page, split as a shell would (double quotes only). */
  function examplesOf(help: string): string[][] {
    const section = help.split('\nExamples:\n')[1] ?? '';
    return section
      .split('\n')
      .filter((line) => line.startsWith('  $ crm '))
      .map((line) => [...line.slice('  $ crm '.length).matchAll(/"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2]!));
  }

  async function helpOf(argv: string[]): Promise<string> {
    const { stdout } = await cli.run([...argv, '--help']);
    return stdout;
  }

  /** Every command, group and leaf, as the argv that names it. */
  async function everyCommand(): Promise<string[][]> {
    const { buildProgram } = await import('../src/cli/program.js');
    const { Session } = await import('../src/cli/session.js');
    const program = await buildProgram(new Session({ stdout: new BufferStream(), stderr: new BufferStream() } as unknown as Context));
    const walk = (command: typeof program, path: string[]): string[][] =>
      // Hidden commands (`__complete`, which the completion scripts call) are not for people.
      command.commands
        .filter((sub) => !(sub as typeof program & { _hidden?: boolean })._hidden)
        .flatMap((sub) => [[...path, sub.name()], ...walk(sub, [...path, sub.name()])]);
    return [[], ...walk(program, [])];
  }

  describe('help examples', () => {
    it('every command and group has an Examples section', async () => {
      const missing: string[] = [];
      for (const argv of await everyCommand()) {
        const help = await helpOf(argv);
        if (!help.includes('\nExamples:\n') || examplesOf(help).length === 0) missing.push(argv.join(' ') || '(root)');
      }
      expect(missing).toEqual([]);
    });

    it.each([
      { page: [], seed: [] },
      { page: ['product'], seed: [] },
      { page: ['customer'], seed: [] },
      { page: ['interaction'], seed: [['customer', 'add', 'Ada Lovelace']] },
      { page: ['db'], seed: [] },
    ])('the examples of crm $page --help work as written, in order', async ({ page, seed }) => {
      // A real file, as users have: `db check` expects the WAL journal an in-memory database lacks.
      await cli.close();
      cli = await fresh({ file: true });
      for (const argv of seed) expect((await cli.run(argv)).code).toBe(0);
      const examples = examplesOf(await helpOf(page));
      expect(examples.length).toBeGreaterThan(1);
      for (const argv of examples) {
        const result = await cli.run(argv);
        // A server's schema holds many teams: `db init` there names the team it creates (README, "Team mode").
        const expected =
          backend === 'postgres' && argv.join(' ') === 'db init'
            ? { code: 2, stderr: 'error: a team database needs a team name: crm db init --team "Acme Consulting" creates the schema and that team\n' }
            : { code: 0, stderr: '' };
        expect({ argv, code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ argv, ...expected });
      }
    });
  });

  describe('--no-input on a terminal', () => {
    const terminal = { tty: true, env: { NO_COLOR: '1' } };

    it('is named as the reason a deletion needs --yes', async () => {
      await cli.run(['customer', 'add', 'Ada']);
      await expectRefused(
        cli,
        ['--no-input', 'customer', 'delete', 'ada'],
        { code: 2, stderr: 'error: deleting customer "Ada" needs confirmation: pass --yes (--no-input was given)\n' },
        terminal,
      );
    });

    it('is named as the reason a missing value is an error', async () => {
      await cli.run(['customer', 'add', 'Ada']);
      await expectRefused(
        cli,
        ['--no-input', 'interaction', 'log', 'ada', '-c', 'phone', '-t', 'Call'],
        { code: 2, stderr: 'error: missing --note: give --note TEXT, or --note - to read it from stdin (--no-input was given)\n' },
        terminal,
      );
    });
  });

  describe('customer restore of a customer who is not archived', () => {
    it('says so rather than "already restored", and changes nothing', async () => {
      await cli.run(['customer', 'add', 'Ada']);
      const before = await cli.snapshot();
      const result = await cli.run(['customer', 'restore', 'ada']);
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/^"Ada" \([0-9a-f]{8}\) is not archived; nothing changed\n$/);
      expect(await cli.snapshot()).toEqual(before);
    });
  });

  describe('terminal tables', () => {
    it('are compact: one rule under the header, none between rows', async () => {
      for (const name of ['Alpha', 'Beta', 'Gamma']) await cli.run(['product', 'add', name]);
      const { stdout } = await cli.run(['product', 'list'], { tty: true, env: { NO_COLOR: '1' } });
      const lines = stdout.trimEnd().split('\n');
      expect(lines.filter((line) => line.startsWith('├'))).toHaveLength(1);
      expect(lines).toHaveLength(7); // top, header, rule, three rows, bottom
    });
  });

  describe('names with control characters', () => {
    it.each([
      [['product', 'add', 'Web\taudit'], 'product name'],
      [['customer', 'add', 'Ada\nLovelace'], 'customer name'],
      [['customer', 'edit', 'ada', '--name', 'Ada\u0007'], 'customer name'],
      [['interaction', 'log', 'ada', '-c', 'phone', '-t', 'Intro\tcall', '-m', 'hi'], 'interaction type'],
    ])('crm %j is refused with a clear message and nothing changes', async (argv, field) => {
      await cli.run(['customer', 'add', 'Ada']);
      await expectRefused(cli, argv, {
        code: 1,
        stderr: `error: ${field} cannot contain tabs, line breaks or other control characters\n`,
      });
    });

    it('leaves notes free to span lines', async () => {
      await cli.run(['customer', 'add', 'Ada']);
      const logged = await cli.json(['interaction', 'log', 'ada', '-c', 'phone', '-t', 'Call', '-m', 'line one\nline\ttwo']);
      expect(logged.note).toBe('line one\nline\ttwo');
    });
  });

  describe('an id prefix under 4 characters', () => {
    it('is explained when nothing has that name', async () => {
      await cli.run(['product', 'add', 'Audit']);
      await expectRefused(cli, ['product', 'show', '1a1'], {
        code: 1,
        stderr: 'error: no product is named "1a1", and an id prefix needs at least 4 characters\n',
      });
    });

    it('still finds a record with that short name', async () => {
      await cli.run(['product', 'add', 'ABC']);
      expect((await cli.json(['product', 'show', 'abc'])).name).toBe('ABC');
    });

    it('leaves the usual message for refs that are not hex', async () => {
      await expectRefused(cli, ['product', 'show', 'zz'], { code: 1, stderr: 'error: no product matches "zz" (by id, id prefix or name)\n' });
    });
  });

});

// Help and the choice of the database file run before any database is opened: no backend to vary.
describe('before a database is opened', () => {
  let cli: TestCli;
  beforeEach(() => {
    cli = new TestCli();
  });
  afterEach(() => cli.close());

  describe('the help command', () => {
    it.each([[['help']], [['help', 'product']], [['customer', 'help', 'list']], [['product', 'add', '--help']]])(
      'crm %j prints help on stdout and exits 0',
      async (argv) => {
        const result = await cli.run(argv);
        expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
        expect(result.stdout).toMatch(/^Usage: crm/);
      },
    );

    it('still exits 2 when a command is incomplete (help shown on stderr)', async () => {
      const result = await cli.run(['customer']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^Usage: crm customer/);
    });
  });

  describe('an empty --db', () => {
    it('is a usage error rather than a quiet fall back to another file', async () => {
      const dir = tempDir();
      try {
        const fallback = path.join(dir, 'fallback.db');
        const result = await runCli(['--db', '', 'product', 'add', 'Audit'], { env: { CRM_DB: fallback } });
        expect(result).toMatchObject({ code: 2, stdout: '', stderr: 'error: --db needs a file path; it was given an empty one\n' });
        expect(fs.existsSync(fallback)).toBe(false);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('while an empty CRM_DB means unset, as shell variables usually do', async () => {
      const dir = tempDir();
      try {
        const result = await runCli(['db', 'path'], { env: { CRM_DB: '', HOME: dir } });
        expect(result).toMatchObject({ code: 0, stdout: `${path.join(dir, '.local', 'share', 'crm', 'crm.db')}\n` });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

});
