import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text, type SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { CUSTOMER_STATUSES, INTERACTION_CHANNELS } from '../domain/vocabulary.js';

/**
 * Defaults live in SQL, not only in TypeScript, so that a row inserted from the
 * plain `sqlite3` shell gets a UUID and ISO-8601 UTC timestamps just like one
 * inserted by the CLI.
 */
const uuidDefault = sql`(lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))))`;
const nowDefault = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

/**
 * TypeScript keys equal the column names, so rows read through drizzle already have the
 * shape of the data model and of `--json` output, with no mapping layer to drift.
 */
const quotedList = (values: readonly string[]) =>
  sql.raw(values.map((value) => `'${value}'`).join(', '));

export const products = sqliteTable(
  'products',
  {
    id: text('id').primaryKey().default(uuidDefault),
    name: text('name').notNull(),
    description: text('description'),
    is_active: integer('is_active', { mode: 'boolean' }).notNull().default(true),
    created_at: text('created_at').notNull().default(nowDefault),
    updated_at: text('updated_at').notNull().default(nowDefault),
  },
  (table) => [
    index('products_is_active_idx').on(table.is_active),
    check('products_name_not_blank', sql`length(trim(${table.name})) > 0`),
    check('products_is_active_bool', sql`${table.is_active} IN (0, 1)`),
  ],
);

/**
 * The organisations customers work for (drizzle/0011_companies_value.sql). Names are refs,
 * unique regardless of case like products'. Deleting a company leaves its customers, with none.
 */
export const companies = sqliteTable(
  'companies',
  {
    id: text('id').primaryKey().default(uuidDefault),
    name: text('name').notNull(),
    created_at: text('created_at').notNull().default(nowDefault),
    updated_at: text('updated_at').notNull().default(nowDefault),
  },
  (table) => [check('companies_name_not_blank', sql`length(trim(${table.name})) > 0`)],
);

export const customers = sqliteTable(
  'customers',
  {
    id: text('id').primaryKey().default(uuidDefault),
    name: text('name').notNull(),
    email: text('email'),
    phone: text('phone'),
    product_id: text('product_id').references(() => products.id, {
      onDelete: 'set null',
      onUpdate: 'cascade',
    }),
    status: text('status', { enum: CUSTOMER_STATUSES }).notNull().default('lead'),
    acquisition_source: text('acquisition_source'),
    owner: text('owner'),
    is_archived: integer('is_archived', { mode: 'boolean' }).notNull().default(false),
    created_at: text('created_at').notNull().default(nowDefault),
    updated_at: text('updated_at').notNull().default(nowDefault),
    // Added by 0011, so at the end of the table (ALTER TABLE ADD COLUMN appends).
    company_id: text('company_id').references(() => companies.id, { onDelete: 'set null', onUpdate: 'cascade' }),
    /** The deal's value in the currency's minor units (cents; yen): exact, never a float. */
    deal_value_minor: integer('deal_value_minor'),
    /** ISO 4217, upper case; present exactly when deal_value_minor is. */
    deal_currency: text('deal_currency'),
    /** When crm last moved the customer to closed_won or closed_lost; NULL while open (or closed by another program). */
    closed_at: text('closed_at'),
    /** Free text about the customer, editable (interactions are the immutable record). */
    note: text('note'),
  },
  (table) => [
    index('customers_status_idx').on(table.status),
    index('customers_company_id_idx').on(table.company_id).where(sql`${table.company_id} IS NOT NULL`),
    index('customers_product_id_idx').on(table.product_id),
    index('customers_is_archived_idx').on(table.is_archived),
    // Import deduplicates by lowercased email; without this every row would scan the table.
    index('customers_email_lower_idx').on(sql`lower(${table.email})`),
    check('customers_name_not_blank', sql`length(trim(${table.name})) > 0`),
    check('customers_status_valid', sql`${table.status} IN (${quotedList(CUSTOMER_STATUSES)})`),
    check('customers_is_archived_bool', sql`${table.is_archived} IN (0, 1)`),
    check(
      'customers_deal_value_valid',
      sql`${table.deal_value_minor} IS NULL OR (typeof(${table.deal_value_minor}) = 'integer' AND ${table.deal_value_minor} >= 0)`,
    ),
    check(
      'customers_deal_currency_valid',
      sql`(${table.deal_currency} IS NULL OR (length(${table.deal_currency}) = 3 AND ${table.deal_currency} GLOB '[A-Z][A-Z][A-Z]')) AND (${table.deal_value_minor} IS NULL) = (${table.deal_currency} IS NULL)`,
    ),
  ],
);

