import { randomUUID } from 'node:crypto';
import { ConflictError } from '../domain/errors.js';
import { shortId } from '../domain/ids.js';
import {
  customerInputSchema,
  customerPatchSchema,
  statusSchema,
  validate,
  type CustomerInput,
  type CustomerPatch,
} from '../domain/schemas.js';
import { nowIso, type Clock, type Customer, type Interaction } from '../domain/types.js';
import type { CustomerStatus } from '../domain/vocabulary.js';
import type {
  CustomerFilter,
  CustomerRepository,
  CustomerSort,
  CustomerWithProduct,
  InteractionRepository,
  Store,
} from '../repositories/ports.js';
import type { ProductService } from './products.js';
import { resolveRef } from './refs.js';

// The CLI names these through the service, never the repository.
export type { ArchivedScope, CustomerSort, CustomerWithProduct } from '../repositories/ports.js';

/** Filters as users give them: the product is a ref, resolved here. */
export interface CustomerQuery extends Omit<CustomerFilter, 'productId'> {
  product?: string;
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

export interface CustomerDetails {
  customer: CustomerWithProduct;
  interactions: Interaction[];
}

/** Customer input where the product is named by a ref rather than an id. */
export type CustomerAddRequest = Omit<CustomerInput, 'product_id'> & {
  product?: string | null;
  /** Add even when another customer has the e-mail (ignoring case); the result names that one. */
  force?: boolean;
};

/** A new customer, and with --force the existing one that already had its e-mail. */
export type AddedCustomer = CustomerWithProduct & { sameEmailAs?: Customer };
export type CustomerEditRequest = Omit<CustomerPatch, 'product_id' | 'status'> & {
  product?: string | null;
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
  ) {
    this.customers = store.repositories.customers;
    this.interactions = store.repositories.interactions;
  }

  resolve(ref: string): Promise<Customer> {
    return resolveRef('customer', this.customers, ref);
  }

  /** The customer with exactly this id, if it exists. */
  find(id: string): Promise<Customer | undefined> {
    return this.customers.get(id);
  }

  private async productIdFor(ref: string | null | undefined): Promise<string | null | undefined> {
    if (ref === undefined || ref === null) return ref;
    return (await this.products.resolve(ref)).id;
  }

  async list(query: CustomerQuery, paging: CustomerPaging = {}): Promise<CustomerListResult> {
    const { sort, limit } = paging;
    const page = paging.page ?? 1;
    const offset = limit === undefined ? 0 : (page - 1) * limit;
    const filter: CustomerFilter = { ...query, productId: (await this.productIdFor(query.product)) ?? undefined };
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
    const { id } = await this.resolve(ref);
    return {
      customer: (await this.customers.getWithProduct(id))!,
      interactions: await this.interactions.listForCustomer(id),
    };
  }

  async add(request: CustomerAddRequest): Promise<AddedCustomer> {
    const { product, force, ...fields } = request;
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
      const { id } = await this.customers.insert({
        id: randomUUID(),
        ...valid,
        product_id: (await this.productIdFor(product)) ?? null,
        is_archived: false,
        created_at: now,
        updated_at: now,
      });
      return { ...(await this.customers.getWithProduct(id))!, ...(sameEmailAs && { sameEmailAs }) };
    });
  }

  /**
   * Only fields whose value actually differs are written, so an edit that repeats the
   * current values leaves `updated_at` alone and reports `changed: false`.
   */
  async edit(ref: string, request: CustomerEditRequest): Promise<{ customer: CustomerWithProduct; changed: boolean }> {
    const { product, ...fields } = request;
    const valid = validate(customerPatchSchema, fields);
    return this.store.write(async () => {
      const customer = await this.resolve(ref);
      const requested: Partial<Customer> = { ...valid, product_id: await this.productIdFor(product) };
      const patch = Object.fromEntries(
        Object.entries(requested).filter(
          ([key, value]) => value !== undefined && value !== customer[key as keyof Customer],
        ),
      );
      const changed = Object.keys(patch).length > 0;
      if (changed) await this.customers.update(customer.id, { ...patch, updated_at: nowIso(this.clock) });
      return { customer: (await this.customers.getWithProduct(customer.id))!, changed };
    });
  }

  async move(ref: string, status: string): Promise<{ customer: Customer; from: CustomerStatus }> {
    const next = validate(statusSchema, status);
    return this.store.write(async () => {
      const customer = await this.resolve(ref);
      if (customer.status === next) return { customer, from: customer.status };
      return {
        customer: await this.customers.update(customer.id, { status: next, updated_at: nowIso(this.clock) }),
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
