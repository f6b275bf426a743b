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

export const INTERACTION_CHANNELS = ['phone', 'email', 'meeting', 'chat', 'other'] as const;
export type InteractionChannel = (typeof INTERACTION_CHANNELS)[number];

export const MAX_ACTIVE_PRODUCTS = 3;

export const TABLE_NAMES = ['products', 'customers', 'customer_interactions'] as const;
export type TableName = (typeof TABLE_NAMES)[number];
