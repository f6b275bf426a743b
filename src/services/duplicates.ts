import type { Customer } from '../domain/types.js';
import type { DuplicateKeyGroup, DuplicateRepository, Store } from '../repositories/ports.js';

export type DuplicateReason = 'email' | 'phone' | 'name';

export interface DuplicateGroup {
  /** Why these customers look like one person: each shared key, strongest first. */
  reasons: Array<{ reason: DuplicateReason; key: string }>;
  /** Oldest first: the usual one to keep. */
  customers: Customer[];
}

const REASON_ORDER: readonly DuplicateReason[] = ['email', 'phone', 'name'];

/**
 * Likely duplicates: customers sharing an e-mail (ignoring case), a phone number (as
 * domain/phones.ts reads it, with the default country code), or a folded name when their
 * e-mails do not disagree (two "John Smith" with different e-mails are two people). The
 * database groups each key by an index and filters the groups; only the customers of the
 * groups found are read, and nothing here compares customers pairwise.
 */
export class DuplicateService {
  private readonly duplicates: DuplicateRepository;

  constructor(private readonly store: Store) {
    this.duplicates = store.repositories.duplicates;
  }

  /** `countryCode`: digits, '' for none (parseCountryCode). */
  async find(countryCode: string): Promise<DuplicateGroup[]> {
    // One snapshot: the three groupings and the customers they name agree.
    return this.store.read(async () => {
      const found: Array<{ reason: DuplicateReason; group: DuplicateKeyGroup }> = [
        ...(await this.duplicates.sameEmail()).map((group) => ({ reason: 'email' as const, group })),
        ...(await this.duplicates.samePhone(countryCode)).map((group) => ({ reason: 'phone' as const, group })),
        ...(await this.duplicates.sameName()).map((group) => ({ reason: 'name' as const, group })),
      ];
      const customers = new Map(
        (await this.duplicates.customers([...new Set(found.flatMap(({ group }) => group.ids))])).map((customer) => [customer.id, customer]),
      );
      // The same customers found by several keys are one group with several reasons.
      const groups = new Map<string, DuplicateGroup>();
      for (const { reason, group } of found) {
        const members = group.ids.flatMap((id) => customers.get(id) ?? []);
        if (members.length < 2) continue;
        members.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : 1));
        const id = members.map((customer) => customer.id).sort().join(' ');
        const existing = groups.get(id);
        if (existing) existing.reasons.push({ reason, key: group.key });
        else groups.set(id, { reasons: [{ reason, key: group.key }], customers: members });
      }
      return [...groups.values()].sort(compareGroups);
    });
  }
}

/** Strongest reason first (e-mail, phone, name), then by key: a stable order for scripts. */
function compareGroups(a: DuplicateGroup, b: DuplicateGroup): number {
  const rank = (group: DuplicateGroup) => REASON_ORDER.indexOf(group.reasons[0]!.reason);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  const key = (group: DuplicateGroup) => group.reasons[0]!.key;
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}
