import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  pgSchema,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import { CUSTOMER_STATUSES, INTERACTION_CHANNELS } from '../../domain/vocabulary.js';

/**
 * Team mode's schema in PostgreSQL. It mirrors src/db/schema.ts column for column, so that an
 * export from either database is the same file: the same names, ids as UUID text (not the
 * uuid type: a SQLite file may hold any text id, and import must take it), booleans, and
 * instants as timestamptz(3) (SQLite keeps milliseconds; the connection's type parser turns
 * them back into the ISO text SQLite stores, see connection.ts).
 *
 * On top of that every data row carries its team. team_id is not user data: it is filled by
 * the server from the connected role (crm_team()), and row-level security keeps each team to
 * its own rows. The rules (triggers, policies, grants, notifications) are PL/pgSQL in the
 * custom migrations of drizzle/pg/, where drizzle-kit cannot drop them on a table rebuild.
 *
 * Everything lives in one schema, `crm`, owned by the role that created it; members are other
 * roles with grants, never owners (an owner would bypass row-level security).
 */
export const crm = pgSchema('crm');

const id = () => text('id').primaryKey().default(sql`gen_random_uuid()::text`);
const instant = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'string' });
/**
 * The order rows were added in, as SQLite's rowid keeps it (drizzle/pg/0007_transfer.sql), so
 * that an export lists them in that order on either backend. Not user data: never exported.
 */
const position = () => bigint('position', { mode: 'number' }).generatedByDefaultAsIdentity();
/**
 * A member's rows belong to the member's team. Not a column default: the function is created
 * after the tables (custom migration); a BEFORE INSERT trigger fills the column for writers
 * that leave it out (psql), and drizzle inserts ask the server the same way.
 */
const currentTeam = sql`crm.crm_team()`;
const quotedList = (values: readonly string[]) =>
  sql.raw(values.map((value) => `'${value}'`).join(', '));

export const teams = crm.table('teams', {
  id: id(),
  name: text('name').notNull().unique('teams_name_unique'),
  created_at: instant('created_at').notNull().defaultNow(),
}, (table) => [check('teams_name_not_blank', sql`length(trim(${table.name})) > 0`)]);

