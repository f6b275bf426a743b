import type { ConfigEntry } from '../../../services/settings.js';
import { type Column } from '../../output.js';

export const configColumns: ReadonlyArray<Column<ConfigEntry>> = [
  { header: 'key', value: (e) => e.key },
  { header: 'value', value: (e) => e.value },
  { header: 'source', value: (e) => e.source, display: (e, paint) => (e.source === 'set' ? e.source : paint.dim(e.source)) },
  { header: 'default', value: (e) => e.default, machineOnly: true },
  { header: 'description', value: (e) => e.description },
];

export const KEYS_HELP = `
Keys (stored in the database, so they travel with the data: backups, exports, and on a
team's server they belong to the team):
  currency                      currency of --value amounts given without one; no default
                                (CRM_CURRENCY, when set, comes first)
  stage.<stage>.probability     the chance a customer at that stage is won, 0 to 1 (or 40%),
                                which weighs its deal value in the pipeline's forecast.
                                Defaults: lead 0.1, qualified 0.25, proposal 0.5,
                                negotiation 0.75, closed_won 1, closed_lost 0
                                (won and lost may be written for closed_won, closed_lost)`;
