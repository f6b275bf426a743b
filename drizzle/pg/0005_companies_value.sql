-- Companies, deal values and the settings that weigh them (issue 11), as SQLite's 0011: the
-- same columns and checks, with team mode's rules (team_id filled by trigger, row-level
-- security by team, audit entries naming the connected role, notifications with ids only).
-- The tables and columns are drizzle-kit's (meta/0005_snapshot.json); the rules follow 0001.
CREATE TABLE "crm"."companies" (
	"id" text PRIMARY KEY DEFAULT gen_random_uuid()::text NOT NULL,
	"team_id" text NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "companies_name_not_blank" CHECK (length(trim("crm"."companies"."name")) > 0)
);
--> statement-breakpoint
CREATE TABLE "crm"."settings" (
	"team_id" text NOT NULL,
	"key" text NOT NULL,
	"value" text NOT NULL,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "settings_pkey" PRIMARY KEY("team_id","key"),
	CONSTRAINT "settings_value_valid" CHECK (("crm"."settings"."key" = 'currency' AND "crm"."settings"."value" ~ '^[A-Z]{3}$') OR ("crm"."settings"."key" IN ('stage.lead.probability', 'stage.qualified.probability', 'stage.proposal.probability', 'stage.negotiation.probability', 'stage.closed_won.probability', 'stage.closed_lost.probability') AND "crm"."settings"."value" ~ '^(0([.][0-9]+)?|1([.]0+)?)$'))
);
--> statement-breakpoint
ALTER TABLE "crm"."customers" ADD COLUMN "company_id" text;
--> statement-breakpoint
ALTER TABLE "crm"."customers" ADD COLUMN "deal_value_minor" bigint;
--> statement-breakpoint
ALTER TABLE "crm"."customers" ADD COLUMN "deal_currency" text;
--> statement-breakpoint
ALTER TABLE "crm"."customers" ADD COLUMN "closed_at" timestamp(3) with time zone;
--> statement-breakpoint
ALTER TABLE "crm"."companies" ADD CONSTRAINT "companies_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "crm"."teams"("id") ON DELETE cascade ON UPDATE cascade;
--> statement-breakpoint
ALTER TABLE "crm"."settings" ADD CONSTRAINT "settings_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "crm"."teams"("id") ON DELETE cascade ON UPDATE cascade;
--> statement-breakpoint
CREATE INDEX "companies_team_id_idx" ON "crm"."companies" USING btree ("team_id");
--> statement-breakpoint
ALTER TABLE "crm"."customers" ADD CONSTRAINT "customers_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "crm"."companies"("id") ON DELETE set null ON UPDATE cascade;
--> statement-breakpoint
CREATE INDEX "customers_company_id_idx" ON "crm"."customers" USING btree ("company_id");
--> statement-breakpoint
-- Minor units stay exact in JavaScript (Number.MAX_SAFE_INTEGER), as on SQLite.
ALTER TABLE "crm"."customers" ADD CONSTRAINT "customers_deal_value_valid" CHECK ("crm"."customers"."deal_value_minor" IS NULL OR "crm"."customers"."deal_value_minor" BETWEEN 0 AND 9007199254740991);
--> statement-breakpoint
ALTER TABLE "crm"."customers" ADD CONSTRAINT "customers_deal_currency_valid" CHECK (("crm"."customers"."deal_currency" IS NULL OR "crm"."customers"."deal_currency" ~ '^[A-Z]{3}$') AND (("crm"."customers"."deal_value_minor" IS NULL) = ("crm"."customers"."deal_currency" IS NULL)));
--> statement-breakpoint

-- Company names are refs: unique per team ignoring case (as products, 0001), found folded
-- through crm_companies_named (as crm_products_named, 0002: a seek under row-level security).
CREATE UNIQUE INDEX companies_name_unique_idx ON crm.companies (team_id, lower(name));
--> statement-breakpoint
CREATE INDEX companies_name_fold_idx ON crm.companies (team_id, crm.crm_fold(name));
--> statement-breakpoint
CREATE INDEX companies_id_bytes_idx ON crm.companies ((id COLLATE "C"));
--> statement-breakpoint
CREATE FUNCTION crm.crm_companies_named(name text) RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp ROWS 2
AS $$ SELECT co.id FROM crm.companies co WHERE co.team_id = crm.crm_team() AND crm.crm_fold(co.name) = crm.crm_fold($1) $$;
--> statement-breakpoint
-- `crm pipeline`: the team's deal values per stage and currency, an index-only scan of the
-- customers that have one; and the deals won since a date, a range of the won ones.
CREATE INDEX customers_values_idx ON crm.customers (team_id, is_archived, status, deal_currency, product_id, owner)
  INCLUDE (deal_value_minor) WHERE deal_value_minor IS NOT NULL;
