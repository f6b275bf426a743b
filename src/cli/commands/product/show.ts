import type { Command } from 'commander';
import type { Session } from '../../session.js';
import { renderProduct } from './view.js';

export interface ProductShowOptions {
  ref: string;
  json?: boolean;
}

export function registerProductShow(product: Command, session: Session): void {
  product
    .command('show')
    .description('show one product')
    .argument('<ref>', 'id, id prefix (4+ characters) or name')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ crm product show "website audit"\n  $ crm product show 3f2a --json')
    .action((ref: string, options: Omit<ProductShowOptions, 'ref'>) =>
      runProductShow(session, { ref, ...options }),
    );
}

export async function runProductShow(session: Session, options: ProductShowOptions): Promise<void> {
  renderProduct(session, await (await session.services()).products.resolve(options.ref), options.json);
}
