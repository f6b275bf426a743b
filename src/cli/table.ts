import type { Paint } from './paint.js';
import { cutToWidth, displayWidth, wrapToWidth } from './text-width.js';

/**
 * The terminal table, drawn here rather than by cli-table3: its layout rescans a whole cell
 * for every line it prints (a 90-line note took 30 s, a 1 MB one did not finish), and it
 * cannot fit a table to the terminal. Same look: box borders, a rule under the header only.
 */

/** Lines a cell shows in a fitted table; the rest is behind "…" (`--wide` shows all). */
export const MAX_CELL_LINES = 4;

export interface TableColumn {
  label: string;
  /** Wrap long text onto more lines (notes) instead of cutting it at the column's edge. */
  wrap?: boolean;
}

export interface TableLayout {
  /** Columns the whole table may take, borders included; undefined draws every cell in full. */
  width: number | undefined;
  paint: Paint;
}

/** Cells as they are printed: tabs would jump past the border, carriage returns rewind over it. */
function normalise(cell: string): string {
  return cell.replace(/\r\n?/g, '\n').replace(/\t/g, ' ');
}

/** What each cut column keeps at least (four characters and "…") before narrow ones are cut too. */
export const MIN_CUT_COLUMN = 5;

/**
 * Every column as wide as its widest cell when the table fits. Otherwise the narrowest
 * columns (ids, dates, statuses) stay whole, as many of them as leave each of the others
 * MIN_CUT_COLUMN; those others (names, emails, notes) share the rest, the widest cut first.
 */
export function allocateWidths(natural: readonly number[], available: number): number[] {
  const total = natural.reduce((sum, width) => sum + width, 0);
  if (total <= available) return [...natural];
  const thresholds = [...new Set(natural)].sort((a, b) => b - a);
  for (const threshold of thresholds) {
    const whole = natural.map((width) => width <= threshold);
    const wholeTotal = natural.reduce((sum, width, index) => sum + (whole[index] ? width : 0), 0);
    const cutCount = whole.filter((isWhole) => !isWhole).length;
    if (cutCount === 0 || wholeTotal + cutCount * MIN_CUT_COLUMN > available) continue;
    const shared = shareEvenly(
      natural.filter((_, index) => !whole[index]),
      available - wholeTotal,
    );
    let next = 0;
    return natural.map((width, index) => (whole[index] ? width : shared[next++]!));
  }
  return shareEvenly(natural, available);
}

/**
 * Column widths for `available` columns. A header may be cut to MIN_CUT_COLUMN before the
 * data under it is: an empty email column should not cost a name its last letters.
 */
export function fitColumns(dataWidths: readonly number[], labelWidths: readonly number[], available: number): number[] {
  const natural = dataWidths.map((width, index) => Math.max(width, labelWidths[index]!));
  if (natural.reduce((sum, width) => sum + width, 0) <= available) return natural;
  const needed = dataWidths.map((width, index) => Math.max(width, Math.min(labelWidths[index]!, MIN_CUT_COLUMN)));
  const widths = allocateWidths(needed, available);
  let spare = available - widths.reduce((sum, width) => sum + width, 0);
  const shortOfLabel = widths
    .map((_, index) => index)
    .filter((index) => widths[index] === needed[index] && natural[index]! > widths[index]!)
    .sort((a, b) => natural[a]! - widths[a]! - (natural[b]! - widths[b]!));
  for (const index of shortOfLabel) {
    const extra = Math.min(spare, natural[index]! - widths[index]!);
    widths[index]! += extra;
    spare -= extra;
  }
  return widths;
}

/** Each column gets what it needs when that is less than an even share; the rest split what is left. */
function shareEvenly(natural: readonly number[], available: number): number[] {
  const widths = natural.map(() => 0);
  const narrowestFirst = natural.map((_, index) => index).sort((a, b) => natural[a]! - natural[b]!);
  let remaining = available;
  narrowestFirst.forEach((column, position) => {
    const share = Math.floor(remaining / (natural.length - position));
    widths[column] = Math.max(1, Math.min(natural[column]!, share));
    remaining -= widths[column]!;
  });
  return widths;
}

interface CellLines {
  lines: string[];
  widths: number[];
}

