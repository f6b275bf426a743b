import fs from 'node:fs';
import path from 'node:path';

export interface RestoreFolderOptions {
  /** Prefixed to every id, so that folders written for different tests never share a row. */
  idPrefix?: string;
  /** 1 or 2: a call with a comma in its note, then (for 2) a plain email. */
  interactionsPerCustomer?: 1 | 2;
}

/**
 * An `import --dir` folder of one product, `customers` customers and their interactions, with
 * fixed ids and times so that a re-run of the same import changes nothing. Large enough to
 * take a moment to import, which the kill -9 tests need.
 */
export function writeRestoreFolder(folder: string, customers: number, options: RestoreFolderOptions = {}): void {
  const { idPrefix = '', interactionsPerCustomer = 1 } = options;
  fs.mkdirSync(folder, { recursive: true });
  const id = (kind: string, index: number) => `${idPrefix}${kind}-${String(index).padStart(8, '0')}`;
  const stamp = '2026-01-01T00:00:00.000Z';
  fs.writeFileSync(path.join(folder, 'products.csv'), `id,name,description,is_active,created_at,updated_at\n${id('p', 1)},Imported,,1,${stamp},${stamp}\n`);
  const customerLines = ['id,name,email,phone,product_id,status,acquisition_source,owner,is_archived,created_at,updated_at'];
  const interactionLines = ['id,customer_id,type,channel,note,follow_up_date,created_at'];
  for (let index = 0; index < customers; index++) {
    customerLines.push(`${id('c', index)},Customer ${index},c${index}@example.com,,${id('p', 1)},lead,,,0,${stamp},${stamp}`);
    interactionLines.push(`${id('i', index)},${id('c', index)},Call,phone,"Note, ${index}",,${stamp}`);
    if (interactionsPerCustomer === 2) interactionLines.push(`${id('j', index)},${id('c', index)},Mail,email,Sent,,${stamp}`);
  }
  fs.writeFileSync(path.join(folder, 'customers.csv'), `${customerLines.join('\n')}\n`);
  fs.writeFileSync(path.join(folder, 'customer_interactions.csv'), `${interactionLines.join('\n')}\n`);
}
