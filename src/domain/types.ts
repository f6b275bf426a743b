import type { CustomerStatus, InteractionChannel } from './vocabulary.js';

/** Records have the column names of the data model, which is also the `--json` shape. */
export interface Product {
  id: string;
  name: string;
  description: string | null;
  is_active: boolean;
  created_at: string;
  updated_at: string;
}

export interface Customer {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  product_id: string | null;
  status: CustomerStatus;
  acquisition_source: string | null;
  owner: string | null;
  is_archived: boolean;
  created_at: string;
  updated_at: string;
  company_id: string | null;
  /** The deal's value in the currency's minor units (see domain/money.ts); with deal_currency or neither. */
  deal_value_minor: number | null;
  deal_currency: string | null;
  /** When crm last moved the customer to closed_won or closed_lost; null while open. */
  closed_at: string | null;
  /** Free text about the customer, editable any time (unlike interactions); null when none. */
  note: string | null;
}

export interface Company {
  id: string;
  name: string;
  created_at: string;
  updated_at: string;
}

export interface Interaction {
  id: string;
  customer_id: string;
  type: string;
  channel: InteractionChannel;
  note: string;
  follow_up_date: string | null;
  created_at: string;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** The clock's time as stored in every timestamp column: ISO 8601 in UTC. */
export function nowIso(clock: Clock): string {
  return clock.now().toISOString();
}
