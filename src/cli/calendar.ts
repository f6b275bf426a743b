import ical, { ICalCalendarMethod } from 'ical-generator';
import { isAllDay } from '../domain/time.js';
import type { FollowUp } from '../services/reports.js';

/** How long a follow-up with a time takes in the calendar: a slot to make the call. */
const TIMED_FOLLOW_UP_MINUTES = 15;

/**
 * Pending follow-ups as an RFC 5545 calendar, one event each. The UID is the interaction's
 * id, so a calendar that re-reads the file (a subscription, a cron job that rewrites it)
 * updates an event rather than adding a copy, and drops it once a newer interaction settles
 * the follow-up. A follow-up stored as a day is an all-day event on that date, wherever the
 * reader is; one stored as an instant is written in UTC, which every calendar converts.
 */
export function followUpCalendar(followUps: readonly FollowUp[], stamp: Date): string {
  const calendar = ical({
    name: 'crm follow-ups',
    prodId: { company: 'crm', product: 'follow-ups', language: 'EN' },
    method: ICalCalendarMethod.PUBLISH,
  });
  for (const followUp of followUps) {
    const due = followUp.follow_up_date;
    const start = isAllDay(due) ? new Date(`${due}T00:00:00.000Z`) : new Date(due);
    calendar.createEvent({
      id: `${followUp.interaction_id}@crm`,
      stamp,
      start,
      ...(isAllDay(due)
        ? { allDay: true }
        : { end: new Date(start.getTime() + TIMED_FOLLOW_UP_MINUTES * 60_000) }),
      summary: `Follow up: ${followUp.customer_name}`,
      description: describe(followUp),
      categories: [{ name: 'crm' }],
    });
  }
  return calendar.toString();
}

function describe(followUp: FollowUp): string {
  const lines = [
    `Customer: ${followUp.customer_name} (${followUp.status})`,
    followUp.phone ? `Phone: ${followUp.phone}` : undefined,
    followUp.email ? `Email: ${followUp.email}` : undefined,
    followUp.owner ? `Owner: ${followUp.owner}` : undefined,
    `Last interaction: ${followUp.type} by ${followUp.channel} on ${followUp.created_at.slice(0, 10)}`,
    '',
    followUp.note,
  ];
  return lines.filter((line) => line !== undefined).join('\n');
}