--> statement-breakpoint
CREATE INDEX customers_won_idx ON crm.customers (team_id, (coalesce(closed_at, updated_at)))
  INCLUDE (deal_currency, deal_value_minor, product_id, owner) WHERE status = 'closed_won' AND NOT is_archived;
--> statement-breakpoint

CREATE TRIGGER companies_0_team BEFORE INSERT OR UPDATE ON crm.companies
  FOR EACH ROW EXECUTE FUNCTION crm.crm_assign_team();
--> statement-breakpoint
CREATE TRIGGER settings_0_team BEFORE INSERT OR UPDATE ON crm.settings
  FOR EACH ROW EXECUTE FUNCTION crm.crm_assign_team();
--> statement-breakpoint
CREATE TRIGGER companies_touch_updated_at BEFORE UPDATE ON crm.companies
  FOR EACH ROW EXECUTE FUNCTION crm.crm_touch_updated_at();
--> statement-breakpoint
CREATE TRIGGER settings_touch_updated_at BEFORE UPDATE ON crm.settings
  FOR EACH ROW EXECUTE FUNCTION crm.crm_touch_updated_at();
--> statement-breakpoint
-- As customers_product_same_team (0001): the foreign key alone would let a member name
-- another team's company by its id.
CREATE FUNCTION crm.customers_company_same_team() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NEW.company_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM crm.companies WHERE id = NEW.company_id AND team_id = NEW.team_id
  ) THEN
    RAISE EXCEPTION 'customers.company_id names no company of this team'
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER customers_company_same_team BEFORE INSERT OR UPDATE OF company_id ON crm.customers
  FOR EACH ROW EXECUTE FUNCTION crm.customers_company_same_team();
--> statement-breakpoint

-- The audit entries, with the keys and value forms of SQLite's (0011): the customers' new
-- columns after the old ones, companies as products without the flag. As in 0002 otherwise.
CREATE OR REPLACE FUNCTION crm.crm_audit_json(tbl text, r record) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p crm.products;
  co crm.companies;
  c crm.customers;
  i crm.customer_interactions;
BEGIN
  IF r IS NULL THEN
    RETURN NULL;
  END IF;
  CASE tbl
    WHEN 'products' THEN
      p := r;
      RETURN json_build_object(
        'id', p.id, 'name', p.name, 'description', p.description, 'is_active', p.is_active,
        'created_at', crm.crm_iso(p.created_at), 'updated_at', crm.crm_iso(p.updated_at))::text;
    WHEN 'companies' THEN
      co := r;
      RETURN json_build_object(
        'id', co.id, 'name', co.name,
        'created_at', crm.crm_iso(co.created_at), 'updated_at', crm.crm_iso(co.updated_at))::text;
    WHEN 'customers' THEN
      c := r;
      RETURN json_build_object(
        'id', c.id, 'name', c.name, 'email', c.email, 'phone', c.phone, 'product_id', c.product_id,
        'status', c.status, 'acquisition_source', c.acquisition_source, 'owner', c.owner,
        'is_archived', c.is_archived,
        'created_at', crm.crm_iso(c.created_at), 'updated_at', crm.crm_iso(c.updated_at),
        'company_id', c.company_id, 'deal_value_minor', c.deal_value_minor, 'deal_currency', c.deal_currency,
        'closed_at', crm.crm_iso(c.closed_at))::text;
    ELSE
      i := r;
      RETURN json_build_object(
        'id', i.id, 'customer_id', i.customer_id, 'type', i.type, 'channel', i.channel,
        'note', i.note, 'follow_up_date', i.follow_up_date,
        'created_at', crm.crm_iso(i.created_at))::text;
  END CASE;
