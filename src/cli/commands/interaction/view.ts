import { formatLocalDay, formatLocalMinute } from '../../../domain/time.js';
import type { Interaction } from '../../../domain/types.js';
import { shortId } from '../../../domain/ids.js';
import { type Column } from '../../output.js';

export const interactionColumns: ReadonlyArray<Column<Interaction>> = [
  { header: 'id', value: (i) => i.id, display: (i) => shortId(i.id) },
  {
    header: 'created_at',
    value: (i) => i.created_at,
    display: (i) => formatLocalMinute(i.created_at),
  },
  { header: 'channel', value: (i) => i.channel },
  { header: 'type', value: (i) => i.type },
  { header: 'note', value: (i) => i.note },
  {
    header: 'follow_up_date',
    value: (i) => i.follow_up_date,
    display: (i) => (i.follow_up_date ? formatLocalDay(i.follow_up_date) : ''),
  },
];
