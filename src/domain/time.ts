import { DateRangeError, UsageError } from './errors.js';

export type DurationUnit = 'd' | 'w' | 'm' | 'y';
export interface Duration {
  amount: number;
  unit: DurationUnit;
  text: string;
}

const DURATION_PATTERN = /^(\d+)\s*([dwmy])$/i;
const RELATIVE_DATE_PATTERN = /^\+(\d+)\s*([dwmy])$/i;
const ISO_DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** The instants the canonical form YYYY-MM-DDTHH:MM:SS.sssZ can write (four-digit years). */
const EARLIEST = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

/** `date`, or a usage error when it is invalid or beyond the years 0001-9999. */
function withinRange(date: Date, input: string): Date {
  const time = date.getTime();
  if (Number.isNaN(time) || time < EARLIEST || time > LATEST) throw new DateRangeError(input.trim());
  return date;
}

export function parseDuration(text: string): Duration {
  const match = DURATION_PATTERN.exec(text.trim());
  const amount = match ? Number(match[1]) : NaN;
  if (!match || !Number.isSafeInteger(amount) || amount <= 0) {
    throw new UsageError(
      `invalid duration "${text}": use a positive number and a unit, like 90d, 12w, 6m or 2y`,
    );
  }
  return { amount, unit: match[2]!.toLowerCase() as DurationUnit, text: text.trim() };
}

/**
 * The instant `duration` before `now`. Months and years are calendar units
 * (6m before 31 August is 28/29 February, clamped like every calendar app does).
 */
export function instantBefore(now: Date, duration: Duration): Date {
  return withinRange(shiftBack(new Date(now.getTime()), duration), duration.text);
}

function shiftBack(result: Date, duration: Duration): Date {
  switch (duration.unit) {
    case 'd':
      result.setUTCDate(result.getUTCDate() - duration.amount);
      return result;
    case 'w':
      result.setUTCDate(result.getUTCDate() - 7 * duration.amount);
      return result;
    case 'm':
      return shiftMonthsClamped(result, -duration.amount);
    case 'y':
      return shiftMonthsClamped(result, -12 * duration.amount);
  }
}

function shiftMonthsClamped(date: Date, months: number): Date {
  const day = date.getUTCDate();
  const shifted = new Date(date.getTime());
  shifted.setUTCDate(1);
  shifted.setUTCMonth(shifted.getUTCMonth() + months);
  const lastDay = new Date(
    Date.UTC(shifted.getUTCFullYear(), shifted.getUTCMonth() + 1, 0),
  ).getUTCDate();
  shifted.setUTCDate(Math.min(day, lastDay));
  return shifted;
}

/** Local midnight at the start of the day that contains `date`. */
export function startOfLocalDay(date: Date): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}

export function addLocalDays(date: Date, days: number): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days);
}

/**
 * Local midnight `months` calendar months after the day of `date`, clamped to the end of a
 * shorter month (+1m from 31 January is 28/29 February), as durations are (instantBefore).
 */
function addLocalMonths(date: Date, months: number): Date {
  const lastDay = new Date(date.getFullYear(), date.getMonth() + months + 1, 0).getDate();
  return new Date(date.getFullYear(), date.getMonth() + months, Math.min(date.getDate(), lastDay));
}

/**
 * Dates as users type them: ISO dates (a local calendar day), ISO date-times,
 * `today`, `tomorrow`, `+3d`, `+2w`, `+1m`, `+1y` (the units of durations). Day-granular
 * inputs resolve to local midnight.
 */
export function parseDateInput(text: string, now: Date): Date {
  return withinRange(parseAnyDateInput(text, now), text);
}

/** Local midnight of a calendar day; Date's constructor would read years 0-99 as 1900-1999. */
function localDay(year: number, monthIndex: number, day: number): Date {
  const date = new Date(2000, monthIndex, day);
  date.setFullYear(year, monthIndex, day);
  return date;
}

