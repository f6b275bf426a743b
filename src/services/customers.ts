import { randomUUID } from 'node:crypto';
import type { CrmDatabase } from '../db/connection.js';
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
import {
  CustomerRepository,
  type CustomerFilter,
  type CustomerSort,
  type CustomerWithProduct,
} from '../repositories/customers.js';
import { InteractionRepository } from '../repositories/interactions.js';
import type { ProductService } from './products.js';
import { resolveRef } from './refs.js';
import { writeTx } from './sqlite-errors.js';

// The CLI names these through the service, never the repository.
export type { ArchivedScope, CustomerSort, CustomerWithProduct } from '../repositories/customers.js';

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
    private readonly db: CrmDatabase,
    private readonly clock: Clock,
    private readonly products: ProductService,
  ) {
    this.customers = new CustomerRepository(db.orm);
    this.interactions = new InteractionRepository(db.orm);
  }

  resolve(ref: string): Customer {
    return resolveRef('customer', this.customers, ref);
  }

  /** The customer with exactly this id, if it exists. */
  find(id: string): Customer | undefined {
    return this.customers.get(id);
  }

  private productIdFor(ref: string | null | undefined): string | null | undefined {
    if (ref === undefined || ref === null) return ref;
    return this.products.resolve(ref).id;
  }

  list(query: CustomerQuery, paging: CustomerPaging = {}): CustomerListResult {
    const { sort, limit } = paging;
    const page = paging.page ?? 1;
    const offset = limit === undefined ? 0 : (page - 1) * limit;
    const filter: CustomerFilter = { ...query, productId: this.productIdFor(query.product) ?? undefined };
    // One read transaction, so the total counts the same rows the page was taken from even
    // while another process writes.
    return this.db.sqlite.transaction(() => ({
      customers: this.customers.list(filter, { sort, limit, offset }),
      total: this.customers.count(filter),
      offset,
      page,
      limit,
    }))();
  }

  search(text: string, paging: SearchPaging = {}): CustomerSearchResult {
    const { limit } = paging;
    const page = paging.page ?? 1;
    const offset = limit === undefined ? 0 : (page - 1) * limit;
    // One row past the page says whether there is a next one.
    const found = this.customers.search(text, { limit: limit === undefined ? -1 : limit + 1, offset });
    const more = limit !== undefined && found.length > limit;
    return { customers: more ? found.slice(0, limit) : found, offset, page, limit, more };
  }

  show(ref: string): CustomerDetails {
    const { id } = this.resolve(ref);
    return {
      customer: this.customers.getWithProduct(id)!,
      interactions: this.interactions.listForCustomer(id),
    };
  }

  add(request: CustomerAddRequest): AddedCustomer {
    const { product, force, ...fields } = request;
    const valid = validate(customerInputSchema, fields);
    return writeTx(this.db, () => {
      // Import dedupes by e-mail ignoring case; adding by hand the same person again is refused alike.
      const sameEmailAs = valid.email === null ? undefined : this.customers.findByEmail(valid.email);
      if (sameEmailAs && !force) {
        throw new ConflictError(
          `customer "${sameEmailAs.name}" (${shortId(sameEmailAs.id)}) already has the e-mail ${sameEmailAs.email}; use --force to add another customer with it`,
        );
      }
      const now = nowIso(this.clock);
      const { id } = this.customers.insert({
        id: randomUUID(),
        ...valid,
        product_id: this.productIdFor(product) ?? null,
        created_at: now,
        updated_at: now,
      });
      return { ...this.customers.getWithProduct(id)!, ...(sameEmailAs && { sameEmailAs }) };
    });
  }

  /**
   * Only fields whose value actually differs are written, so an edit that repeats the
   * current values leaves `updated_at` alone and reports `changed: false`.
   */
  edit(ref: string, request: CustomerEditRequest): { customer: CustomerWithProduct; changed: boolean } {
    const { product, ...fields } = request;
    const valid = validate(customerPatchSchema, fields);
    return writeTx(this.db, () => {
      const customer = this.resolve(ref);
      const requested: Partial<Customer> = { ...valid, product_id: this.productIdFor(product) };
      const patch = Object.fromEntries(
        Object.entries(requested).filter(
          ([key, value]) => value !== undefined && value !== customer[key as keyof Customer],
        ),
      );
      const changed = Object.keys(patch).length > 0;
      if (changed) this.customers.update(customer.id, { ...patch, updated_at: nowIso(this.clock) });
      return { customer: this.customers.getWithProduct(customer.id)!, changed };
    });
  }

  move(ref: string, status: string): { customer: Customer; from: CustomerStatus } {
    const next = validate(statusSchema, status);
    return writeTx(this.db, () => {
      const customer = this.resolve(ref);
      if (customer.status === next) return { customer, from: customer.status };
      return {
        customer: this.customers.update(customer.id, { status: next, updated_at: nowIso(this.clock) }),
        from: customer.status,
      };
    });
  }

  /** Archives (or restores) each ref; all refs are resolved before anything changes. */
  setArchived(refs: readonly string[], archived: boolean): BulkArchiveResult {
    return writeTx(this.db, () => {
      const targets = [...new Map(refs.map((ref) => this.resolve(ref)).map((c) => [c.id, c])).values()];
      const toChange = targets.filter((customer) => customer.is_archived !== archived);
      this.customers.setArchived(
        toChange.map((customer) => customer.id),
        archived,
        nowIso(this.clock),
      );
      return {
        changed: toChange.map((customer) => this.customers.get(customer.id)!),
        unchanged: targets.filter((customer) => customer.is_archived === archived),
      };
    });
  }

  /** What `delete(ref)` would remove, for the confirmation question. */
  planDelete(ref: string): { customer: Customer; interactions: number } {
    const customer = this.resolve(ref);
    return { customer, interactions: this.interactions.countForCustomer(customer.id) };
  }

  delete(ref: string): { customer: Customer; interactionsDeleted: number } {
    return writeTx(this.db, () => {
      const customer = this.resolve(ref);
      const interactionsDeleted = this.interactions.countForCustomer(customer.id);
      this.customers.delete(customer.id);
      return { customer, interactionsDeleted };
    });
  }
}
