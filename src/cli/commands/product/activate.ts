import type { Command } from 'commander';
import type { Session } from '../../session.js';
import { renderProduct } from './view.js';

export interface ProductActivateOptions {
  ref: string;
  json?: boolean;
}

export function registerProductActivate(product: Command, session: Session): void {
  product
    .command('activate')
    .description('make a product active (at most 3 can be)')
    .argument('<ref>', 'id, id prefix (4+ characters) or name')
    .option('--json', 'print the product as JSON')
    .addHelpText('after', '\nExamples:\n  $ crm product activate "website audit"\n  $ crm product activate 3f2a --json')
    .action((ref: string, options: Omit<ProductActivateOptions, 'ref'>) =>
      runProductActivate(session, { ref, ...options }),
    );
}

export async function runProductActivate(session: Session, options: ProductActivateOptions): Promise<void> {
  const { product, changed } = await (await session.services()).products.setActive(options.ref, true);
  if (options.json) renderProduct(session, product, true);
  if (changed) session.success(`"${product.name}" is now active`);
  else session.info(`"${product.name}" was already active; nothing changed`);
}
