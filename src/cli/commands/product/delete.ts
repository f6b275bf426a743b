import type { Command } from 'commander';
import type { Session } from '../../session.js';

export interface ProductDeleteOptions {
  ref: string;
  yes?: boolean;
  json?: boolean;
}

export function registerProductDelete(product: Command, session: Session): void {
  product
    .command('delete')
    .alias('rm')
    .description('delete a product; its customers remain, with no product')
    .argument('<ref>', 'id, id prefix (4+ characters) or name')
    .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)')
    .option('--json', 'print the deleted product as JSON')
    .addHelpText('after', '\nExamples:\n  $ crm product delete "old offer"\n  $ crm product delete 3f2a --yes')
    .action((ref: string, options: Omit<ProductDeleteOptions, 'ref'>) =>
      runProductDelete(session, { ref, ...options }),
    );
}

export async function runProductDelete(session: Session, options: ProductDeleteOptions): Promise<void> {
  const products = (await session.services()).products;
  const target = await products.resolve(options.ref);
  await session.confirm(`deleting product "${target.name}"`, `Delete product "${target.name}"? Its customers will have no product`, options.yes);
  const { product, unlinkedCustomers } = await products.delete(target.id);
  if (options.json) session.out.json(product);
  session.success(
    `deleted product "${product.name}"${unlinkedCustomers ? `; ${unlinkedCustomers} customer(s) now have no product` : ''}`,
  );
}
