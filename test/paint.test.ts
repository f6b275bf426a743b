import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { paintFor, type Paint } from '../src/cli/paint.js';

/**
 * crm's colours were chalk's at level 1 (16 colours) until src/cli/paint.ts replaced it; chalk
 * stays a dev dependency so that this can check every style still writes the same bytes.
 */
const STYLES: Array<keyof Paint> = ['bold', 'dim', 'red', 'green', 'yellow', 'cyan'];
const chalk = new Chalk({ level: 1 });
const TEXTS = [
  'closed_won',
  '',
  ' ',
  'two\nlines',
  'windows\r\nline\r\n',
  '\nleading and trailing\n',
  `already ${chalk.green('green')} inside`,
  `${chalk.dim('dim')} and ${chalk.bold('bold')} share a close code`,
  `${chalk.red('red\nover two lines')}`,
  'ünïcödé 日本語 🙂',
];

describe('paint', () => {
  it.each(STYLES)('%s writes what chalk wrote at level 1', (style) => {
    for (const text of TEXTS) expect(JSON.stringify(paintFor(true)[style](text))).toBe(JSON.stringify(chalk[style](text)));
  });

  it.each(STYLES)('%s leaves the text as it is without colour', (style) => {
    for (const text of TEXTS) expect(paintFor(false)[style](text)).toBe(text);
  });
});
