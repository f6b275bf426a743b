import type { Customer } from '../../../domain/types.js';
import type { BulkArchiveResult } from '../../../services/customers.js';
import { shortId } from '../../../domain/ids.js';
import type { Session } from '../../session.js';

/**
 * What `customer archive <ref>...` and `customer restore <ref>...` say: the customers named,
 * in their new state, as JSON on stdout; which ones changed on stderr.
 */
export function renderArchiveChange(
  session: Session,
  result: BulkArchiveResult,
  verb: 'archived' | 'restored',
  json: boolean | undefined,
): void {
  if (json) session.out.json([...result.changed, ...result.unchanged]);
  const label = (customer: Customer) => `"${customer.name}" (${shortId(customer.id)})`;
  if (result.changed.length === 1) session.success(`${verb} ${label(result.changed[0]!)}`);
  else if (result.changed.length > 1) session.success(`${verb} ${result.changed.length} customers`);
  const state = verb === 'archived' ? 'was already archived' : 'is not archived';
  for (const customer of result.unchanged) {
    session.info(`${label(customer)} ${state}; nothing changed`);
  }
}
