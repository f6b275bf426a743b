import { NotFoundError } from '../domain/errors.js';
import { foldCase } from '../domain/fold.js';
import { normalizeTag, normalizeTags, sameTag } from '../domain/tags.js';
import { nowIso, type Clock, type Customer } from '../domain/types.js';
import type { Store, TagCount, TagRepository } from '../repositories/ports.js';
import type { CustomerService } from './customers.js';

export type { TagCount } from '../repositories/ports.js';

/** What `tag add` or `tag remove` did to one customer. */
export interface TagChange {
  customer: Customer;
  /** Tags added (as stored) or removed. */
  changed: string[];
  /** Tags given that needed nothing: already there (add) or not there (remove). */
  unchanged: string[];
  /** The customer's tags afterwards, in the order they were added. */
  tags: string[];
}

export interface TagRename {
  /** The spelling renamed (the first, when the tag had several). */
  from: string;
  to: string;
  /** Customers that had the old tag. */
  customers: number;
  /** False when the tag already had exactly that spelling everywhere. */
  changed: boolean;
}

/**
 * Tags compare ignoring case in any script: `VIP` and `vip` are one tag. A new tag takes the
 * spelling the tag already has on other customers, so `tag list` shows each tag once.
 */
export class TagService {
  private readonly tags: TagRepository;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly customers: CustomerService,
  ) {
    this.tags = store.repositories.tags;
  }

  add(ref: string, inputs: readonly string[]): Promise<TagChange> {
    const wanted = normalizeTags(inputs);
    return this.store.write(async () => {
      const customer = await this.customers.resolve(ref);
      const current = await this.tags.forCustomer(customer.id);
      const changed: string[] = [];
      const unchanged: string[] = [];
      for (const tag of wanted) {
        const had = current.find((other) => sameTag(other, tag));
        if (had !== undefined) {
          unchanged.push(had);
          continue;
        }
        const spelling = (await this.tags.spellings(tag))[0] ?? tag;
        if (await this.tags.add(customer.id, spelling, nowIso(this.clock))) changed.push(spelling);
        else unchanged.push(spelling);
      }
      return { customer, changed, unchanged, tags: await this.tags.forCustomer(customer.id) };
    });
  }

  remove(ref: string, inputs: readonly string[]): Promise<TagChange> {
    const unwanted = normalizeTags(inputs);
    return this.store.write(async () => {
      const customer = await this.customers.resolve(ref);
      const current = await this.tags.forCustomer(customer.id);
      const changed: string[] = [];
      const unchanged: string[] = [];
      for (const tag of unwanted) {
        const stored = current.filter((other) => sameTag(other, tag));
        if (stored.length === 0) unchanged.push(tag);
        for (const spelling of stored) {
          if (await this.tags.remove(customer.id, spelling)) changed.push(spelling);
        }
      }
      return { customer, changed, unchanged, tags: await this.tags.forCustomer(customer.id) };
    });
  }

  /** The customer's tags, in the order they were added. */
  of(customerId: string): Promise<string[]> {
    return this.tags.forCustomer(customerId);
  }

  /** Every tag once (spellings that differ in case counted together), A-Z ignoring case. */
  async list(): Promise<TagCount[]> {
    const merged = new Map<string, TagCount>();
    // Spellings that differ only in case (written outside crm) count as one tag, shown in the
    // spelling most customers have.
    const counts = (await this.tags.counts()).sort(
      (a, b) => b.customers + b.archived - (a.customers + a.archived) || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0),
    );
    for (const count of counts) {
      const key = foldCase(count.tag);
      const seen = merged.get(key);
      if (seen) {
        seen.customers += count.customers;
        seen.archived += count.archived;
      } else merged.set(key, { ...count });
    }
    return [...merged.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, count]) => count);
  }

  /**
   * Renames a tag on every customer that has it. Renaming onto a tag that exists merges the
   * two: a customer that had both keeps one. A new spelling of the same tag (`vip` to `VIP`)
   * respells it everywhere.
   */
  rename(fromInput: string, toInput: string): Promise<TagRename> {
    const fromTag = normalizeTag(fromInput);
    const to = normalizeTag(toInput);
    return this.store.write(async () => {
      const from = await this.tags.spellings(fromTag);
      if (from.length === 0) throw new NotFoundError(`no customer has the tag "${fromTag}"`);
      const merge = sameTag(fromTag, to) ? [] : await this.tags.spellings(to);
      if (from.length === 1 && from[0] === to && merge.length === 0) return { from: to, to, customers: 0, changed: false };
      const customers = await this.tags.rename(from, to, merge);
      return { from: from[0]!, to, customers, changed: true };
    });
  }
}
