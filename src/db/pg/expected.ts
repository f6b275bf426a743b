/**
 * What a team-mode database must hold beyond drizzle's tables (drizzle/pg/0001_rules.sql), for
 * `crm db check` on PostgreSQL (src/repositories/pg/maintenance.ts) and for the tests: a rule
 * that is missing would let psql past it silently.
 */
export const EXPECTED_PG_TRIGGERS = [
  'products_0_team',
  'customers_0_team',
  'customer_interactions_0_team',
  'products_active_limit',
  'products_touch_updated_at',
  'customers_touch_updated_at',
  'customers_product_same_team',
  'customer_interactions_customer_same_team',
  'customer_interactions_immutable',
  'products_audit',
  'customers_audit',
  'customer_interactions_audit',
  'audit_log_append_only',
  'products_no_truncate',
  'customers_no_truncate',
  'customer_interactions_no_truncate',
  'audit_log_no_truncate',
  'products_notify',
  'customers_notify',
  'customer_interactions_notify',
  // drizzle/pg/0005_companies_value.sql
  'companies_0_team',
  'settings_0_team',
  'companies_touch_updated_at',
  'settings_touch_updated_at',
  'customers_company_same_team',
  'companies_audit',
  'settings_audit',
  'companies_notify',
  'settings_notify',
  'companies_no_truncate',
  'settings_no_truncate',
  // drizzle/pg/0006_tags_notes_search.sql
  'customer_tags_0_team',
  'customer_tags_customer_same_team',
  'customer_tags_audit',
  'customer_tags_no_truncate',
  'customer_tags_notify',
  'customers_search_insert',
  'customers_search_update',
  'customer_interactions_search_insert',
  'customer_interactions_search_update',
  'customer_interactions_search_delete',
  'customer_tags_search_insert',
  'customer_tags_search_update',
  'customer_tags_search_delete',
  'customer_external_ids_0_team',
  'customer_external_ids_customer_same_team',
  'customer_external_ids_audit',
  'customer_external_ids_no_truncate',
  'customer_external_ids_notify',
  // drizzle/pg/0008_query_tables.sql
  'customer_interactions_activity_insert',
  'customer_interactions_activity_update',
  'customer_interactions_activity_delete',
  'customers_counts_insert',
  'customers_counts_update',
  'customers_counts_delete',
  // drizzle/pg/0009_interactions_no_delete.sql
  'customer_interactions_no_delete',
  // drizzle/pg/0010_search_window.sql
  'companies_search_update',
  // drizzle/pg/0015_followups_exact_count.sql
  'customers_activity_update',
  // drizzle/pg/0016_deferred_search_index.sql: a deferring transaction's documents built before its commit
  'customer_search_flush',
] as const;

/** Tables under row-level security, each with at least a SELECT policy. */
export const RLS_TABLES = ['teams', 'team_members', 'products', 'customers', 'customer_interactions', 'audit_log', 'change_sets', 'companies', 'settings', 'customer_tags', 'customer_search', 'customer_external_ids', 'customer_activity', 'customer_counts', 'customer_values'] as const;

export const EXPECTED_PG_POLICIES = [
  'teams_own',
  'team_members_own_team',
  'products_read',
  'products_insert',
  'products_update',
  'products_delete',
  'customers_read',
  'customers_insert',
  'customers_update',
  'customers_delete',
  'customer_interactions_read',
  'customer_interactions_insert',
  'customer_interactions_update',
  'customer_interactions_delete',
  'audit_log_read',
  // drizzle/pg/0004_change_sets.sql
  'change_sets_read',
  // drizzle/pg/0005_companies_value.sql
  'companies_read',
  'companies_insert',
  'companies_update',
  'companies_delete',
  'settings_read',
  'settings_write',
  // drizzle/pg/0006_tags_notes_search.sql
  'customer_tags_read',
  'customer_tags_insert',
  'customer_tags_update',
  'customer_tags_delete',
  'customer_search_read',
  'customer_external_ids_read',
  'customer_external_ids_insert',
  'customer_external_ids_update',
  'customer_external_ids_delete',
  // drizzle/pg/0008_query_tables.sql
  'customer_activity_read',
  'customer_counts_read',
  'customer_values_read',
] as const;

