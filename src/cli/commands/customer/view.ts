import { formatLocalDay } from '../../../domain/time.js';
import type { Customer } from '../../../domain/types.js';
import type { CustomerStatus } from '../../../domain/vocabulary.js';
import { formatMoney } from '../../../domain/money.js';
import type { CustomerView, CustomerWithProduct } from '../../../services/customers.js';
import { shortId } from '../../../domain/ids.js';
import { type Column } from '../../output.js';
import type { Paint } from '../../paint.js';
import type { Session } from '../../session.js';

export function paintStatus(status: CustomerStatus, paint: Paint): string {
  if (status === 'closed_won') return paint.green(status);
  if (status === 'closed_lost') return paint.dim(status);
  return status;
}

export function customerColumns(options: { archived: boolean }): ReadonlyArray<Column<CustomerWithProduct>> {
  const columns: Array<Column<CustomerWithProduct>> = [
    { header: 'id', value: (c) => c.id, display: (c) => shortId(c.id) },
    { header: 'name', value: (c) => c.name },
    { header: 'email', value: (c) => c.email },
    { header: 'phone', value: (c) => c.phone },
    { header: 'status', value: (c) => c.status, display: (c, paint) => paintStatus(c.status, paint) },
    { header: 'product_id', value: (c) => c.product_id, machineOnly: true },
    { header: 'product_name', label: 'product', value: (c) => c.product_name },
    { header: 'owner', value: (c) => c.owner },
    { header: 'created_at', value: (c) => c.created_at, display: (c) => formatLocalDay(c.created_at) },
  ];
  // Only worth a column when archived rows can appear at all.
  if (options.archived) {
    columns.push({
      header: 'is_archived',
      label: 'archived',
      value: (c) => c.is_archived,
      display: (c, paint) => (c.is_archived ? paint.yellow('yes') : 'no'),
    });
  }
  return columns;
}

/**
 * The `--json` shape of a customer is exactly the data-model columns; joined extras such as
 * `product_name` appear only where a command documents them (`customer show`).
 */
export function customerJson(customer: Customer): Customer {
  return {
    id: customer.id,
    name: customer.name,
    email: customer.email,
    phone: customer.phone,
    product_id: customer.product_id,
    status: customer.status,
    acquisition_source: customer.acquisition_source,
    owner: customer.owner,
    is_archived: customer.is_archived,
    created_at: customer.created_at,
    updated_at: customer.updated_at,
    company_id: customer.company_id,
    deal_value_minor: customer.deal_value_minor,
    deal_currency: customer.deal_currency,
    closed_at: customer.closed_at,
    note: customer.note,
  };
}

/** "12,000.00 EUR", or nothing. */
export function dealValueText(customer: Pick<Customer, 'deal_value_minor' | 'deal_currency'>): string | null {
  return customer.deal_value_minor === null || customer.deal_currency === null
    ? null
    : formatMoney(customer.deal_value_minor, customer.deal_currency);
}

/**
 * A single customer: the JSON object with `--json`, aligned fields otherwise. Its tags are
 * shown when the caller read them (`customer show`).
 */
export function renderCustomer(session: Session, customer: CustomerView, json: boolean | undefined, tags?: readonly string[]): void {
  if (json) {
    session.out.json(customerJson(customer));
    return;
  }
  // Company, value and closing time only when there is one: most people have none of them.
  const when = (label: string, value: unknown): Array<[string, unknown]> => (value === null ? [] : [[label, value]]);
  session.out.record([
    ['id', customer.id],
    ['name', customer.name],
    ['email', customer.email],
    ['phone', customer.phone],
    ...when('company', customer.company_name),
    ['status', paintStatus(customer.status, session.out.paint)],
    ...when('value', dealValueText(customer)),
    ['product', customer.product_name],
    ['source', customer.acquisition_source],
    ['owner', customer.owner],
    ...(tags === undefined ? [] : [['tags', tags.join(', ')] as [string, unknown]]),
    ['note', customer.note],
    ['archived', customer.is_archived ? 'yes' : 'no'],
    ...when('closed_at', customer.closed_at),
    ['created_at', customer.created_at],
    ['updated_at', customer.updated_at],
  ]);
}
