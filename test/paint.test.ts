import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { loadColours, paintFor, type Paint } from '../src/cli/paint.js';
import { runCli } from './helpers.js';

const STYLES: Array<keyof Paint> = ['bold', 'dim', 'red', 'green', 'yellow', 'cyan'];
const chalk = new Chalk({ level: 1 });
const TEXTS = ['closed_won', '', 'two\nlines', `already ${chalk.green('green')} inside`, 'ünïcödé 日本語 🙂'];

describe('paint', () => {
  it.each(STYLES)('%s is chalk\'s at level 1 once colours are loaded', async (style) => {
    await loadColours();
    for (const text of TEXTS) expect(paintFor(true)[style](text)).toBe(chalk[style](text));
  });

  it.each(STYLES)('%s leaves the text as it is without colour', (style) => {
    for (const text of TEXTS) expect(paintFor(false)[style](text)).toBe(text);
  });

  it('colours a refusal on a terminal, and never with NO_COLOR or piped', async () => {
    const onTerminal = await runCli(['product', 'show', 'nothing', '--db', ':memory:'], { tty: true, env: {} });
    expect(onTerminal.stderr).toContain(chalk.red('error:'));
    const noColor = await runCli(['product', 'show', 'nothing', '--db', ':memory:'], { tty: true, env: { NO_COLOR: '1' } });
    expect(noColor.stderr).toMatch(/^error: /);
    const piped = await runCli(['product', 'show', 'nothing', '--db', ':memory:']);
    expect(piped.stderr).toMatch(/^error: /);
  });
});