END
$$;
--> statement-breakpoint
CREATE TRIGGER companies_audit AFTER INSERT OR UPDATE OR DELETE ON crm.companies
  FOR EACH ROW EXECUTE FUNCTION crm.crm_audit();
--> statement-breakpoint
-- Settings have no id: the key is the entry's record_id, as on SQLite.
CREATE FUNCTION crm.settings_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  team text := CASE WHEN TG_OP = 'DELETE' THEN OLD.team_id ELSE NEW.team_id END;
  old_json text;
  new_json text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM crm.teams WHERE id = team) THEN
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    old_json := json_build_object('key', OLD.key, 'value', OLD.value, 'updated_at', crm.crm_iso(OLD.updated_at))::text;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    new_json := json_build_object('key', NEW.key, 'value', NEW.value, 'updated_at', crm.crm_iso(NEW.updated_at))::text;
  END IF;
  INSERT INTO crm.audit_log (team_id, table_name, record_id, action, old_values, new_values, actor, created_at)
  VALUES (team, TG_TABLE_NAME, CASE WHEN TG_OP = 'DELETE' THEN OLD.key ELSE NEW.key END,
    lower(TG_OP), old_json, new_json, session_user, now());
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER settings_audit AFTER INSERT OR UPDATE OR DELETE ON crm.settings
  FOR EACH ROW EXECUTE FUNCTION crm.settings_audit();
--> statement-breakpoint
CREATE TRIGGER companies_notify AFTER INSERT OR UPDATE OR DELETE ON crm.companies
  FOR EACH ROW EXECUTE FUNCTION crm.crm_notify_change();
--> statement-breakpoint
CREATE FUNCTION crm.settings_notify() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pg_notify('crm_changes', json_build_object(
    'table', TG_TABLE_NAME,
    'op', lower(TG_OP),
    'id', CASE WHEN TG_OP = 'DELETE' THEN OLD.key ELSE NEW.key END
  )::text);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER settings_notify AFTER INSERT OR UPDATE OR DELETE ON crm.settings
  FOR EACH ROW EXECUTE FUNCTION crm.settings_notify();
--> statement-breakpoint
CREATE TRIGGER companies_no_truncate BEFORE TRUNCATE ON crm.companies
  FOR EACH STATEMENT EXECUTE FUNCTION crm.crm_refuse_truncate();
--> statement-breakpoint
CREATE TRIGGER settings_no_truncate BEFORE TRUNCATE ON crm.settings
  FOR EACH STATEMENT EXECUTE FUNCTION crm.crm_refuse_truncate();
--> statement-breakpoint

-- Row-level security. Every member reads the team's companies and adds or renames them (a
-- member files their own customers under companies); deleting one leaves its customers
-- without a company whoever owns them, so it is for managers, like products. Settings weigh
-- the whole team's forecast: every member reads them, managers change them.
ALTER TABLE crm.companies ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE crm.settings ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY companies_read ON crm.companies FOR SELECT USING (team_id = crm.crm_team());
--> statement-breakpoint
CREATE POLICY companies_insert ON crm.companies FOR INSERT WITH CHECK (team_id = crm.crm_team());
--> statement-breakpoint
CREATE POLICY companies_update ON crm.companies FOR UPDATE
  USING (team_id = crm.crm_team()) WITH CHECK (team_id = crm.crm_team());
--> statement-breakpoint
CREATE POLICY companies_delete ON crm.companies FOR DELETE
  USING (team_id = crm.crm_team() AND crm.crm_is_manager());
--> statement-breakpoint
CREATE POLICY settings_read ON crm.settings FOR SELECT USING (team_id = crm.crm_team());
--> statement-breakpoint
CREATE POLICY settings_write ON crm.settings FOR ALL
  USING (team_id = crm.crm_team() AND crm.crm_is_manager())
  WITH CHECK (team_id = crm.crm_team() AND crm.crm_is_manager());
--> statement-breakpoint
-- Granted to PUBLIC rather than per member in crm_team_add(): only members have USAGE on
-- schema crm (crm_team_remove() takes it back), so nobody else can reach the tables, and the
-- policies above keep each member to their team's rows.
GRANT SELECT, INSERT, UPDATE, DELETE ON crm.companies, crm.settings TO PUBLIC;