function parseAnyDateInput(text: string, now: Date): Date {
  const trimmed = text.trim();
  const lower = trimmed.toLowerCase();
  if (lower === 'today') return startOfLocalDay(now);
  if (lower === 'tomorrow') return addLocalDays(now, 1);
  if (lower === 'yesterday') return addLocalDays(now, -1);
  const relative = RELATIVE_DATE_PATTERN.exec(lower);
  if (relative) {
    const amount = Number(relative[1]);
    switch (relative[2] as DurationUnit) {
      case 'd':
        return addLocalDays(now, amount);
      case 'w':
        return addLocalDays(now, amount * 7);
      case 'm':
        return addLocalMonths(now, amount);
      case 'y':
        return addLocalMonths(now, amount * 12);
    }
  }
  const dateOnly = ISO_DATE_PATTERN.exec(trimmed);
  if (dateOnly && isCalendarDay(dateOnly)) {
    return localDay(Number(dateOnly[1]), Number(dateOnly[2]) - 1, Number(dateOnly[3]));
  }
  const dateTime = ISO_DATE_TIME_PATTERN.exec(trimmed);
  // JavaScript reads 2026-02-30T10:00 as 2 March instead of refusing it.
  if (dateTime && isCalendarDay(dateTime)) {
    const date = new Date(trimmed.replace(' ', 'T'));
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new UsageError(
    `invalid date "${text}": use YYYY-MM-DD, an ISO date-time, today, tomorrow, +3d or +2w`,
  );
}

/** Whether a matched YYYY, MM, DD exists on the calendar (no 30 February, no month 13). */
function isCalendarDay([, year, month, day]: RegExpExecArray): boolean {
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return date.getUTCFullYear() === Number(year) && date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
}

/**
 * The exclusive upper bound of a date the user typed as a limit ("until Friday"): a day
 * (ISO date, today, +3d) includes all of that local day; a date-time includes that instant.
 */
export function endOfDateInput(text: string, now: Date): Date {
  const date = parseDateInput(text, now);
  const end = ISO_DATE_TIME_PATTERN.test(text.trim()) ? new Date(date.getTime() + 1) : addLocalDays(date, 1);
  // Past 9999-12-31 the ISO form gains a sign and no longer sorts as text; nothing is stored there.
  return new Date(Math.min(end.getTime(), LATEST));
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `YYYY-MM-DD` of the local calendar day that contains `instant`. */
export function formatLocalDay(instant: string | Date): string {
  const date = new Date(instant);
  return `${String(date.getFullYear()).padStart(4, '0')}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The one form every timestamp column stores: what toISOString writes, always in UTC. */
const CANONICAL_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const CALENDAR_DAY = /^\d{4}-\d{2}-\d{2}$/;
const HAS_ZONE = /(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * A follow-up typed as a day (2026-12-20, tomorrow, +3d) is stored as that calendar day,
 * `YYYY-MM-DD`, and means that day wherever the user is; one typed with a time is an instant.
 */
export function isAllDay(followUp: string): boolean {
  return CALENDAR_DAY.test(followUp);
}

/**
 * The canonical UTC form of an ISO 8601 date or date-time (already checked to be one) as it
 * arrives in a CSV file: with an offset, `Z`, or none (read as UTC, as SQLite reads it),
 * with or without seconds; a date alone is its UTC midnight. Canonical text is returned as is.
 */
export function canonicalTimestamp(iso: string): string {
  if (CANONICAL_TIMESTAMP.test(iso)) return iso;
  if (CALENDAR_DAY.test(iso)) return `${iso}T00:00:00.000Z`;
  const text = iso.replace(' ', 'T');
  return new Date(HAS_ZONE.test(text) ? text : `${text}Z`).toISOString();
}

/** What a --follow-up the user typed is stored as: a calendar day, or a canonical instant. */
export function followUpFromInput(text: string, now: Date): string {
  const date = parseDateInput(text, now);
  return ISO_DATE_TIME_PATTERN.test(text.trim()) ? date.toISOString() : formatLocalDay(date);
}

/** When a stored follow-up falls due: an all-day one at the start of its local day. */
export function followUpInstant(followUp: string): Date {
  if (!isAllDay(followUp)) return new Date(followUp);
  const [year, month, day] = followUp.split('-').map(Number);
  return localDay(year!, month! - 1, day!);
}

/**
 * The earliest instant (ms) at which a follow-up stored after this one, in stored-text order,
 * can be due. A day sorts before the instants of its UTC day and after those of the day
 * before; it is due at local midnight, which may be earlier or later than its text's UTC
 * midnight. So after a day X comes no instant before X's UTC midnight and no day before X;
 * after an instant of UTC day X, no earlier instant and no day before X + 1.
 */
export function earliestDueAfter(followUp: string): number {
  if (isAllDay(followUp)) return Math.min(Date.parse(`${followUp}T00:00:00.000Z`), followUpInstant(followUp).getTime());
  const instant = new Date(followUp);
  const nextDay = localDay(instant.getUTCFullYear(), instant.getUTCMonth(), instant.getUTCDate() + 1);
  return Math.min(instant.getTime(), nextDay.getTime());
}

/** A stored follow-up for people: its day, in the local time zone for an instant. */
export function formatFollowUp(followUp: string): string {
  return isAllDay(followUp) ? followUp : formatLocalDay(followUp);
}

/** `YYYY-MM-DD HH:MM` in local time, for terminal tables. */
export function formatLocalMinute(instant: string | Date): string {
  const date = new Date(instant);
  return `${formatLocalDay(date)} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/**
 * A cut-off instant as users type it: any date `parseDateInput` accepts, or a duration
 * meaning that long before `now` (`90d`, `6m`), as in "older than".
 */
export function parseInstantOrAgo(text: string, now: Date): Date {
  if (DURATION_PATTERN.test(text.trim())) return instantBefore(now, parseDuration(text));
  try {
    return parseDateInput(text, now);
  } catch (error) {
    if (error instanceof DateRangeError) throw error;
    throw new UsageError(
      `invalid date "${text}": use YYYY-MM-DD, an ISO date-time, today, or a duration ago like 90d, 6m, 1y`,
    );
  }
}