export const customerInteractions = sqliteTable(
  'customer_interactions',
  {
    id: text('id').primaryKey().default(uuidDefault),
    customer_id: text('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
    type: text('type').notNull(),
    channel: text('channel', { enum: INTERACTION_CHANNELS }).notNull(),
    note: text('note').notNull(),
    follow_up_date: text('follow_up_date'),
    created_at: text('created_at').notNull().default(nowDefault),
  },
  (table) => [
    index('customer_interactions_customer_id_idx').on(table.customer_id),
    index('customer_interactions_created_at_idx').on(table.created_at),
    index('customer_interactions_follow_up_date_idx').on(table.follow_up_date),
    check('customer_interactions_type_not_blank', sql`length(trim(${table.type})) > 0`),
    check(
      'customer_interactions_channel_valid',
      sql`${table.channel} IN (${quotedList(INTERACTION_CHANNELS)})`,
    ),
  ],
);

/**
 * The identity another tool gives a customer (HubSpot's Record ID, a LinkedIn profile URL,
 * Pipedrive's Person - ID), so re-importing that tool's export finds the customer again even
 * without an e-mail. One id per source names one customer.
 */
export const customerExternalIds = sqliteTable(
  'customer_external_ids',
  {
    source: text('source').notNull(),
    external_id: text('external_id').notNull(),
    customer_id: text('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
    created_at: text('created_at').notNull().default(nowDefault),
  },
  (table) => [
    primaryKey({ columns: [table.source, table.external_id] }),
    index('customer_external_ids_customer_id_idx').on(table.customer_id),
    check('customer_external_ids_not_blank', sql`length(trim(${table.source})) > 0 AND length(trim(${table.external_id})) > 0`),
  ],
);

/**
 * Settings that travel with the data (`crm config`): the default currency of deal values and
 * the probability of each pipeline stage for the weighted forecast. Only known keys, with
 * values in their canonical form (src/domain/settings.ts); a missing key means its default.
 */
export const settings = sqliteTable(
  'settings',
  {
    key: text('key').primaryKey(),
    value: text('value').notNull(),
    updated_at: text('updated_at').notNull().default(nowDefault),
  },
  (table) => [
    check(
      'settings_value_valid',
      sql`(${table.key} = 'currency' AND length(${table.value}) = 3 AND ${table.value} GLOB '[A-Z][A-Z][A-Z]') OR (${table.key} IN (${quotedList(CUSTOMER_STATUSES.map((status) => `stage.${status}.probability`))}) AND ${table.value} GLOB '[01]*' AND ${table.value} NOT GLOB '*[^0-9.]*' AND ${table.value} NOT GLOB '*.*.*' AND CAST(${table.value} AS REAL) BETWEEN 0 AND 1)`,
    ),
  ],
);

/**
 * Labels a user puts on customers (`referral`, `vip`), free text under the rules below,
 * unique per customer ignoring case (ASCII case here; crm folds every script before writing).
 * A rowid table, so an export lists tags in the order they were added.
 */
export const customerTags = sqliteTable(
  'customer_tags',
  {
    customer_id: text('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
    tag: text('tag').notNull(),
    created_at: text('created_at').notNull().default(nowDefault),
  },
  (table) => [
    primaryKey({ columns: [table.customer_id, table.tag] }),
    index('customer_tags_tag_idx').on(table.tag, table.customer_id),
    // Tags are shown joined by commas and one per line: neither may be part of one.
    check(
      'customer_tags_tag_valid',
      sql`length(${table.tag}) BETWEEN 1 AND 64 AND ${table.tag} = trim(${table.tag}) AND ${table.tag} NOT GLOB '*[,' || char(1) || '-' || char(31) || char(127) || ']*'`,
    ),
    check('customer_tags_created_at_canonical', sql`${table.created_at} IS strftime('%Y-%m-%dT%H:%M:%fZ', ${table.created_at}, '+0 seconds')`),
  ],
);

/**
 * Every insert, update and delete on the three data tables, written by triggers
 * (drizzle/0003_audit_triggers.sql) so that writes from any program are recorded.
 * The id is AUTOINCREMENT so ids are never reused after a prune: `crm watch` follows the
 * log by its highest id. `old_values` / `new_values` hold the row as a JSON object.
 */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    table_name: text('table_name').notNull(),
    /** Null for summary entries that stand for many rows (bulk writes, prunes). */
    record_id: text('record_id'),
    action: text('action').notNull(),
    old_values: text('old_values'),
    new_values: text('new_values'),
    /** CRM_OWNER or the OS user for writes made by crm; empty for writes made outside it. */
    actor: text('actor').notNull().default(''),
    created_at: text('created_at').notNull().default(nowDefault),
    /**
     * The change set (change_sets.id) of the crm command that wrote the entry; NULL for writes
     * made outside crm. Stamped by crm before each commit (drizzle/0013_change_sets.sql).
     */
    change_set: integer('change_set'),
  },
  (table) => [
    index('audit_log_change_set_idx').on(table.change_set),
    // audit_log_customer_idx (on auditCustomerKey) is created in 0003_audit_triggers.sql:
    // drizzle-kit splits an index expression at its commas and quotes the pieces.
    // Prunes select by age; ids and timestamps grow together, but a prune must not rely on that.
    index('audit_log_created_at_idx').on(table.created_at),
  ],
);

/**
 * The customer an audit entry belongs to: its own id for a customer and for a tag (whose
 * record_id is its customer's id), the `customer_id` in the row for an interaction. Indexed, so `crm history` finds a customer's story (deleted
 * interactions included) without scanning the log; queries must use this same expression.
 */
export function auditCustomerKey(columns: {
  table_name: SQLiteColumn;
  record_id: SQLiteColumn;
  old_values: SQLiteColumn;
  new_values: SQLiteColumn;
}) {
  return sql`(CASE ${columns.table_name} WHEN 'customers' THEN ${columns.record_id} WHEN 'customer_tags' THEN ${columns.record_id} WHEN 'customer_interactions' THEN json_extract(coalesce(${columns.new_values}, ${columns.old_values}), '$.customer_id') END)`;
}

/**
 * At most one row, and only inside a write transaction of crm (see `CrmDatabase.write`):
 * it tells the audit triggers who is writing, when (the app's clock), whether per-row
 * entries are replaced by one summary entry (bulk writes), and up to which instant the
 * audit log may be pruned. SQLite serialises writers and the row is removed before commit,
 * so a write from another program never sees it and is recorded with an empty actor.
 */
export const auditContext = sqliteTable(
  'audit_context',
  {
    id: integer('id').primaryKey(),
    actor: text('actor').notNull(),
    at: text('at'),
    mode: text('mode', { enum: ['row', 'summary'] }).notNull().default('row'),
    prune_before: text('prune_before'),
    /**
     * Lets this transaction delete interactions of customers that stay (crm archive --to
     * moving them to the archive file); every other writer may delete an interaction only
     * with its customer (drizzle/0007_raw_sql_rules.sql).
     */
    may_delete_interactions: integer('may_delete_interactions', { mode: 'boolean' }).notNull().default(false),
    /**
     * Set by a bulk writer (import, archive moves) for its own transaction: the search index
     * triggers then only note which customers changed, and crm rebuilds their documents once
     * before commit (drizzle/0012_tags_notes_search.sql, src/db/search-index.ts).
     */
    search_deferred: integer('search_deferred', { mode: 'boolean' }).notNull().default(false),
    /** The change set this transaction's audit entries are stamped with. */
    change_set: integer('change_set'),
    /** The log's last id when the transaction began: only later entries may be stamped. */
    entries_after: integer('entries_after'),
    /**
     * Lets this transaction give interactions to another customer (a merge of duplicates, or
     * its undo); see customer_interactions_immutable in drizzle/0013_change_sets.sql.
     */
    may_move_interactions: integer('may_move_interactions', { mode: 'boolean' }).notNull().default(false),
  },
  (table) => [
    check('audit_context_single_row', sql`${table.id} = 1`),
    check('audit_context_mode_valid', sql`${table.mode} IN ('row', 'summary')`),
  ],
);

/**
 * What one crm command changed, for `crm undo`: its command line, who ran it and when. The
 * audit entries it wrote carry its id (audit_log.change_set). `undoes` names the change set
 * an undo took back. Ids are never reused (AUTOINCREMENT).
 */
export const changeSets = sqliteTable(
  'change_sets',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    command: text('command').notNull(),
    actor: text('actor').notNull(),
    created_at: text('created_at').notNull(),
    undoes: integer('undoes'),
  },
  (table) => [index('change_sets_actor_idx').on(table.actor, table.id)],
);

export type CompanyRow = typeof companies.$inferSelect;
export type ProductRow = typeof products.$inferSelect;
export type NewProductRow = typeof products.$inferInsert;
export type CustomerRow = typeof customers.$inferSelect;
export type NewCustomerRow = typeof customers.$inferInsert;
export type InteractionRow = typeof customerInteractions.$inferSelect;
export type NewInteractionRow = typeof customerInteractions.$inferInsert;
export type AuditLogRow = typeof auditLog.$inferSelect;
export type CustomerTagRow = typeof customerTags.$inferSelect;
