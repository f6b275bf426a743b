import type { Command } from 'commander';
import type { Session } from '../../session.js';
import { renderProduct } from './view.js';

export interface ProductDeactivateOptions {
  ref: string;
  json?: boolean;
}

export function registerProductDeactivate(product: Command, session: Session): void {
  product
    .command('deactivate')
    .description('stop offering a product (its customers keep it)')
    .argument('<ref>', 'id, id prefix (4+ characters) or name')
    .option('--json', 'print the product as JSON')
    .addHelpText('after', '\nExamples:\n  $ crm product deactivate "website audit"\n  $ crm product deactivate 3f2a --json')
    .action((ref: string, options: Omit<ProductDeactivateOptions, 'ref'>) =>
      runProductDeactivate(session, { ref, ...options }),
    );
}

export async function runProductDeactivate(session: Session, options: ProductDeactivateOptions): Promise<void> {
  const { product, changed } = await (await session.services()).products.setActive(options.ref, false);
  if (options.json) renderProduct(session, product, true);
  if (changed) session.success(`"${product.name}" is now inactive`);
  else session.info(`"${product.name}" was already inactive; nothing changed`);
}
