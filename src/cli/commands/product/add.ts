import type { Command } from 'commander';
import { shortId } from '../../../domain/ids.js';
import type { Session } from '../../session.js';
import { renderProduct } from './view.js';

export interface ProductAddOptions {
  name: string;
  description?: string;
  inactive?: boolean;
  json?: boolean;
}

export function registerProductAdd(product: Command, session: Session): void {
  product
    .command('add')
    .description('add a product (active unless --inactive; at most 3 can be active)')
    .argument('<name>', 'product name (unique, case-insensitive)')
    .option('-d, --description <text>', 'what the product is')
    .option('--inactive', 'add it without making it active')
    .option('--json', 'print the new product as JSON')
    .addHelpText('after', '\nExamples:\n  $ crm product add "Website audit" -d "Two-day technical review"\n  $ crm product add "Retainer" --inactive')
    .action((name: string, options: Omit<ProductAddOptions, 'name'>) =>
      runProductAdd(session, { name, ...options }),
    );
}

export async function runProductAdd(session: Session, options: ProductAddOptions): Promise<void> {
  session.allowCreatingDatabase();
  const product = await (await session.services()).products.add({
    name: options.name,
    description: options.description,
    is_active: !options.inactive,
  });
  renderProduct(session, product, options.json);
  session.success(`added product "${product.name}" (${shortId(product.id)})`);
}
