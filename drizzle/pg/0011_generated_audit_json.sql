-- crm_audit_json generated from the drizzle schemas (src/db/pg/audit-json.ts), as SQLite's audit
-- triggers are: until now each migration that added an audited table or column re-typed the
-- whole function by hand (0001, 0002, 0005, 0006, 0007). Settings, whose entries 0005 built
-- with a column list of their own, now take their image from it too. The function below is
-- what `npm run db:audit-triggers -- drizzle/pg/<file>.sql` writes; test/pg/audit-json.test.ts
-- checks that a migrated server holds exactly it.
CREATE OR REPLACE FUNCTION crm.crm_audit_json(tbl text, r record) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  products_row crm.products;
  companies_row crm.companies;
  customers_row crm.customers;
  customer_interactions_row crm.customer_interactions;
  customer_external_ids_row crm.customer_external_ids;
  customer_tags_row crm.customer_tags;
  settings_row crm.settings;
BEGIN
  IF r IS NULL THEN
    RETURN NULL;
  END IF;
  -- No ELSE: a table that is not audited raises case_not_found rather than a wrong image.
  CASE tbl
    WHEN 'products' THEN
      products_row := r;
      RETURN json_build_object(
        'id', products_row.id,
        'name', products_row.name,
        'description', products_row.description,
        'is_active', products_row.is_active,
        'created_at', crm.crm_iso(products_row.created_at),
        'updated_at', crm.crm_iso(products_row.updated_at))::text;
    WHEN 'companies' THEN
      companies_row := r;
      RETURN json_build_object(
        'id', companies_row.id,
        'name', companies_row.name,
        'created_at', crm.crm_iso(companies_row.created_at),
        'updated_at', crm.crm_iso(companies_row.updated_at))::text;
    WHEN 'customers' THEN
      customers_row := r;
      RETURN json_build_object(
        'id', customers_row.id,
        'name', customers_row.name,
        'email', customers_row.email,
        'phone', customers_row.phone,
        'product_id', customers_row.product_id,
        'status', customers_row.status,
        'acquisition_source', customers_row.acquisition_source,
        'owner', customers_row.owner,
        'is_archived', customers_row.is_archived,
        'created_at', crm.crm_iso(customers_row.created_at),
        'updated_at', crm.crm_iso(customers_row.updated_at),
        'company_id', customers_row.company_id,
        'deal_value_minor', customers_row.deal_value_minor,
        'deal_currency', customers_row.deal_currency,
        'closed_at', crm.crm_iso(customers_row.closed_at),
        'note', customers_row.note)::text;
    WHEN 'customer_interactions' THEN
      customer_interactions_row := r;
      RETURN json_build_object(
        'id', customer_interactions_row.id,
        'customer_id', customer_interactions_row.customer_id,
        'type', customer_interactions_row.type,
        'channel', customer_interactions_row.channel,
        'note', customer_interactions_row.note,
        'follow_up_date', customer_interactions_row.follow_up_date,
        'created_at', crm.crm_iso(customer_interactions_row.created_at))::text;
    WHEN 'customer_external_ids' THEN
      customer_external_ids_row := r;
      RETURN json_build_object(
        'source', customer_external_ids_row.source,
        'external_id', customer_external_ids_row.external_id,
        'customer_id', customer_external_ids_row.customer_id,
        'created_at', crm.crm_iso(customer_external_ids_row.created_at))::text;
    WHEN 'customer_tags' THEN
      customer_tags_row := r;
      RETURN json_build_object(
        'customer_id', customer_tags_row.customer_id,
        'tag', customer_tags_row.tag,
        'created_at', crm.crm_iso(customer_tags_row.created_at))::text;
    WHEN 'settings' THEN
      settings_row := r;
      RETURN json_build_object(
        'key', settings_row.key,
        'value', settings_row.value,
        'updated_at', crm.crm_iso(settings_row.updated_at))::text;
  END CASE;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION crm.settings_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  team text := CASE WHEN TG_OP = 'DELETE' THEN OLD.team_id ELSE NEW.team_id END;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM crm.teams WHERE id = team) THEN
    RETURN NULL;
  END IF;
  INSERT INTO crm.audit_log (team_id, table_name, record_id, action, old_values, new_values, actor, created_at)
  VALUES (team, TG_TABLE_NAME, CASE WHEN TG_OP = 'DELETE' THEN OLD.key ELSE NEW.key END, lower(TG_OP),
    CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE crm.crm_audit_json(TG_TABLE_NAME, OLD) END,
    CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE crm.crm_audit_json(TG_TABLE_NAME, NEW) END,
    session_user, now());
  RETURN NULL;
END
$$;
