import { COMPLETION_LIMIT } from '../domain/completion.js';
import { ConflictError } from '../domain/errors.js';
import { newId, shortId } from '../domain/ids.js';
import type { CompanyInput } from '../domain/schemas.js';
import { nowIso, type Clock, type Company } from '../domain/types.js';
import { isClosed } from '../domain/vocabulary.js';
import type { CompanyInteraction, CompanyPerson, CompanyRepository, CompanyWithCount, Store } from '../repositories/ports.js';
import { resolveRef } from './refs.js';
import { loadSchemas } from './validation.js';

export type { CompanyInteraction, CompanyPerson, CompanyWithCount } from '../repositories/ports.js';

/** Money of one currency, summed: the deals of `customers` people. */
export interface CurrencyTotal {
  currency: string;
  value_minor: number;
  customers: number;
}

export interface CompanyDetails {
  company: Company;
  /** Its customers, archived ones too, by name. */
  people: CompanyPerson[];
  /** The deals still open (customers not archived, not closed), per currency, never added across currencies. */
  openValue: CurrencyTotal[];
  latestInteraction: CompanyInteraction | undefined;
}

export interface CompanyDeletion {
  company: Company;
  /** Customers that were at the company and now have none. */
  unlinkedCustomers: number;
}

export class CompanyService {
  private readonly companies: CompanyRepository;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {
    this.companies = store.repositories.companies;
  }

  resolve(ref: string): Promise<Company> {
    return resolveRef('company', this.companies, ref);
  }

  /** Company names for shell completion. */
  namesStartingWith(prefix: string, limit = COMPLETION_LIMIT): Promise<string[]> {
    return this.companies.namesStartingWith(prefix, limit);
  }

  list(): Promise<CompanyWithCount[]> {
    return this.companies.list();
  }

  async add(input: CompanyInput): Promise<Company> {
    const { validate, companyInputSchema } = await loadSchemas();
    const valid = validate(companyInputSchema, input);
    return this.store.write(async () => {
      await this.assertNameFree(valid.name);
      const now = nowIso(this.clock);
      return this.companies.insert({ id: newId(), name: valid.name, created_at: now, updated_at: now });
    });
  }

  /** Renames it; the same name again changes nothing. */
  async edit(ref: string, input: CompanyInput): Promise<{ company: Company; changed: boolean }> {
    const { validate, companyInputSchema } = await loadSchemas();
    const valid = validate(companyInputSchema, input);
    return this.store.write(async () => {
      const company = await this.resolve(ref);
      if (company.name === valid.name) return { company, changed: false };
      await this.assertNameFree(valid.name, company.id);
      return { company: await this.companies.update(company.id, { name: valid.name, updated_at: nowIso(this.clock) }), changed: true };
    });
  }

  async show(ref: string): Promise<CompanyDetails> {
    return this.store.read(async () => {
      const company = await this.resolve(ref);
      const people = await this.companies.people(company.id);
      return {
        company,
        people,
        openValue: openValue(people),
        latestInteraction: await this.companies.latestInteraction(company.id),
      };
    });
  }

  /** What `delete(ref)` would change, for the confirmation question. */
  async planDelete(ref: string): Promise<{ company: Company; customers: number }> {
    const company = await this.resolve(ref);
    return { company, customers: (await this.companies.people(company.id)).length };
  }

  delete(ref: string): Promise<CompanyDeletion> {
    return this.store.write(async () => {
      const company = await this.resolve(ref);
      // Done here rather than left to the foreign key's SET NULL, so that the customers'
      // updated_at comes from the app's clock (as a product's delete does).
      const unlinkedCustomers = await this.companies.unlinkCustomers(company.id, nowIso(this.clock));
      await this.companies.delete(company.id);
      return { company, unlinkedCustomers };
    });
  }

  /** Names are refs, so two companies with one name would make that name useless. */
  private async assertNameFree(name: string, exceptId?: string): Promise<void> {
    const clash = (await this.companies.findByName(name)).find((company) => company.id !== exceptId);
    if (clash) throw new ConflictError(`a company named "${clash.name}" already exists (${shortId(clash.id)})`);
  }
}

/** Open deals per currency, in currency order. */
export function openValue(people: readonly CompanyPerson[]): CurrencyTotal[] {
  const totals = new Map<string, CurrencyTotal>();
  for (const person of people) {
    if (person.is_archived || isClosed(person.status) || person.deal_value_minor === null || person.deal_currency === null) continue;
    const total = totals.get(person.deal_currency) ?? { currency: person.deal_currency, value_minor: 0, customers: 0 };
    total.value_minor += person.deal_value_minor;
    total.customers += 1;
    totals.set(person.deal_currency, total);
  }
  return [...totals.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1));
}
