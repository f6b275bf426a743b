/** Pipeline stages, in pipeline order (reports rely on this order). */
export const CUSTOMER_STATUSES = [
  'lead',
  'qualified',
  'proposal',
  'negotiation',
  'closed_won',
  'closed_lost',
] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];

/** One wording for a bad status, whether the command line or a service finds it. */
export const invalidStatusMessage = (input: unknown): string =>
  `invalid status "${String(input)}": use one of ${CUSTOMER_STATUSES.join(', ')}`;

export const INTERACTION_CHANNELS = ['phone', 'email', 'meeting', 'chat', 'other'] as const;
export type InteractionChannel = (typeof INTERACTION_CHANNELS)[number];

export const invalidChannelMessage = (input: unknown): string =>
  `invalid channel "${String(input)}": use one of ${INTERACTION_CHANNELS.join(', ')}`;

export const MAX_ACTIVE_PRODUCTS = 3;

/** Statuses that close a deal, won or lost; customers.closed_at records when. */
export const CLOSED_STATUSES: readonly CustomerStatus[] = ['closed_won', 'closed_lost'];
export const isClosed = (status: CustomerStatus): boolean => CLOSED_STATUSES.includes(status);

export const TABLE_NAMES = ['products', 'customers', 'customer_interactions', 'customer_external_ids', 'customer_tags', 'companies', 'settings'] as const;
export type TableName = (typeof TABLE_NAMES)[number];
