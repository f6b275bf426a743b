/**
 * The styles crm uses. Coloured output is chalk's (level 1: 16 colours, all crm asks for);
 * chalk is loaded only when some output will be coloured (`loadColours`, from Session), since
 * importing it probes the terminal (`node:process`, `node:tty`, `node:os`), about a tenth of
 * `node -e 0`, which a piped command or a cron job never needs: crm decides colour itself
 * (Session.colorFor).
 */
export interface Paint {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const plain = (text: string) => text;

const PLAIN: Paint = { bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain };

let coloured: Paint | undefined;

/** Loads chalk for the outputs that are coloured; needed before the first `paintFor(true)`. */
export async function loadColours(): Promise<void> {
  if (coloured) return;
  const { Chalk } = await import('chalk');
  coloured = new Chalk({ level: 1 });
}

/**
 * Styles that colour the text, or leave it as it is when colour is off. Colour asked for
 * before `loadColours` has finished (a refusal before any command ran) falls back to plain
 * text rather than failing the message.
 */
export function paintFor(color: boolean): Paint {
  return color && coloured ? coloured : PLAIN;
}