export const EXPECTED_PG_INDEXES = [
  'products_name_unique_idx',
  'products_is_active_idx',
  'products_team_id_idx',
  'customers_status_idx',
  'customers_product_id_idx',
  'customers_is_archived_idx',
  'customers_email_lower_idx',
  'customers_team_id_idx',
  'customer_interactions_customer_id_idx',
  'customer_interactions_created_at_idx',
  'customer_interactions_follow_up_date_idx',
  'customer_interactions_team_id_idx',
  'audit_log_customer_idx',
  'audit_log_created_at_idx',
  'audit_log_team_id_idx',
  // drizzle/pg/0002_core_queries.sql
  'customers_name_fold_idx',
  'products_name_fold_idx',
  'customers_id_bytes_idx',
  'products_id_bytes_idx',
  'customers_created_idx',
  'customers_updated_idx',
  'customers_name_idx',
  'customers_status_rank_idx',
  'customers_owner_idx',
  'customers_pipeline_idx',
  'customer_interactions_customer_created_idx',
  // drizzle/pg/0004_change_sets.sql
  'audit_log_change_set_idx',
  'change_sets_actor_idx',
  'change_sets_team_idx',
  'change_sets_undoes_idx',
  // drizzle/pg/0005_companies_value.sql
  'companies_team_id_idx',
  'companies_name_unique_idx',
  'companies_name_fold_idx',
  'companies_id_bytes_idx',
  'customers_company_id_idx',
  'customers_values_idx',
  'customers_won_idx',
  // drizzle/pg/0006_tags_notes_search.sql
  'customer_tags_fold_idx',
  'customer_tags_tag_idx',
  'customer_tags_tag_fold_idx',
  'customer_tags_position_idx',
  'customer_search_doc_idx',
  'customer_search_added_idx',
  'customers_position_idx',
  'customer_interactions_position_idx',
  'customer_external_ids_customer_id_idx',
  'audit_log_origin_idx',
  // drizzle/pg/0008_query_tables.sql
  'customer_counts_group_idx',
  'customer_counts_empty_idx',
  'customer_values_group_idx',
  'customer_values_empty_idx',
  // drizzle/pg/0015_followups_exact_count.sql (replaces 0013's customer_activity_due_idx)
  'customer_activity_pending_idx',
] as const;

/** The PL/pgSQL behind the triggers, policies and team administration (0001_rules.sql). */
export const EXPECTED_PG_FUNCTIONS = [
  'crm_team',
  'crm_is_manager',
  'crm_iso',
  'crm_assign_team',
  'products_active_limit',
  'crm_touch_updated_at',
  'customers_product_same_team',
  'customer_interactions_customer_same_team',
  'customer_interactions_immutable',
  'crm_audit_json',
  'crm_audit',
  'audit_log_append_only',
  'crm_refuse_truncate',
  'crm_notify_change',
  'crm_is_admin',
  'crm_create_team',
  'crm_administered_team',
  'crm_team_add',
  'crm_team_remove',
  'crm_prune_audit',
  // drizzle/pg/0009_interactions_no_delete.sql
  'customer_interactions_no_delete',
  'crm_delete_interactions',
  // drizzle/pg/0016_deferred_search_index.sql
  'crm_search_flush',
  'crm_search_note',
] as const;

/** Real foreign keys (0000_schema.sql): the server checks them on every write, unless disabled. */
export const EXPECTED_PG_FOREIGN_KEYS = [
  'products_team_id_teams_id_fk',
  'customers_team_id_teams_id_fk',
  'customers_product_id_products_id_fk',
  'customer_interactions_team_id_teams_id_fk',
  'customer_interactions_customer_id_customers_id_fk',
  'audit_log_team_id_teams_id_fk',
  'team_members_team_id_teams_id_fk',
] as const;
