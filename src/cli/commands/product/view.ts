import type { Product } from '../../../domain/types.js';
import { shortId } from '../../../domain/ids.js';
import { type Column } from '../../output.js';
import type { Session } from '../../session.js';

export const productColumns: ReadonlyArray<Column<Product>> = [
  { header: 'id', value: (p) => p.id, display: (p) => shortId(p.id) },
  { header: 'name', value: (p) => p.name },
  {
    header: 'is_active',
    label: 'active',
    value: (p) => p.is_active,
    display: (p, paint) => (p.is_active ? paint.green('yes') : paint.dim('no')),
  },
  { header: 'description', value: (p) => p.description },
  { header: 'updated_at', value: (p) => p.updated_at },
];

/** A single product: the JSON object with `--json`, aligned fields otherwise. */
export function renderProduct(session: Session, product: Product, json: boolean | undefined): void {
  if (json) {
    session.out.json(product);
    return;
  }
  session.out.record([
    ['id', product.id],
    ['name', product.name],
    ['active', product.is_active ? 'yes' : 'no'],
    ['description', product.description],
    ['created_at', product.created_at],
    ['updated_at', product.updated_at],
  ]);
}
