-- The search index of a bulk write built once, at its end (issue 11: an import with the index
-- at most 1.3x the time without it). The statement triggers of 0006 and 0010 rebuild or append
-- to a document per statement: an import that inserts its customers, then their interactions,
-- wrote each document twice (inserted, then updated with the interactions' words appended),
-- each time a new row version with its GIN, primary key and `added` entries.
--
-- A transaction that sets crm.search_deferred to 'on' (SET LOCAL; crm's import does) gets the
-- same triggers noting the customers they touched instead, and one deferred constraint trigger
-- rebuilds each of those documents once, from its rows, before the commit (or when crm asks,
-- with SET CONSTRAINTS crm.customer_search_flush IMMEDIATE). The rule stays in the database: a
-- writer that defers and never asks still commits current documents. Without the setting,
-- nothing changes.

-- The customers a deferring transaction touched, by transaction: only that transaction sees its
-- rows (uncommitted), and removes them as it flushes. UNLOGGED: rows that never outlive their
-- transaction need no WAL.
CREATE UNLOGGED TABLE crm.customer_search_pending (
  xid xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
  customer_id text NOT NULL,
  PRIMARY KEY (xid, customer_id)
);
--> statement-breakpoint
-- One row per deferring transaction: its insert queues the one deferred flush.
CREATE UNLOGGED TABLE crm.customer_search_flush (
  xid xid8 PRIMARY KEY DEFAULT pg_catalog.pg_current_xact_id()
);
--> statement-breakpoint
CREATE FUNCTION crm.crm_search_deferred() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(current_setting('crm.search_deferred', true), '') = 'on'
$$;
--> statement-breakpoint
CREATE FUNCTION crm.crm_search_note(ids text[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  INSERT INTO crm.customer_search_pending (customer_id) SELECT DISTINCT id FROM unnest($1) AS id WHERE id IS NOT NULL
    ON CONFLICT DO NOTHING;
  INSERT INTO crm.customer_search_flush DEFAULT VALUES ON CONFLICT DO NOTHING;
$$;
--> statement-breakpoint
CREATE FUNCTION crm.crm_search_flush() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM crm.crm_search_refresh(ARRAY(SELECT customer_id FROM crm.customer_search_pending WHERE xid = NEW.xid));
  DELETE FROM crm.customer_search_pending WHERE xid = NEW.xid;
  DELETE FROM crm.customer_search_flush WHERE xid = NEW.xid;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER customer_search_flush AFTER INSERT ON crm.customer_search_flush
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION crm.crm_search_flush();
--> statement-breakpoint
-- As 0006's, deferring when asked.
CREATE OR REPLACE FUNCTION crm.crm_search_customers_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF crm.crm_search_deferred() THEN
    PERFORM crm.crm_search_note(ARRAY(SELECT id FROM new_rows));
  ELSE
    PERFORM crm.crm_search_refresh(ARRAY(SELECT id FROM new_rows));
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- As 0010's, deferring when asked.
CREATE OR REPLACE FUNCTION crm.crm_search_customers_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  ids text[] := ARRAY(
    SELECT n.id FROM new_rows AS n LEFT JOIN old_rows AS o ON o.id = n.id
    WHERE o.id IS NULL OR (n.name, n.email, n.phone, n.note, n.company_id) IS DISTINCT FROM (o.name, o.email, o.phone, o.note, o.company_id));
BEGIN
  IF crm.crm_search_deferred() THEN
    PERFORM crm.crm_search_note(ids);
  ELSE
    PERFORM crm.crm_search_refresh(ids);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- As 0006's, deferring when asked.
CREATE OR REPLACE FUNCTION crm.crm_search_children_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  ids text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    ids := ARRAY(SELECT DISTINCT customer_id FROM new_rows);
  ELSIF TG_OP = 'DELETE' THEN
    ids := ARRAY(SELECT DISTINCT customer_id FROM old_rows);
  ELSE
    ids := ARRAY(SELECT customer_id FROM old_rows UNION SELECT customer_id FROM new_rows);
  END IF;
  IF crm.crm_search_deferred() THEN
    PERFORM crm.crm_search_note(ids);
  ELSE
    PERFORM crm.crm_search_refresh(ids);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- As 0010's, deferring when asked.
CREATE OR REPLACE FUNCTION crm.crm_search_companies_renamed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  ids text[] := ARRAY(
    SELECT c.id FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id JOIN crm.customers AS c ON c.company_id = n.id
    WHERE n.name IS DISTINCT FROM o.name);
BEGIN
  IF crm.crm_search_deferred() THEN
    PERFORM crm.crm_search_note(ids);
  ELSE
    PERFORM crm.crm_search_refresh(ids);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- As 0010's, deferring when asked: the whole document is rebuilt once at the flush, from all of
-- the customer's interactions, which is what the appends would have made of it.
CREATE OR REPLACE FUNCTION crm.crm_search_interactions_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF crm.crm_search_deferred() THEN
    PERFORM crm.crm_search_note(ARRAY(SELECT DISTINCT customer_id FROM new_rows));
    RETURN NULL;
  END IF;
  WITH logged AS (
    SELECT n.customer_id, setweight(to_tsvector('simple', coalesce(crm.crm_search_text(
        string_agg(n.type || ': ' || n.note, E'\n' ORDER BY n.position)), '')), 'D') AS doc
    FROM new_rows AS n GROUP BY n.customer_id)
  UPDATE crm.customer_search AS s SET doc = s.doc || l.doc FROM logged AS l
  WHERE s.customer_id = l.customer_id;
  PERFORM crm.crm_search_refresh(ARRAY(
    SELECT DISTINCT n.customer_id FROM new_rows AS n
    WHERE NOT EXISTS (SELECT 1 FROM crm.customer_search AS s WHERE s.customer_id = n.customer_id)));
  RETURN NULL;
END
$$;
