import { COMPLETION_LIMIT } from '../domain/completion.js';
import { ConflictError, RuleViolationError } from '../domain/errors.js';
import { newId, shortId } from '../domain/ids.js';
import type { ProductInput, ProductPatch } from '../domain/schemas.js';
import { nowIso, type Clock, type Product } from '../domain/types.js';
import { MAX_ACTIVE_PRODUCTS } from '../domain/vocabulary.js';
import type { CustomerRepository, ProductRepository, Store } from '../repositories/ports.js';
import { resolveRef } from './refs.js';
import { loadSchemas } from './validation.js';

export interface ProductDeletion {
  product: Product;
  /** Customers that were linked to the product and now have none. */
  unlinkedCustomers: number;
}

export class ProductService {
  private readonly products: ProductRepository;
  private readonly customers: CustomerRepository;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {
    this.products = store.repositories.products;
    this.customers = store.repositories.customers;
  }

  resolve(ref: string): Promise<Product> {
    return resolveRef('product', this.products, ref);
  }

  /** Product names for shell completion. */
  namesStartingWith(prefix: string, limit = COMPLETION_LIMIT): Promise<string[]> {
    return this.products.namesStartingWith(prefix, limit);
  }

  list(filter: { active?: boolean } = {}): Promise<Product[]> {
    return this.products.list(filter);
  }

  async add(input: ProductInput): Promise<Product> {
    const { validate, productInputSchema } = await loadSchemas();
    const valid = validate(productInputSchema, input);
    return this.store.write(async () => {
      await this.assertNameFree(valid.name);
      if (valid.is_active) await this.assertActivationAllowed();
      const now = nowIso(this.clock);
      return this.products.insert({ id: newId(), ...valid, created_at: now, updated_at: now });
    });
  }

  async edit(ref: string, patch: ProductPatch): Promise<Product> {
    const { validate, productPatchSchema } = await loadSchemas();
    const valid = validate(productPatchSchema, patch);
    return this.store.write(async () => {
      const product = await this.resolve(ref);
      if (valid.name !== undefined) await this.assertNameFree(valid.name, product.id);
      if (valid.name === undefined && valid.description === undefined) return product;
      return this.products.update(product.id, { ...valid, updated_at: nowIso(this.clock) });
    });
  }

  async setActive(ref: string, active: boolean): Promise<{ product: Product; changed: boolean }> {
    return this.store.write(async () => {
      const product = await this.resolve(ref);
      if (product.is_active === active) return { product, changed: false };
      if (active) await this.assertActivationAllowed();
      const updated = await this.products.update(product.id, { is_active: active, updated_at: nowIso(this.clock) });
      return { product: updated, changed: true };
    });
  }

  async delete(ref: string): Promise<ProductDeletion> {
    return this.store.write(async () => {
      const product = await this.resolve(ref);
      // Done here rather than left to the foreign key's SET NULL, so that the customers'
      // updated_at comes from the app's clock (the touch trigger leaves crm's writes alone).
      const unlinkedCustomers = await this.customers.unlinkProduct(product.id, nowIso(this.clock));
      await this.products.delete(product.id);
      return { product, unlinkedCustomers };
    });
  }

  /**
   * Checked here, before the database trigger would refuse, so the message can name the
   * products that hold the slots; the trigger still guards writes from other routes.
   */
  private async assertActivationAllowed(): Promise<void> {
    const active = await this.products.list({ active: true });
    if (active.length >= MAX_ACTIVE_PRODUCTS) {
      const names = active.map((product) => product.name).join(', ');
      throw new RuleViolationError(
        `at most ${MAX_ACTIVE_PRODUCTS} products can be active, and these are: ${names}; deactivate one first`,
      );
    }
  }

  /** Names are refs, so two products with one name would make that name useless. */
  private async assertNameFree(name: string, exceptId?: string): Promise<void> {
    const clash = (await this.products.findByName(name)).find((product) => product.id !== exceptId);
    if (clash) throw new ConflictError(`a product named "${clash.name}" already exists (${shortId(clash.id)})`);
  }
}
