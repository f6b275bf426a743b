import type { Command } from 'commander';
import type { Session } from '../../session.js';
import { registerProductActivate } from './activate.js';
import { registerProductAdd } from './add.js';
import { registerProductDeactivate } from './deactivate.js';
import { registerProductDelete } from './delete.js';
import { registerProductEdit } from './edit.js';
import { registerProductList } from './list.js';
import { registerProductShow } from './show.js';

export function registerProductCommands(program: Command, session: Session): void {
  const product = program
    .command('product')
    .description('manage the products you offer (at most 3 active)')
    .addHelpText(
      'after',
      `
Examples:
  $ crm product add "Website audit" --description "Two-day technical review"
  $ crm product list --active
  $ crm product deactivate "website audit"`,
    );
  registerProductAdd(product, session);
  registerProductList(product, session);
  registerProductShow(product, session);
  registerProductEdit(product, session);
  registerProductActivate(product, session);
  registerProductDeactivate(product, session);
  registerProductDelete(product, session);
}
