import { foldCase } from '../db/connection.js';
import { UsageError } from '../domain/errors.js';
import { unsettledError, type MergePreference } from '../domain/merge.js';
import { shortId } from '../domain/ids.js';
import { phoneKey } from '../domain/phones.js';
import { nowIso, type Clock, type Customer } from '../domain/types.js';
import type { CustomerRepository, CustomerWithProduct, MovedRecords, Store } from '../repositories/ports.js';
import type { CustomerService, CustomerView } from './customers.js';

export type { MovedRecords } from '../repositories/ports.js';

export { MERGE_PREFERENCES, type MergePreference } from '../domain/merge.js';

/** Columns that are the record's own, never taken from another: identity, times, archived flag. */
const NOT_MERGED = new Set(['id', 'created_at', 'updated_at', 'is_archived']);

/** One value a conflicting field could take, and the records that have it. */
export interface FieldOption {
  value: unknown;
  customers: Customer[];
}

/** A field the records fill differently: the kept one's value (if any) against the others'. */
export interface FieldConflict {
  field: string;
  options: FieldOption[];
}

export interface MergePlan {
  keep: Customer;
  others: Customer[];
  /** The kept record's fields that the merge fills or changes, when conflicts are settled as given. */
  changes: Record<string, unknown>;
  /** Fields the records disagree on, whether or not a choice settles them. */
  conflicts: FieldConflict[];
  /** Conflicts neither a choice nor the preference settles. */
  unsettled: string[];
}

/** Points where a test can stop the process dead: inside the transaction, and after its commit. */
export type MergeStep = 'moved' | 'committed';

export interface MergeRequest {
  keep: string;
  others: readonly string[];
  prefer?: MergePreference;
  /** Values chosen for conflicting fields (on a terminal). */
  choices?: Record<string, unknown>;
  /** Digits of the default country code, for telling phone numbers apart ('' for none). */
  countryCode: string;
  onStep?: (step: MergeStep) => void;
}

export interface MergeResult {
  customer: CustomerView;
  merged: Customer[];
  /** The kept record's fields that changed, with their new values. */
  changes: Record<string, unknown>;
  moved: MovedRecords;
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}

/** Two values of a field that mean the same: names folded, e-mails ignoring case, phones by their key. */
function sameValue(field: string, a: unknown, b: unknown, countryCode: string): boolean {
  if (typeof a === 'string' && typeof b === 'string') {
    if (field === 'name') return foldCase(a.trim()) === foldCase(b.trim());
    if (field === 'email') return a.trim().toLowerCase() === b.trim().toLowerCase();
    if (field === 'phone') {
      const [ka, kb] = [phoneKey(a, countryCode), phoneKey(b, countryCode)];
      if (ka !== null && kb !== null) return ka === kb;
    }
    return a.trim() === b.trim();
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Combines duplicates into one customer: the kept record takes every interaction, external
 * id and link of the others, its empty fields are filled from theirs, and the others are
 * deleted, in one transaction. The audit log has each row's change (interactions show their
 * customer_id moving) and a `merge` entry on the kept and on each merged id, so `crm history`
 * of either tells what happened; `crm undo` takes the whole merge back.
 */
export class MergeService {
  private readonly customers: CustomerRepository;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly customerService: CustomerService,
  ) {
    this.customers = store.repositories.customers;
  }

  /** Resolves the refs and works out the result; changes nothing. */
  async plan(request: Omit<MergeRequest, 'onStep'>): Promise<MergePlan> {
    const keep = await this.customerService.resolve(request.keep);
    const others: Customer[] = [];
    for (const ref of request.others) {
      const other = await this.customerService.resolve(ref);
      if (other.id === keep.id) {
        throw new UsageError(`"${ref}" is the customer to keep (${shortId(keep.id)} ${keep.name}); name it only once`);
      }
      if (!others.some((known) => known.id === other.id)) others.push(other);
    }
    if (others.length === 0) throw new UsageError('name at least one customer to merge into the kept one');
    return planOf(keep, others, request);
  }

  async merge(request: MergeRequest): Promise<MergeResult> {
    const result = await this.store.write(async () => {
      // Planned again inside the transaction: the records may have changed since they were shown.
      const plan = await this.plan(request);
      if (plan.unsettled.length > 0) throw unsettledError(plan.unsettled);
      const { keep, others } = plan;
      const otherIds = others.map((other) => other.id);
      await this.customers.update(keep.id, { ...plan.changes, updated_at: nowIso(this.clock) });
      const moved = await this.store.repositories.merge.moveRecords(otherIds, keep.id);
      const note = { kept: keep.id, merged: otherIds, changes: plan.changes, moved };
      const { changeSets } = this.store.repositories;
      await changeSets.note(keep.id, 'merge', { ...note, name: keep.name });
      for (const other of others) await changeSets.note(other.id, 'merge', { ...note, name: other.name });
      request.onStep?.('moved');
      for (const id of otherIds) await this.customers.delete(id);
      return { customer: await this.customerService.view(keep.id), merged: others, changes: plan.changes, moved };
    });
    request.onStep?.('committed');
    return result;
  }
}

function planOf(keep: Customer, others: Customer[], request: Omit<MergeRequest, 'onStep' | 'keep' | 'others'>): MergePlan {
  const records = [keep, ...others];
  const fields = Object.keys(keep).filter((field) => !NOT_MERGED.has(field));
  const changes: Record<string, unknown> = {};
  const conflicts: FieldConflict[] = [];
  const unsettled: string[] = [];
  for (const field of fields) {
    const valueOf = (customer: Customer) => (customer as unknown as Record<string, unknown>)[field];
    const options: FieldOption[] = [];
    for (const customer of records) {
      const value = valueOf(customer);
      if (isEmpty(value)) continue;
      const option = options.find((known) => sameValue(field, known.value, value, request.countryCode));
      if (option) option.customers.push(customer);
      else options.push({ value, customers: [customer] });
    }
    if (options.length === 0) continue;
    let chosen: unknown;
    if (options.length === 1) {
      // Values that mean the same: the kept record keeps its own spelling.
      chosen = isEmpty(valueOf(keep)) ? options[0]!.value : valueOf(keep);
    } else {
      conflicts.push({ field, options });
      if (request.choices && field in request.choices) chosen = request.choices[field];
      else if (request.prefer === 'keep') chosen = options[0]!.value;
      else if (request.prefer === 'newest') chosen = newestValue(options);
      else {
        unsettled.push(field);
        continue;
      }
    }
    if (chosen !== valueOf(keep)) changes[field] = chosen;
  }
  return { keep, others, changes, conflicts, unsettled };
}

/** The value of the most recently updated record that has one (the first given on a tie). */
function newestValue(options: readonly FieldOption[]): unknown {
  let best: { value: unknown; at: string } | undefined;
  for (const option of options) {
    for (const customer of option.customers) {
      if (!best || customer.updated_at > best.at) best = { value: option.value, at: customer.updated_at };
    }
  }
  return best!.value;
}
