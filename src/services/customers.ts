import { ConflictError, ValidationError } from '../domain/errors.js';
import { newId, shortId } from '../domain/ids.js';
import { currencyCode, toMinorUnits } from '../domain/money.js';
import { COMPLETION_LIMIT } from '../domain/completion.js';
import { normalizeTags } from '../domain/tags.js';
import type { CustomerInput, CustomerPatch } from '../domain/schemas.js';
import { nowIso, type Clock, type Customer, type Interaction } from '../domain/types.js';
import { isClosed, type CustomerStatus } from '../domain/vocabulary.js';
import type {
  CustomerFilter,
  CustomerRepository,
  CustomerSort,
  CustomerWithProduct,
  InteractionRepository,
  NamedByRef,
  RefQuery,
  Store,
} from '../repositories/ports.js';
import type { CompanyService } from './companies.js';
import type { ProductService } from './products.js';
import { resolveRef, type RefSource } from './refs.js';
import type { SettingsService } from './settings.js';
import { loadSchemas, validStatus } from './validation.js';

// The CLI names these through the service, never the repository.
export type { ArchivedScope, CustomerSort, CustomerWithProduct } from '../repositories/ports.js';

/** Filters as users give them: the product is a ref, and tags as typed (any case), resolved here. */
export interface CustomerQuery extends Omit<CustomerFilter, 'productId' | 'tags'> {
  product?: string;
  /** Customers having every one of these tags. */
  tags?: readonly string[];
}

/** Which page of the list to show; without `limit`, every matching customer at once. */
export interface CustomerPaging {
  sort?: CustomerSort;
  limit?: number;
  /** 1-based. */
  page?: number;
}

export interface CustomerListResult {
  customers: CustomerWithProduct[];
  /** Matching customers in all, across pages. */
  total: number;
  /** How many matching customers come before this page. */
  offset: number;
  page: number;
  limit: number | undefined;
}

/** Which page of search results to show; without `limit`, every match at once. */
export interface SearchPaging {
  limit?: number;
  /** 1-based. */
  page?: number;
}

/** No total: counting every match would read every customer, the page alone stops early. */
export interface CustomerSearchResult {
  customers: CustomerWithProduct[];
  offset: number;
  page: number;
  limit: number | undefined;
  /** Whether more customers match beyond this page. */
  more: boolean;
}

/** A customer with the names of their product and company, as one customer is shown. */
export type CustomerView = CustomerWithProduct & { company_name: string | null };

export interface CustomerDetails {
  customer: CustomerView;
  /** In the order they were added. */
  tags: string[];
  interactions: Interaction[];
}

/**
 * A deal value as typed (domain/money.ts parseAmount): the amount, and its currency when the
 * text named one (else the caller's default, CRM_CURRENCY, then `crm config` currency).
 */
export interface DealValueRequest {
  amount: string;
  currency?: string;
}

/** What a customer's deal columns become; undefined: left as they are. */
type DealColumns = Pick<Customer, 'deal_value_minor' | 'deal_currency'>;

/** Customer input where the product and company are named by refs rather than ids. */
export type CustomerAddRequest = Omit<CustomerInput, 'product_id'> & {
  product?: string | null;
  company?: string | null;
  value?: DealValueRequest | null;
  /** Add even when another customer has the e-mail (ignoring case); the result names that one. */
  force?: boolean;
};

/** A new customer, and with --force the existing one that already had its e-mail. */
export type AddedCustomer = CustomerView & { sameEmailAs?: Customer };
export type CustomerEditRequest = Omit<CustomerPatch, 'product_id' | 'status'> & {
  product?: string | null;
  /** A company ref; null: no company. */
  company?: string | null;
  /** null clears the value. */
  value?: DealValueRequest | null;
};

export interface BulkArchiveResult {
  changed: Customer[];
  unchanged: Customer[];
}