/** One row per member role; a role belongs to at most one team on a server. */
export const teamMembers = crm.table('team_members', {
  login: text('login').primaryKey(),
  team_id: text('team_id')
    .notNull()
    .references(() => teams.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
  is_manager: boolean('is_manager').notNull().default(false),
  created_at: instant('created_at').notNull().defaultNow(),
}, (table) => [index('team_members_team_id_idx').on(table.team_id)]);

export const products = crm.table(
  'products',
  {
    id: id(),
    team_id: text('team_id')
      .notNull()
      .$defaultFn(() => currentTeam)
      .references(() => teams.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
    name: text('name').notNull(),
    description: text('description'),
    is_active: boolean('is_active').notNull().default(true),
    created_at: instant('created_at').notNull().defaultNow(),
    updated_at: instant('updated_at').notNull().defaultNow(),
    position: position(),
  },
  (table) => [
    index('products_team_id_idx').on(table.team_id),
    index('products_is_active_idx').on(table.is_active),
    check('products_name_not_blank', sql`length(trim(${table.name})) > 0`),
  ],
);

/** As SQLite's (drizzle/pg/0005_companies_value.sql); names unique per team ignoring case. */
export const companies = crm.table(
  'companies',
  {
    id: id(),
    team_id: text('team_id')
      .notNull()
      .$defaultFn(() => currentTeam)
      .references(() => teams.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
    name: text('name').notNull(),
    created_at: instant('created_at').notNull().defaultNow(),
    updated_at: instant('updated_at').notNull().defaultNow(),
    position: position(),
  },
  (table) => [
    index('companies_team_id_idx').on(table.team_id),
    check('companies_name_not_blank', sql`length(trim(${table.name})) > 0`),
  ],
);

export const customers = crm.table(
  'customers',
  {
    id: id(),
    team_id: text('team_id')
      .notNull()
      .$defaultFn(() => currentTeam)
      .references(() => teams.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
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
    is_archived: boolean('is_archived').notNull().default(false),
    created_at: instant('created_at').notNull().defaultNow(),
    updated_at: instant('updated_at').notNull().defaultNow(),
    company_id: text('company_id').references(() => companies.id, { onDelete: 'set null', onUpdate: 'cascade' }),
    deal_value_minor: bigint('deal_value_minor', { mode: 'number' }),
    deal_currency: text('deal_currency'),
    closed_at: instant('closed_at'),
    note: text('note'),
    position: position(),
  },
  (table) => [
    index('customers_team_id_idx').on(table.team_id),
    index('customers_status_idx').on(table.status),
    index('customers_product_id_idx').on(table.product_id),
    index('customers_is_archived_idx').on(table.is_archived),
    index('customers_company_id_idx').on(table.company_id),
    check('customers_name_not_blank', sql`length(trim(${table.name})) > 0`),
    check('customers_status_valid', sql`${table.status} IN (${quotedList(CUSTOMER_STATUSES)})`),
    check('customers_deal_value_valid', sql`${table.deal_value_minor} IS NULL OR ${table.deal_value_minor} BETWEEN 0 AND 9007199254740991`),
    check(
      'customers_deal_currency_valid',
      sql`(${table.deal_currency} IS NULL OR ${table.deal_currency} ~ '^[A-Z]{3}$') AND ((${table.deal_value_minor} IS NULL) = (${table.deal_currency} IS NULL))`,
    ),
  ],
);

/** `crm config`, per team: the default currency and the stage probabilities. */
export const settings = crm.table(
  'settings',
  {
    team_id: text('team_id')
      .notNull()
      .$defaultFn(() => currentTeam)
      .references(() => teams.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
    key: text('key').notNull(),
    value: text('value').notNull(),
    updated_at: instant('updated_at').notNull().defaultNow(),
    position: position(),
  },
  (table) => [
    primaryKey({ name: 'settings_pkey', columns: [table.team_id, table.key] }),
    check(
      'settings_value_valid',
      sql`(${table.key} = 'currency' AND ${table.value} ~ '^[A-Z]{3}$') OR (${table.key} IN (${quotedList(CUSTOMER_STATUSES.map((status) => `stage.${status}.probability`))}) AND ${table.value} ~ '^(0([.][0-9]+)?|1([.]0+)?)$')`,
    ),
  ],
);

export const customerInteractions = crm.table(
  'customer_interactions',
  {
    id: id(),
    team_id: text('team_id')
      .notNull()
      .$defaultFn(() => currentTeam)
      .references(() => teams.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
    customer_id: text('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
    type: text('type').notNull(),
    channel: text('channel', { enum: INTERACTION_CHANNELS }).notNull(),
    note: text('note').notNull(),
    // A day (YYYY-MM-DD, an all-day follow-up) or a canonical instant, as SQLite stores it:
    // text (collated "C"), checked by drizzle/pg/0002_core_queries.sql.
    follow_up_date: text('follow_up_date'),
    created_at: instant('created_at').notNull().defaultNow(),
    position: position(),
  },
  (table) => [
    index('customer_interactions_team_id_idx').on(table.team_id),
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
 * A customer's tags (drizzle/pg/0006_tags_notes_search.sql, which also holds the unique index
 * on the folded tag and the rules); `position` orders them as they were added.
 */
export const customerTags = crm.table(
  'customer_tags',
  {
    customer_id: text('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
    team_id: text('team_id')
      .notNull()
      .$defaultFn(() => currentTeam)
      .references(() => teams.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
    tag: text('tag').notNull(),
    created_at: instant('created_at').notNull().defaultNow(),
    position: position(),
  },
  (table) => [primaryKey({ columns: [table.customer_id, table.tag] })],
);

/**
 * The ids other tools gave customers (drizzle/pg/0007_transfer.sql, which also holds its rules),
 * unique per team: another team may import the same HubSpot account.
 */
export const customerExternalIds = crm.table(
  'customer_external_ids',
  {
    team_id: text('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
    source: text('source').notNull(),
    external_id: text('external_id').notNull(),
    customer_id: text('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
    created_at: instant('created_at').notNull().defaultNow(),
    position: position(),
  },
  (table) => [
    primaryKey({ columns: [table.team_id, table.source, table.external_id] }),
    index('customer_external_ids_customer_id_idx').on(table.customer_id),
    check('customer_external_ids_not_blank', sql`length(trim(${table.source})) > 0 AND length(trim(${table.external_id})) > 0`),
  ],
);

/**
 * Written only by triggers (members have no INSERT, UPDATE or DELETE on it), so neither the
 * entry nor its actor can be forged: the actor is session_user, the role that logged in.
 * old_values / new_values hold the row as JSON text with the keys in column order, like
 * SQLite's json_object() (PostgreSQL's json text has spaces around the colons; JSON.parse
 * and JSON.stringify give SQLite's bytes).
 */
export const auditLog = crm.table(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    team_id: text('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
    table_name: text('table_name').notNull(),
    record_id: text('record_id'),
    action: text('action').notNull(),
    old_values: text('old_values'),
    new_values: text('new_values'),
    actor: text('actor').notNull().default(sql`session_user`),
    created_at: instant('created_at').notNull().defaultNow(),
    /** The crm command's change set (drizzle/pg/0004_change_sets.sql); NULL for other writers. */
    change_set: bigint('change_set', { mode: 'number' }),
  },
  (table) => [
    index('audit_log_team_id_idx').on(table.team_id),
    index('audit_log_created_at_idx').on(table.created_at),
    index('audit_log_change_set_idx').on(table.change_set),
  ],
);

/**
 * What one crm command changed, for `crm undo`, as SQLite's change_sets: written only by the
 * functions of drizzle/pg/0004_change_sets.sql, read by the team under row-level security.
 */
export const changeSets = crm.table(
  'change_sets',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    team_id: text('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
    command: text('command').notNull(),
    actor: text('actor').notNull(),
    created_at: instant('created_at').notNull().defaultNow(),
    undoes: bigint('undoes', { mode: 'number' }),
  },
  (table) => [
    index('change_sets_actor_idx').on(table.team_id, table.actor, table.id),
    index('change_sets_team_idx').on(table.team_id, table.id),
  ],
);

export type PgCompanyRow = typeof companies.$inferSelect;
export type PgProductRow = typeof products.$inferSelect;
export type PgCustomerRow = typeof customers.$inferSelect;
export type PgInteractionRow = typeof customerInteractions.$inferSelect;
export type PgAuditLogRow = typeof auditLog.$inferSelect;
export type TeamRow = typeof teams.$inferSelect;
export type TeamMemberRow = typeof teamMembers.$inferSelect;
