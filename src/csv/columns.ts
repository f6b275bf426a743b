import { UsageError } from '../domain/errors.js';
import { TABLE_NAMES, type TableName } from '../domain/vocabulary.js';

/**
 * Column order of each table's CSV file: the data model's column names, in schema order.
 * The header of an exported file is exactly this list, which is what makes a restore
 * recognise its own files without any alias.
 */
export const TABLE_COLUMNS = {
  products: ['id', 'name', 'description', 'is_active', 'created_at', 'updated_at'],
  customers: [
    'id',
    'name',
    'email',
    'phone',
    'product_id',
    'status',
    'acquisition_source',
    'owner',
    'is_archived',
    'created_at',
    'updated_at',
    'company_id',
    'deal_value_minor',
    'deal_currency',
    'closed_at',
    // Last, so the columns before it keep the places older exports have them in.
    'note',
  ],
  customer_interactions: ['id', 'customer_id', 'type', 'channel', 'note', 'follow_up_date', 'created_at'],
  customer_external_ids: ['source', 'external_id', 'customer_id', 'created_at'],
  customer_tags: ['customer_id', 'tag', 'created_at'],
  companies: ['id', 'name', 'created_at', 'updated_at'],
  settings: ['key', 'value', 'updated_at'],
} as const satisfies Record<TableName, readonly string[]>;

/**
 * Headers of crm exports made before columns were added: still crm's own files, restored
 * byte for byte, and the columns they lack are left alone (NULL for new rows). Customers: the
 * 11 columns before companies and deal values, and the 15 before the note.
 */
export const EARLIER_COLUMNS: Partial<Record<TableName, ReadonlyArray<readonly string[]>>> = {
  customers: [TABLE_COLUMNS.customers.slice(0, 11), TABLE_COLUMNS.customers.slice(0, 15)],
};

/**
 * Dependency order: a customer may name a product and a company, an interaction, an external
 * id and a tag name a customer. Settings name nothing.
 */
export const RESTORE_ORDER: readonly TableName[] = [
  'products',
  'companies',
  'customers',
  'customer_interactions',
  'customer_external_ids',
  'customer_tags',
  'settings',
];

/**
 * Files an export folder may lack and still be whole: exports made before external ids,
 * companies, tags and settings were exported have only products, customers and interactions.
 */
export const OPTIONAL_IN_FOLDER: ReadonlySet<TableName> = new Set(['customer_external_ids', 'companies', 'customer_tags', 'settings']);

export function fileNameFor(table: TableName): string {
  return `${table}.csv`;
}

const TABLE_ALIASES: Record<string, TableName> = {
  product: 'products',
  products: 'products',
  customer: 'customers',
  customers: 'customers',
  interaction: 'customer_interactions',
  interactions: 'customer_interactions',
  customer_interaction: 'customer_interactions',
  customer_interactions: 'customer_interactions',
  company: 'companies',
  companies: 'companies',
  setting: 'settings',
  settings: 'settings',
  external_id: 'customer_external_ids',
  external_ids: 'customer_external_ids',
  customer_external_id: 'customer_external_ids',
  customer_external_ids: 'customer_external_ids',
  tag: 'customer_tags',
  tags: 'customer_tags',
  customer_tag: 'customer_tags',
  customer_tags: 'customer_tags',
};

/** `products`, `customers`, `customer_interactions`, `customer_external_ids`, `customer_tags`, plus the singular and short forms. */
export function parseTableName(text: string): TableName {
  const table = TABLE_ALIASES[text.trim().toLowerCase().replace(/[\s-]+/g, '_')];
  if (!table) {
    throw new UsageError(`unknown table "${text}": use one of ${TABLE_NAMES.join(', ')}`);
  }
  return table;
}