export class CustomerService {
  private readonly customers: CustomerRepository;
  private readonly interactions: InteractionRepository;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly products: ProductService,
    private readonly companies: CompanyService,
    private readonly settings: SettingsService,
  ) {
    this.customers = store.repositories.customers;
    this.interactions = store.repositories.interactions;
  }

  /** By id, id prefix, exact name, or else the words of a name (`zola` for Émile Zola). */
  async resolve(ref: string): Promise<Customer> {
    const { product_name: _productName, ...customer } = await this.resolveRead(ref);
    return customer;
  }

  /** The customer, and its product's name when the ref's one read brought it (not by words). */
  /**
   * resolve, whose one read (findByRef) is `read`, which brings more of the customer the ref
   * names outright; that part comes back as `named` when the ref resolved to that customer
   * (not when only the words of a name found it).
   */
  async resolveReading<T extends object>(
    ref: string,
    read: (query: RefQuery, limit: number) => Promise<NamedByRef<T>>,
  ): Promise<{ found: Customer & { product_name?: string | null }; named?: NamedByRef<T>['named'] }> {
    let named: NamedByRef<T>['named'];
    const found = await resolveRef('customer', {
      ...this.refSource(),
      findByRef: async (query, limit) => {
        const result = await read(query, limit);
        named = result.named;
        return result.candidates;
      },
    }, ref);
    return { found, named: named?.id === found.id ? named : undefined };
  }

  private resolveRead(ref: string): Promise<Customer & { product_name?: string | null }> {
    return resolveRef<Customer & { product_name?: string | null }>('customer', this.refSource(), ref);
  }

  private refSource(): RefSource<Customer & { product_name?: string | null }> {
    const { customers } = this;
    const { search } = this.store.repositories;
    return {
      get: (id) => customers.get(id),
      findByIdPrefix: (prefix, limit) => customers.findByIdPrefix(prefix, limit),
      findByName: (name) => customers.findByName(name),
      findByRef: (query, limit) => customers.findByRef(query, limit),
      findByNameWords: (terms, limit) => search.namedWith(terms, limit),
    };
  }

  /** Customer names for shell completion. */
  namesStartingWith(prefix: string, limit = COMPLETION_LIMIT): Promise<string[]> {
    return this.customers.namesStartingWith(prefix, limit);
  }

  /** The customer with exactly this id, if it exists. */
  find(id: string): Promise<Customer | undefined> {
    return this.customers.get(id);
  }

  private async productIdFor(ref: string | null | undefined): Promise<string | null | undefined> {
    if (ref === undefined || ref === null) return ref;
    return (await this.products.resolve(ref)).id;
  }

  private async companyIdFor(ref: string | null | undefined): Promise<string | null | undefined> {
    if (ref === undefined || ref === null) return ref;
    return (await this.companies.resolve(ref)).id;
  }

  /** The amount in its currency's minor units; a value without a currency takes `crm config` currency. */
  private async dealColumns(value: DealValueRequest | null | undefined): Promise<DealColumns | undefined> {
    if (value === undefined) return undefined;
    if (value === null) return { deal_value_minor: null, deal_currency: null };
    const currency = value.currency ?? (await this.settings.currency());
    if (currency === undefined) {
      throw new ValidationError(
        `value ${value.amount} has no currency: write it with the amount ("${value.amount} EUR"), set CRM_CURRENCY, or run crm config set currency EUR`,
      );
    }
    const code = currencyCode(currency);
    return { deal_value_minor: toMinorUnits(value.amount, code), deal_currency: code };
  }

  /**
   * The stored spellings of each tag of a `--tag` filter, or undefined when some tag is on no
   * customer at all (then no customer can match).
   */
  private async tagFilter(tags: readonly string[] | undefined): Promise<string[][] | undefined | 'none'> {
    if (tags === undefined || tags.length === 0) return undefined;
    const groups: string[][] = [];
    for (const tag of normalizeTags(tags)) {
      const spellings = await this.store.repositories.tags.spellings(tag);
      if (spellings.length === 0) return 'none';
      groups.push(spellings);
    }
    return groups;
  }

  async list(query: CustomerQuery, paging: CustomerPaging = {}): Promise<CustomerListResult> {
    const { sort, limit } = paging;
    const page = paging.page ?? 1;
    const offset = limit === undefined ? 0 : (page - 1) * limit;
    const { tags: tagInputs, ...rest } = query;
    const productId = (await this.productIdFor(query.product)) ?? undefined;
    const tags = await this.tagFilter(tagInputs);
    if (tags === 'none') return { customers: [], total: 0, offset, page, limit };
    const filter: CustomerFilter = { ...rest, productId, ...(tags && { tags }) };
    // One read transaction, so the total counts the same rows the page was taken from even
    // while another process writes.
    return this.store.read(async () => ({
      customers: await this.customers.list(filter, { sort, limit, offset }),
      total: await this.customers.count(filter),
      offset,
      page,
      limit,
    }));
  }

  async search(text: string, paging: SearchPaging = {}): Promise<CustomerSearchResult> {
    const { limit } = paging;
    const page = paging.page ?? 1;
    const offset = limit === undefined ? 0 : (page - 1) * limit;
    // One row past the page says whether there is a next one.
    const found = await this.customers.search(text, { limit: limit === undefined ? -1 : limit + 1, offset });
    const more = limit !== undefined && found.length > limit;
    return { customers: more ? found.slice(0, limit) : found, offset, page, limit, more };
  }

  async show(ref: string): Promise<CustomerDetails> {
    // The ref's one read brings, for the customer it names outright, everything shown: on a
    // server each statement is a round trip, and one statement needs no transaction around it.
    const { found, named } = await this.resolveReading(ref, (query, limit) => this.customers.showByRef(query, limit));
    if (named) {
      const { company_name: companyName, tags, interactions } = named;
      return { customer: { ...found, product_name: found.product_name ?? null, company_name: companyName }, tags, interactions };
    }
    // Named by the words of its name, which the one read does not look at.
    return this.store.read(async () => {
      const found = await this.resolveRead(ref);
      const { id } = found;
      const { product_name: productName } = found;
      return {
        customer: productName === undefined ? await this.view(id) : await this.withCompany({ ...found, product_name: productName }),
        tags: await this.store.repositories.tags.forCustomer(id),
        interactions: await this.interactions.listForCustomer(id),
      };
    });
  }

  /** The customer with their product's and company's names. */
  async view(id: string): Promise<CustomerView> {
    return this.withCompany((await this.customers.getWithProduct(id))!);
  }

  private async withCompany(customer: CustomerWithProduct): Promise<CustomerView> {
    const company = customer.company_id === null ? undefined : await this.store.repositories.companies.get(customer.company_id);
    return { ...customer, company_name: company?.name ?? null };
  }

  async add(request: CustomerAddRequest): Promise<AddedCustomer> {
    const { product, company, value, force, ...fields } = request;
    const { validate, customerInputSchema } = await loadSchemas();
    const valid = validate(customerInputSchema, fields);
    return this.store.write(async () => {
      // Import dedupes by e-mail ignoring case; adding by hand the same person again is refused alike.
      const sameEmailAs = valid.email === null ? undefined : await this.customers.findByEmail(valid.email);
      if (sameEmailAs && !force) {
        throw new ConflictError(
          `customer "${sameEmailAs.name}" (${shortId(sameEmailAs.id)}) already has the e-mail ${sameEmailAs.email}; use --force to add another customer with it`,
        );
      }
      const now = nowIso(this.clock);
      const deal = await this.dealColumns(value);
      const { id } = await this.customers.insert({
        id: newId(),
        ...valid,
        product_id: (await this.productIdFor(product)) ?? null,
        company_id: (await this.companyIdFor(company)) ?? null,
        deal_value_minor: deal?.deal_value_minor ?? null,
        deal_currency: deal?.deal_currency ?? null,
        closed_at: isClosed(valid.status) ? now : null,
        is_archived: false,
        created_at: now,
        updated_at: now,
      });
      return { ...(await this.view(id)), ...(sameEmailAs && { sameEmailAs }) };
    });
  }

  /**
   * Only fields whose value actually differs are written, so an edit that repeats the
   * current values leaves `updated_at` alone and reports `changed: false`.
   */
  async edit(ref: string, request: CustomerEditRequest): Promise<{ customer: CustomerView; changed: boolean }> {
    const { product, company, value, ...fields } = request;
    const { validate, customerPatchSchema } = await loadSchemas();
    const valid = validate(customerPatchSchema, fields);
    return this.store.write(async () => {
      const customer = await this.resolve(ref);
      const requested: Partial<Customer> = {
        ...valid,
        product_id: await this.productIdFor(product),
        company_id: await this.companyIdFor(company),
        ...(await this.dealColumns(value)),
      };
      const patch = Object.fromEntries(
        Object.entries(requested).filter(
          ([key, value]) => value !== undefined && value !== customer[key as keyof Customer],
        ),
      );
      const changed = Object.keys(patch).length > 0;
      if (changed) await this.customers.update(customer.id, { ...patch, updated_at: nowIso(this.clock) });
      return { customer: await this.view(customer.id), changed };
    });
  }

  async move(ref: string, status: string): Promise<{ customer: Customer; from: CustomerStatus }> {
    const next = validStatus(status);
    return this.store.write(async () => {
      const customer = await this.resolve(ref);
      if (customer.status === next) return { customer, from: customer.status };
      const now = nowIso(this.clock);
      // closed_at says when the deal closed, for `pipeline --since`; reopening clears it.
      return {
        customer: await this.customers.update(customer.id, { status: next, closed_at: isClosed(next) ? now : null, updated_at: now }),
        from: customer.status,
      };
    });
  }

  /** Archives (or restores) each ref; all refs are resolved before anything changes. */
  async setArchived(refs: readonly string[], archived: boolean): Promise<BulkArchiveResult> {
    return this.store.write(async () => {
      const resolved: Customer[] = [];
      for (const ref of refs) resolved.push(await this.resolve(ref));
      const targets = [...new Map(resolved.map((c) => [c.id, c])).values()];
      const toChange = targets.filter((customer) => customer.is_archived !== archived);
      await this.customers.setArchived(
        toChange.map((customer) => customer.id),
        archived,
        nowIso(this.clock),
      );
      const changed: Customer[] = [];
      for (const customer of toChange) changed.push((await this.customers.get(customer.id))!);
      return { changed, unchanged: targets.filter((customer) => customer.is_archived === archived) };
    });
  }

  /** What `delete(ref)` would remove, for the confirmation question. */
  async planDelete(ref: string): Promise<{ customer: Customer; interactions: number }> {
    const customer = await this.resolve(ref);
    return { customer, interactions: await this.interactions.countForCustomer(customer.id) };
  }

  async delete(ref: string): Promise<{ customer: Customer; interactionsDeleted: number }> {
    return this.store.write(async () => {
      const customer = await this.resolve(ref);
      const interactionsDeleted = await this.interactions.countForCustomer(customer.id);
      await this.customers.delete(customer.id);
      return { customer, interactionsDeleted };
    });
  }
}
