import { Option, type Command } from 'commander';
import { chooseFormat, FORMATS } from '../../output.js';
import type { Session } from '../../session.js';
import { productColumns } from './view.js';

export interface ProductListOptions {
  active?: boolean;
  inactive?: boolean;
  json?: boolean;
  wide?: boolean;
  format?: string;
}

export function registerProductList(product: Command, session: Session): void {
  product
    .command('list')
    .alias('ls')
    .description('list products, ordered by name')
    .addOption(new Option('--active', 'only active products').conflicts('inactive'))
    .option('--inactive', 'only inactive products')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS))
    .option('--json', 'print JSON (same as --format json)')
    .option('--wide', 'table: every cell in full, even wider than the terminal')
    .addHelpText('after', '\nExamples:\n  $ crm product list --active\n  $ crm product list --format csv > products.csv')
    .action((options: ProductListOptions) => runProductList(session, options));
}

export async function runProductList(session: Session, options: ProductListOptions): Promise<void> {
  const format = chooseFormat(options, session.stdoutIsTTY);
  const active = options.active ? true : options.inactive ? false : undefined;
  const products = await (await session.services()).products.list({ active });
  session.out.list(products, productColumns, format, () => products, { wide: options.wide });
}
