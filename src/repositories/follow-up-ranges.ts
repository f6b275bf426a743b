import type { FollowUpFilter, OverdueBound } from './ports.js';

/**
 * The index ranges a followups count reads on either backend (customer_activity_pending_idx,
 * follow_up_date in byte order). A window's bound differs by kind: an all-day follow-up (a
 * day, 10 characters) is in it up to `lastDay`, one with a time (a canonical instant) before
 * `before`. Below both bounds every row is in, whatever its kind: that range is counted
 * as it stands, an index walk with no expression per entry; only the rows between the lower
 * and the upper bound (about a day of them) are checked kind by kind. The same for overdue
 * (before `day` or before `instant`), within the window.
 */
export interface FollowUpCountRanges {
  /** With a window: every row below this is in it. */
  lo: string | undefined;
  /** Every row below this is overdue (and in the window). */
  overdueLo: string;
  /** No row from this on is overdue (or in the window). */
  overdueHi: string;
}

const least = (...texts: string[]) => texts.reduce((a, b) => (b < a ? b : a));
const greatest = (...texts: string[]) => texts.reduce((a, b) => (b > a ? b : a));

/** `scanEnd`: with a window, the backend's bound above every row of it (its last day's instants included). */
export function followUpCountRanges(due: FollowUpFilter['due'], overdue: OverdueBound, scanEnd?: string): FollowUpCountRanges {
  const lo = due && least(due.lastDay, due.before);
  return {
    lo,
    overdueLo: least(overdue.day, overdue.instant, ...(lo === undefined ? [] : [lo])),
    overdueHi: least(greatest(overdue.day, overdue.instant), ...(due && scanEnd !== undefined ? [scanEnd] : [])),
  };
}
