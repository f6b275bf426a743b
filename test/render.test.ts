import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_CELL_LINES } from '../src/cli/table.js';
import { cutToWidth, displayWidth, wrapToWidth } from '../src/cli/text-width.js';
import { TestCli } from './helpers.js';

let cli: TestCli;
beforeEach(() => {
  cli = new TestCli();
});
afterEach(() => cli.close());

const plain = { NO_COLOR: '1' };
/** A regression here would hang, not fail: the test timeout is what catches it. */
const HANG_TIMEOUT_MS = 120_000;

/** The lines of a table: those drawn between its borders. */
function tableLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => /^[┌│├└]/.test(line));
}

function noteCellLines(stdout: string): string[] {
  // The note is the fifth column of the interactions table.
  return tableLines(stdout)
    .filter((line) => line.startsWith('│'))
    .slice(1)
    .map((line) => line.split('│')[5]!.trim());
}

async function logNote(note: string): Promise<void> {
  const result = await cli.run(['interaction', 'log', 'ada', '-c', 'email', '-t', 'Report', '--note', '-'], { stdin: note });
  expect(result.code, result.stderr).toBe(0);
}

describe('text width', () => {
  it('counts terminal columns, not UTF-16 units', () => {
    expect(displayWidth('Ada')).toBe(3);
    expect(displayWidth('日本語')).toBe(6);
    expect(displayWidth('ｆｕｌｌ')).toBe(8);
    // e + combining acute, and a composed é: one column each.
    expect(displayWidth('Rene\u0301e')).toBe(5);
    expect(displayWidth('Renée')).toBe(5);
    expect(displayWidth('👩‍👩‍👧')).toBe(2);
    expect(displayWidth('👍🏽')).toBe(2);
    expect(displayWidth('🇬🇧')).toBe(2);
    expect(displayWidth('✔')).toBe(1);
    expect(displayWidth('✔\ufe0f')).toBe(2);
    expect(displayWidth('\u001b[32mclosed_won\u001b[39m')).toBe(10);
  });

  it('cuts at a column count with an ellipsis, never inside a wide character or a cluster', () => {
    expect(cutToWidth('Ada Lovelace', 8)).toEqual({ text: 'Ada Lov…', width: 8, cut: true });
    expect(cutToWidth('Ada', 8)).toEqual({ text: 'Ada', width: 3, cut: false });
    expect(cutToWidth('日本語', 5)).toEqual({ text: '日本…', width: 5, cut: true });
    expect(cutToWidth('日本語', 4)).toEqual({ text: '日…', width: 3, cut: true });
    expect(cutToWidth('e\u0301e\u0301e\u0301', 2)).toEqual({ text: 'e\u0301…', width: 2, cut: true });
    expect(cutToWidth('👩‍👩‍👧👩‍👩‍👧', 3).text).toBe('👩‍👩‍👧…');
    // Colour that is cut off is closed, so it does not bleed into the border.
    expect(cutToWidth('\u001b[31m2026-11-20 overdue\u001b[39m', 8).text).toBe('\u001b[31m2026-11…\u001b[0m');
  });

  it('wraps on spaces, cuts words longer than the line, and marks what it left out', () => {
    expect(wrapToWidth('one two three four', 9, 4)).toEqual({ lines: ['one two', 'three', 'four'], cut: false });
    expect(wrapToWidth('abcdefghij', 4, 4)).toEqual({ lines: ['abcd', 'efgh', 'ij'], cut: false });
    expect(wrapToWidth('a\n\nb', 4, 4)).toEqual({ lines: ['a', '', 'b'], cut: false });
    expect(wrapToWidth('one two three four five', 9, 2)).toEqual({ lines: ['one two', 'three…'], cut: true });
    expect(wrapToWidth('1\n2\n3', 4, 2)).toEqual({ lines: ['1', '2…'], cut: true });
  });
});

