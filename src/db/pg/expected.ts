/**
 * What a team-mode database must hold beyond drizzle's tables (drizzle/pg/0001_rules.sql), for
 * a future `crm db check` on PostgreSQL and for the tests: a rule that is missing would let
 * psql past it silently.
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
] as const;

/** Tables under row-level security, each with at least a SELECT policy. */
export const RLS_TABLES = ['teams', 'team_members', 'products', 'customers', 'customer_interactions', 'audit_log'] as const;

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
] as const;
