import { formatFollowUp, formatLocalMinute } from '../../../domain/time.js';
import type { Interaction } from '../../../domain/types.js';
import { shortId } from '../../../domain/ids.js';
import { type Column } from '../../output.js';
import type { Session } from '../../session.js';

export const interactionColumns: ReadonlyArray<Column<Interaction>> = [
  { header: 'id', value: (i) => i.id, display: (i) => shortId(i.id) },
  {
    header: 'created_at',
    value: (i) => i.created_at,
    display: (i) => formatLocalMinute(i.created_at),
  },
  { header: 'channel', value: (i) => i.channel },
  { header: 'type', value: (i) => i.type },
  { header: 'note', value: (i) => i.note, wrap: true },
  {
    header: 'follow_up_date',
    label: 'follow-up',
    value: (i) => i.follow_up_date,
    display: (i) => (i.follow_up_date ? formatFollowUp(i.follow_up_date) : ''),
  },
];

/** One logged interaction: the JSON object with `--json`, aligned fields otherwise. */
export function renderInteraction(session: Session, interaction: Interaction, customerName: string, json: boolean | undefined): void {
  if (json) {
    session.out.json(interaction);
    return;
  }
  session.out.record([
    ['id', interaction.id],
    ['customer', customerName],
    ['channel', interaction.channel],
    ['type', interaction.type],
    ['note', interaction.note],
    ['follow_up_date', interaction.follow_up_date ? formatFollowUp(interaction.follow_up_date) : null],
    ['created_at', interaction.created_at],
  ]);
}
