import type Database from 'better-sqlite3';

/**
 * Objects that must exist in every database file. `crm db check` and the tests compare
 * the file against this list, because a drizzle-kit table rebuild would drop triggers silently.
 */
export const EXPECTED_TRIGGERS = [
  'products_active_limit_insert',
  'products_active_limit_update',
  'products_touch_updated_at',
  'customers_touch_updated_at',
  'customer_interactions_immutable',
  'products_audit_insert',
  'products_audit_update',
  'products_audit_delete',
  'customers_audit_insert',
  'customers_audit_update',
  'customers_audit_delete',
  'customer_interactions_audit_insert',
  'customer_interactions_audit_update',
  'customer_interactions_audit_delete',
  'audit_log_no_update',
  'audit_log_no_delete',
  'customers_product_exists_insert',
  'customers_product_exists_update',
  'customer_interactions_customer_exists',
  'products_delete_unlinks_customers',
  'products_id_change_follows_customers',
  'customers_delete_cascades_interactions',
  'customers_id_change_follows_interactions',
  'customer_external_ids_customer_exists_insert',
  'customer_external_ids_customer_exists_update',
  'customers_delete_cascades_external_ids',
  'customers_id_change_follows_external_ids',
  'customer_external_ids_audit_insert',
  'customer_external_ids_audit_update',
  'customer_external_ids_audit_delete',
  'products_insert_existing_id',
  'products_insert_existing_name',
  'products_update_onto_existing',
  'customers_insert_existing_id',
  'customers_update_onto_existing',
  'customer_interactions_insert_existing_id',
  'audit_log_insert_existing_id',
  'customer_interactions_no_delete',
  'products_timestamps_canonical_insert',
  'products_timestamps_canonical_update',
  'customers_timestamps_canonical_insert',
  'customers_timestamps_canonical_update',
  'customer_interactions_timestamps_canonical',
  'customer_activity_on_insert',
  'customer_activity_on_delete',
  'customer_activity_on_customer_change',
  'customer_name_folds_on_insert',
  'customer_name_folds_on_update',
  'customer_name_folds_on_delete',
  'customer_counts_on_insert',
  'customer_counts_on_delete',
  'customer_counts_on_update',
  // 0011_companies_value.sql
  'companies_touch_updated_at',
  'customers_company_exists_insert',
  'customers_company_exists_update',
  'companies_delete_unlinks_customers',
  'companies_id_change_follows_customers',
  'companies_insert_existing_id',
  'companies_insert_existing_name',
  'companies_update_onto_existing',
  'companies_timestamps_canonical_insert',
  'companies_timestamps_canonical_update',
  'customers_closed_at_canonical_insert',
  'customers_closed_at_canonical_update',
  'companies_audit_insert',
  'companies_audit_update',
  'companies_audit_delete',
  'settings_touch_updated_at',
  'settings_insert_existing_key',
  'settings_audit_insert',
  'settings_audit_update',
  'settings_audit_delete',
  'customer_values_on_insert',
  'customer_values_on_delete',
  'customer_values_on_update',
  // 0012_tags_notes_search.sql
  'customer_tags_customer_exists_insert',
  'customer_tags_customer_exists_update',
  'customers_delete_cascades_tags',
  'customers_id_change_follows_tags',
  'customer_tags_insert_existing',
  'customer_tags_audit_insert',
  'customer_tags_audit_update',
  'customer_tags_audit_delete',
  'customer_search_customer_insert',
  'customer_search_customer_update',
  'customer_search_customer_delete',
  'customer_search_interaction_insert',
  'customer_search_interaction_delete',
  'customer_search_interaction_move',
  'customer_search_tag_insert',
  'customer_search_tag_delete',
  'customer_search_tag_update',
  'customer_search_tag_move',
  // drizzle/0014_search_window.sql
  'customer_search_company_rename',
  // drizzle/0015_followups_exact_count.sql
  'customer_activity_on_customer_update',
] as const;

/** Makes product names unique regardless of case (drizzle/0006_products_unique_names.sql). */
export const PRODUCT_NAME_INDEX = 'products_name_unique_idx';
/** As products' (drizzle/0011_companies_value.sql). */
export const COMPANY_NAME_INDEX = 'companies_name_unique_idx';

export const EXPECTED_INDEXES = [
  'products_is_active_idx',
  'products_name_unique_idx',
  'customers_status_idx',
  'customers_product_id_idx',
  'customers_is_archived_idx',
  'customers_email_lower_idx',
  'customer_interactions_customer_id_idx',
  'customer_interactions_created_at_idx',
  'customer_interactions_follow_up_date_idx',
  'audit_log_customer_idx',
  'audit_log_created_at_idx',
  'customer_external_ids_customer_id_idx',
  'customer_name_folds_fold_idx',
  'customers_created_idx',
  'customers_updated_idx',
  'customers_name_idx',
  'customers_status_rank_idx',
  'customers_pipeline_idx',
  'customers_owner_idx',
  'customer_counts_key_idx',
  'audit_log_change_set_idx',
  'change_sets_actor_idx',
  'change_sets_undoes_idx',
  'customers_phone_digits_idx',
  'companies_name_unique_idx',
  'customers_company_id_idx',
  'customer_values_key_idx',
  'customers_won_idx',
  'customer_tags_tag_idx',
  // drizzle/0015_followups_exact_count.sql (replaces 0009's customer_activity_follow_up_idx)
  'customer_activity_pending_idx',
] as const;

export type SchemaObjectType = 'trigger' | 'index';

/** Names of the triggers or indexes that exist in the file, whether expected or not. */
export function schemaObjectNames(sqlite: Database.Database, type: SchemaObjectType): Set<string> {
  const rows = sqlite
    .prepare(`SELECT name FROM sqlite_master WHERE type = ?`)
    .all(type) as Array<{ name: string }>;
  return new Set(rows.map((row) => row.name));
}

/** The expected triggers and indexes that are in the file, as one set (names are unique across both). */
export function presentExpectedObjects(sqlite: Database.Database): Set<string> {
  const triggers = schemaObjectNames(sqlite, 'trigger');
  const indexes = schemaObjectNames(sqlite, 'index');
  return new Set([
    ...EXPECTED_TRIGGERS.filter((name) => triggers.has(name)),
    ...EXPECTED_INDEXES.filter((name) => indexes.has(name)),
  ]);
}