describe('long notes render in time linear in their size', () => {
  beforeEach(async () => {
    await cli.run(['customer', 'add', 'Ada', '--email', 'ada@example.com']);
  });

  it(
    'shows a 5,000-line note as a few wrapped lines, and in full with --wide, --json and through a pipe',
    async () => {
      const lines = Array.from({ length: 5_000 }, (_, index) => `item ${index + 1}`);
      await logNote(lines.join('\n'));

      const show = await cli.run(['customer', 'show', 'ada'], { tty: true, env: plain });
      expect(show.code).toBe(0);
      const shown = noteCellLines(show.stdout);
      expect(shown).toHaveLength(MAX_CELL_LINES);
      expect(shown.slice(0, 3)).toEqual(lines.slice(0, 3));
      expect(shown[3]).toBe(`${lines[3]}…`);
      for (const line of show.stdout.split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(80);

      const wide = await cli.run(['interaction', 'list', 'ada', '--wide'], { tty: true, env: plain });
      expect(noteCellLines(wide.stdout)).toEqual(lines);

      const [interaction] = await cli.json(['interaction', 'list', 'ada']);
      expect(interaction.note).toBe(lines.join('\n'));
      const tsv = await cli.run(['interaction', 'list', 'ada']);
      expect(tsv.stdout).toContain(lines.join('\\n'));
    },
    HANG_TIMEOUT_MS,
  );

  it(
    'shows a 1 MB one-line note cut to the terminal, and whole with --wide',
    async () => {
      const words = Array.from({ length: 110_000 }, (_, index) => `w${index}`).join(' ');
      const note = words.slice(0, 1_000_000);
      await logNote(note);

      const show = await cli.run(['customer', 'show', 'ada'], { tty: true, env: plain, columns: 100 });
      expect(show.code).toBe(0);
      const shown = noteCellLines(show.stdout);
      expect(shown).toHaveLength(MAX_CELL_LINES);
      expect(shown[3]).toMatch(/…$/);
      expect(note.startsWith(shown.slice(0, 3).join(' '))).toBe(true);
      for (const line of show.stdout.split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(100);

      const wide = await cli.run(['customer', 'show', 'ada', '--wide'], { tty: true, env: plain, columns: 100 });
      expect(noteCellLines(wide.stdout)).toEqual([note]);
    },
    HANG_TIMEOUT_MS,
  );

  it(
    'shows a 1 MB note of wide characters, emoji and combining marks cut to the terminal',
    async () => {
      const note = '日本語のメモ e\u0301 👩‍👩‍👧 🇬🇧 '.repeat(50_000);
      await logNote(note);

      const show = await cli.run(['customer', 'show', 'ada'], { tty: true, env: plain });
      expect(show.code).toBe(0);
      const table = tableLines(show.stdout);
      // Every line of the table is exactly as wide as its top border: the borders line up.
      for (const line of table) expect(displayWidth(line)).toBe(displayWidth(table[0]!));
      expect(displayWidth(table[0]!)).toBeLessThanOrEqual(80);
      expect(noteCellLines(show.stdout)).toHaveLength(MAX_CELL_LINES);

      const wide = await cli.run(['interaction', 'list', 'ada', '--wide'], { tty: true, env: plain });
      expect(noteCellLines(wide.stdout)).toEqual([note.trim()]);
    },
    HANG_TIMEOUT_MS,
  );
});

describe('tables fit the terminal', () => {
  const long = {
    name: 'Ada Augusta King, Countess of Lovelace',
    email: 'ada.augusta.king.countess.of.lovelace@analytical-engine.example.com',
  };
  beforeEach(async () => {
    await cli.run(['product', 'add', 'Website audit and accessibility review']);
    await cli.run(['customer', 'add', long.name, '--email', long.email, '--phone', '+44 20 7946 0000', '--product', 'Website audit and accessibility review']);
    await cli.run(['customer', 'add', 'Grace', '--status', 'qualified']);
  });

  for (const columns of [60, 80, 100, 120]) {
    it(`sizes customer list to a ${columns}-column terminal, cutting long cells with "…"`, async () => {
      const { stdout, code } = await cli.run(['customer', 'list'], { tty: true, env: plain, columns });
      expect(code).toBe(0);
      const lines = stdout.trimEnd().split('\n');
      for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(columns);
      expect(stdout).toContain('…');
      expect(stdout).not.toContain(long.email);
      if (columns >= 80) {
        // Short columns stay whole while the long ones can give way: status, day created.
        expect(stdout).toContain(' qualified ');
        expect(stdout).toContain(' 2026-11-25 ');
      }
    });
  }

  it('is 80 columns wide when the terminal does not say', async () => {
    const { stdout } = await cli.run(['customer', 'list'], { tty: true, env: plain });
    const widths = tableLines(stdout).map((line) => displayWidth(line));
    expect(new Set(widths)).toEqual(new Set([80]));
  });

  it('follows COLUMNS for a table asked for through a pipe', async () => {
    const { stdout } = await cli.run(['customer', 'list', '--format', 'table'], { env: { ...plain, COLUMNS: '70' } });
    const widths = tableLines(stdout).map((line) => displayWidth(line));
    expect(new Set(widths)).toEqual(new Set([70]));
  });

  it('prints every cell in full with --wide, however wide that is', async () => {
    const { stdout } = await cli.run(['customer', 'list', '--wide'], { tty: true, env: plain, columns: 60 });
    expect(stdout).toContain(long.email);
    expect(stdout).toContain(long.name);
    expect(stdout).toContain('Website audit and accessibility review');
    expect(stdout).not.toContain('…');
    expect(displayWidth(tableLines(stdout)[0]!)).toBeGreaterThan(60);
  });

  it('never cuts TSV, CSV or JSON, whatever the width', async () => {
    const env = { ...plain, COLUMNS: '40' };
    const tsv = await cli.run(['customer', 'list'], { env, columns: 40 });
    expect(tsv.stdout).toContain(`\t${long.name}\t${long.email}\t`);
    const csv = await cli.run(['customer', 'list', '--format', 'csv'], { tty: true, env, columns: 40 });
    expect(csv.stdout).toContain(`,"${long.name}",${long.email},`);
    const json = await cli.run(['customer', 'list', '--json'], { tty: true, env, columns: 40 });
    expect(JSON.parse(json.stdout).map((c: { email: string | null }) => c.email)).toContain(long.email);
  });

  it('keeps the borders aligned with wide characters, emoji and combining marks', async () => {
    await cli.run(['customer', 'add', '山田太郎 👩‍👩‍👧', '--email', 'yamada@example.jp']);
    await cli.run(['customer', 'add', 'Rene\u0301e Zoë', '--email', 'renee@example.fr']);
    for (const columns of [70, 100]) {
      const { stdout } = await cli.run(['customer', 'list'], { tty: true, env: plain, columns });
      const table = tableLines(stdout);
      for (const line of table) expect(displayWidth(line)).toBe(displayWidth(table[0]!));
      expect(displayWidth(table[0]!)).toBeLessThanOrEqual(columns);
      expect(stdout).toContain('山田');
    }
  });

  it('fits product list and interaction list too', async () => {
    await cli.run(['interaction', 'log', 'grace', '-c', 'phone', '-t', 'Intro call', '--note', 'word '.repeat(200)]);
    for (const argv of [['product', 'list'], ['interaction', 'list', 'grace'], ['customer', 'search', 'a']]) {
      const { stdout, code } = await cli.run(argv, { tty: true, env: plain, columns: 50 });
      expect(code).toBe(0);
      for (const line of stdout.trimEnd().split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(50);
    }
  });
});
