import type { Command } from 'commander';
import { UsageError } from '../../../domain/errors.js';
import { shortId } from '../../../domain/ids.js';
import type { Session } from '../../session.js';
import { renderProduct } from './view.js';

export interface ProductEditOptions {
  ref: string;
  name?: string;
  description?: string;
  json?: boolean;
}

export function registerProductEdit(product: Command, session: Session): void {
  product
    .command('edit')
    .description('change a product\'s name or description')
    .argument('<ref>', 'id, id prefix (4+ characters) or name')
    .option('-n, --name <name>', 'new name')
    .option('-d, --description <text>', 'new description ("" clears it)')
    .option('--json', 'print the updated product as JSON')
    .addHelpText('after', '\nExamples:\n  $ crm product edit "website audit" --name "Website audit (2 days)"\n  $ crm product edit "website audit" --description ""')
    .action((ref: string, options: Omit<ProductEditOptions, 'ref'>) =>
      runProductEdit(session, { ref, ...options }),
    );
}

export async function runProductEdit(session: Session, options: ProductEditOptions): Promise<void> {
  if (options.name === undefined && options.description === undefined) {
    throw new UsageError('nothing to change: give --name and/or --description');
  }
  const product = await (await session.services()).products.edit(options.ref, {
    name: options.name,
    description: options.description,
  });
  renderProduct(session, product, options.json);
  session.success(`updated product "${product.name}" (${shortId(product.id)})`);
}