function fullCell(cell: string): CellLines {
  const lines = cell.split('\n');
  return { lines, widths: lines.map((line) => displayWidth(line)) };
}

function fittedCell(cell: string, width: number, wrap: boolean): CellLines {
  if (wrap) {
    const { lines } = wrapToWidth(cell, width, MAX_CELL_LINES);
    return { lines, widths: lines.map((line) => displayWidth(line)) };
  }
  const shown: string[] = [];
  const widths: number[] = [];
  let lineStart = 0;
  while (shown.length < MAX_CELL_LINES) {
    const newline = cell.indexOf('\n', lineStart);
    const line = cell.slice(lineStart, newline === -1 ? cell.length : newline);
    const more = newline !== -1 && shown.length + 1 === MAX_CELL_LINES;
    const cut = cutToWidth(line, width, more);
    shown.push(cut.text);
    widths.push(cut.width);
    if (newline === -1) break;
    lineStart = newline + 1;
  }
  return { lines: shown, widths };
}

function widestLine(cell: string): number {
  let widest = 0;
  for (const line of cell.split('\n')) widest = Math.max(widest, displayWidth(line));
  return widest;
}

/** Widest line of the part of a cell a fitted table can show, counted no further than `cap`. */
function naturalWidth(cell: string, cap: number): number {
  let widest = 0;
  let lineStart = 0;
  for (let line = 0; line < MAX_CELL_LINES && widest < cap; line += 1) {
    const newline = cell.indexOf('\n', lineStart);
    let width = displayWidth(cell.slice(lineStart, newline === -1 ? cell.length : newline), cap);
    // The last line shown ends in "…" when more lines follow.
    if (line === MAX_CELL_LINES - 1 && newline !== -1) width += 1;
    widest = Math.max(widest, width);
    if (newline === -1) break;
    lineStart = newline + 1;
  }
  return Math.min(widest, cap);
}

/** The table as lines of text, in time linear in the cells' length. */
export function renderTable(columns: readonly TableColumn[], rows: ReadonlyArray<readonly string[]>, layout: TableLayout): string[] {
  const cells = rows.map((row) => row.map(normalise));
  // Each column costs its two padding spaces and one border; the table one more border.
  const available = layout.width === undefined ? undefined : layout.width - (3 * columns.length + 1);
  // Loops, not Math.max(...cells): a list of 100k rows would overflow the call stack.
  const dataWidths = columns.map((_, index) => {
    let widest = 0;
    for (const row of cells) {
      const cell = row[index]!;
      widest = Math.max(widest, available === undefined ? widestLine(cell) : naturalWidth(cell, available));
    }
    return widest;
  });
  const labelWidths = columns.map((column) => displayWidth(column.label, available));
  const widths =
    available === undefined
      ? dataWidths.map((width, index) => Math.max(width, labelWidths[index]!))
      : fitColumns(dataWidths, labelWidths, available);

  const rule = (left: string, middle: string, right: string) =>
    `${left}${widths.map((width) => '─'.repeat(width + 2)).join(middle)}${right}`;
  const drawRow = (row: readonly CellLines[]): string[] => {
    const height = Math.max(1, ...row.map((cell) => cell.lines.length));
    const out: string[] = [];
    for (let line = 0; line < height; line += 1) {
      const parts = row.map((cell, index) => {
        const text = cell.lines[line] ?? '';
        const used = cell.widths[line] ?? 0;
        return ` ${text}${' '.repeat(Math.max(0, widths[index]! - used))} `;
      });
      out.push(`│${parts.join('│')}│`);
    }
    return out;
  };

  const header = columns.map((column, index) => {
    const label = available === undefined ? { text: column.label, width: displayWidth(column.label) } : cutToWidth(column.label, widths[index]!);
    return { lines: [layout.paint.bold(label.text)], widths: [label.width] };
  });
  const lines = [rule('┌', '┬', '┐'), ...drawRow(header)];
  if (cells.length > 0) lines.push(rule('├', '┼', '┤'));
  for (const row of cells) {
    lines.push(
      ...drawRow(
        row.map((cell, index) =>
          available === undefined ? fullCell(cell) : fittedCell(cell, widths[index]!, Boolean(columns[index]!.wrap)),
        ),
      ),
    );
  }
  lines.push(rule('└', '┴', '┘'));
  return lines;
}
