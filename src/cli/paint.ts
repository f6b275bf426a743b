/**
 * The six styles crm uses, written as the ANSI codes of a 16-colour terminal: exactly what
 * chalk wrote at its level 1, which is all crm ever asked of it. Not chalk itself: importing
 * it detects the terminal's colour support at load time (reading `node:process`, `node:tty`
 * and `node:os`), and that cost every command about a tenth of `node -e 0` before it had
 * decided anything; crm decides colour itself (Session.colorFor).
 */
export interface Paint {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const ESC = '\u001B[';

/**
 * One style, as chalk applies it: a close code already inside the text (a styled part) is
 * followed by a re-opening one, so the rest stays styled; and each line break is closed
 * before and reopened after, so a terminal never bleeds the style into the next line.
 * Empty text stays empty.
 */
function style(openCode: number, closeCode: number): (text: string) => string {
  const open = `${ESC}${openCode}m`;
  const close = `${ESC}${closeCode}m`;
  return (text) => {
    if (!text) return text;
    let body = text.includes('\u001B') ? text.replaceAll(close, close + open) : text;
    if (body.includes('\n')) body = body.replace(/\r?\n/g, (lineBreak) => close + lineBreak + open);
    return open + body + close;
  };
}

const plain = (text: string) => text;

const COLOURED: Paint = {
  bold: style(1, 22),
  dim: style(2, 22),
  red: style(31, 39),
  green: style(32, 39),
  yellow: style(33, 39),
  cyan: style(36, 39),
};

const PLAIN: Paint = { bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain };

/** Styles that colour the text, or leave it as it is when colour is off. */
export function paintFor(color: boolean): Paint {
  return color ? COLOURED : PLAIN;
}
