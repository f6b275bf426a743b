-- What crm's daily reads of products, customers and interactions need on the server
-- (src/repositories/pg/queries.ts), and all-day follow-ups.
--
-- Row-level security adds `team_id = crm.crm_team()` to every query a member runs, and only
-- LEAKPROOF functions may be evaluated ahead of it: a member's condition on lower(email) or on
-- a folded name is a filter over every row of the team, never an index search (lower(),
-- normalize() and any function crm can create are not leakproof; only a superuser can mark
-- one so). Comparisons of plain columns (=, <, >= on text, booleans, instants) are leakproof,
-- so the lists and id prefixes below seek their indexes directly; the few lookups that need an
-- expression go through SECURITY DEFINER functions that apply the team filter themselves.

-- How refs compare names and search compares text, as foldCase() in src/db/connection.ts:
-- NFKC, upper then lower (ß and SS, final sigma), NFKC. ICU's root locale maps case as
-- JavaScript does; a server built without ICU folds with its default collation instead
-- (libc: letter by letter; C: ASCII only). IMMUTABLE so that indexes can hold it. No SET
-- search_path (every name in it is qualified instead): that would keep the planner from
-- inlining it, and search folds every customer's name, email and phone.
DO $$
BEGIN
  EXECUTE format($f$
    CREATE FUNCTION crm.crm_fold(value text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS 'SELECT pg_catalog.normalize(pg_catalog.lower(pg_catalog.upper(pg_catalog.normalize($1, ''NFKC'') COLLATE pg_catalog.%I)), ''NFKC'')'
  $f$, CASE WHEN EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu') THEN 'und-x-icu' ELSE 'default' END);
END
$$;
--> statement-breakpoint
-- Refs by name: a seek per lookup. The index is read by the functions below only.
CREATE INDEX customers_name_fold_idx ON crm.customers (team_id, crm.crm_fold(name));
--> statement-breakpoint
CREATE INDEX products_name_fold_idx ON crm.products (team_id, crm.crm_fold(name));
--> statement-breakpoint
-- The ids of the caller's team's customers (products) whose folded name equals that of $1
-- (not a parameter's name: in SQL functions a column of the same name wins). SECURITY DEFINER
-- runs it as the owner, for whom row-level security does not apply, so the fold index is
-- used; the team filter is the one the policies apply, written out.
CREATE FUNCTION crm.crm_customers_named(name text) RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp ROWS 2
AS $$ SELECT c.id FROM crm.customers c WHERE c.team_id = crm.crm_team() AND crm.crm_fold(c.name) = crm.crm_fold($1) $$;
--> statement-breakpoint
CREATE FUNCTION crm.crm_products_named(name text) RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp ROWS 2
AS $$ SELECT p.id FROM crm.products p WHERE p.team_id = crm.crm_team() AND crm.crm_fold(p.name) = crm.crm_fold($1) $$;
--> statement-breakpoint
-- The caller's team's customers with this e-mail ignoring ASCII case (SQLite's lower()), as
-- import and `customer add` deduplicate: customers_email_lower_idx finds the candidates (the
-- default collation's lower() folds at least ASCII), lower() in "C" keeps the ASCII-only ones.
CREATE FUNCTION crm.crm_customers_with_email(email text) RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp ROWS 2
AS $$
  SELECT c.id FROM crm.customers c
  WHERE c.team_id = crm.crm_team() AND lower(c.email) = lower($1)
    AND lower(c.email COLLATE "C") = lower($1 COLLATE "C")
$$;
--> statement-breakpoint
-- Ids compare as SQLite compares them (bytes), whatever the database's collation: prefix
-- lookups are a range on these, lists break ties on them.
CREATE INDEX customers_id_bytes_idx ON crm.customers ((id COLLATE "C"));
--> statement-breakpoint
CREATE INDEX products_id_bytes_idx ON crm.products ((id COLLATE "C"));
--> statement-breakpoint
-- The lists, as SQLite's 0009: each sort walks an index of the team's rows in order and stops
-- at the page; the archived flag first because every list filters on it.
CREATE INDEX customers_created_idx ON crm.customers (team_id, is_archived, created_at, (id COLLATE "C"));
--> statement-breakpoint
CREATE INDEX customers_updated_idx ON crm.customers (team_id, is_archived, updated_at, (id COLLATE "C"));
--> statement-breakpoint
-- SQLite's NOCASE: ASCII letters folded (lower() in "C" folds only those), then bytes.
CREATE INDEX customers_name_idx ON crm.customers (team_id, is_archived, lower(name COLLATE "C"), (id COLLATE "C"));
--> statement-breakpoint
-- The pipeline order of statuses: the same expression as STATUS_RANK in src/repositories/sqlite/queries.ts.
CREATE INDEX customers_status_rank_idx ON crm.customers (team_id, is_archived,
  (CASE status WHEN 'lead' THEN 0 WHEN 'qualified' THEN 1 WHEN 'proposal' THEN 2 WHEN 'negotiation' THEN 3 WHEN 'closed_won' THEN 4 WHEN 'closed_lost' THEN 5 END),
  created_at DESC, (id COLLATE "C") DESC);
--> statement-breakpoint
-- The team's distinct owners, one seek each, for `--owner` (folded by crm, as on SQLite).
CREATE INDEX customers_owner_idx ON crm.customers (team_id, owner);
--> statement-breakpoint
-- A list's total (and the pipeline) counts this index alone, not the table: every filter a
-- count takes is one of its columns.
CREATE INDEX customers_pipeline_idx ON crm.customers (team_id, is_archived, status, product_id, owner);
--> statement-breakpoint
-- A customer's interactions, newest first.
CREATE INDEX customer_interactions_customer_created_idx ON crm.customer_interactions (customer_id, created_at, (id COLLATE "C"));
--> statement-breakpoint

-- An all-day follow-up is a day (YYYY-MM-DD), due at the start of that day wherever the user
-- is; the others are instants. SQLite keeps both as text, and a timestamptz column cannot tell
-- "2026-12-01" from its UTC midnight: the column becomes text in the same two canonical forms
-- (the check refuses any other), compared as bytes like SQLite's text.
CREATE FUNCTION crm.crm_is_follow_up(value text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF value ~ '^\d{4}-\d\d-\d\d$' THEN
    RETURN to_char(value::date, 'YYYY-MM-DD') = value;
  END IF;
  IF value ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$' THEN
    RETURN to_char(value::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') = value;
  END IF;
  RETURN false;
EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
  RETURN false;
END
$$;
--> statement-breakpoint
ALTER TABLE crm.customer_interactions
  ALTER COLUMN follow_up_date TYPE text COLLATE "C" USING crm.crm_iso(follow_up_date);
--> statement-breakpoint
ALTER TABLE crm.customer_interactions ADD CONSTRAINT customer_interactions_follow_up_date_canonical
  CHECK (crm.crm_is_follow_up(follow_up_date));
--> statement-breakpoint
-- As in 0001, with the follow-up written as stored.
CREATE OR REPLACE FUNCTION crm.crm_audit_json(tbl text, r record) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p crm.products;
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
    WHEN 'customers' THEN
      c := r;
      RETURN json_build_object(
        'id', c.id, 'name', c.name, 'email', c.email, 'phone', c.phone, 'product_id', c.product_id,
        'status', c.status, 'acquisition_source', c.acquisition_source, 'owner', c.owner,
        'is_archived', c.is_archived,
        'created_at', crm.crm_iso(c.created_at), 'updated_at', crm.crm_iso(c.updated_at))::text;
    ELSE
      i := r;
      RETURN json_build_object(
        'id', i.id, 'customer_id', i.customer_id, 'type', i.type, 'channel', i.channel,
        'note', i.note, 'follow_up_date', i.follow_up_date,
        'created_at', crm.crm_iso(i.created_at))::text;
  END CASE;
END
$$;
