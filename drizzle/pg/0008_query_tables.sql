-- What the daily reports read on a team's server without reading every customer, as SQLite's
-- 0009 (customer_activity), 0010 (customer_counts) and 0011 (customer_values): small tables
-- kept by the server's own triggers, so that psql and scripts keep them right too, and
-- checked by `crm db check` (src/repositories/pg/maintenance.ts).
--
-- Each is written only by SECURITY DEFINER trigger functions (as the schema's owner), read by
-- members through row-level security (their team's rows), never audited and never notified:
-- they restate what the audited tables already say. Each has team_id first in its keys, so the
-- policy's team filter is part of every seek.
--
-- The triggers are statement-level with transition tables, as the search index's (0006): an
-- import's million rows update these tables with a few set-based statements, not a million
-- row triggers.

-- Each customer's latest interaction (latest created_at, then greatest id in byte order) and
-- the follow-up it leaves pending: `followups` reads the pending ones in date order instead of
-- seeking every customer's latest interaction. A customer without interactions has no row.
CREATE TABLE crm.customer_activity (
  customer_id text PRIMARY KEY REFERENCES crm.customers (id) ON DELETE CASCADE ON UPDATE CASCADE,
  team_id text NOT NULL REFERENCES crm.teams (id) ON DELETE CASCADE ON UPDATE CASCADE,
  last_interaction_id text NOT NULL,
  last_interaction_at timestamp(3) with time zone NOT NULL,
  -- As customer_interactions.follow_up_date (0002): a day or a canonical instant, bytes order.
  follow_up_date text COLLATE "C"
);
--> statement-breakpoint
CREATE INDEX customer_activity_follow_up_idx ON crm.customer_activity (team_id, follow_up_date)
  WHERE follow_up_date IS NOT NULL;
--> statement-breakpoint
-- How many customers per archived flag, status, product and owner, one row per group that has
-- any: `pipeline` and a list's total add up a few rows. A customer without product or owner
-- counts in a group of its own, apart from a product or owner named "" (the unique index
-- tells NULL from "" without NULLS NOT DISTINCT, which needs PostgreSQL 15).
CREATE TABLE crm.customer_counts (
  team_id text NOT NULL REFERENCES crm.teams (id) ON DELETE CASCADE ON UPDATE CASCADE,
  is_archived boolean NOT NULL,
  status text NOT NULL,
  product_id text,
  owner text,
  n bigint NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX customer_counts_group_idx ON crm.customer_counts
  (team_id, is_archived, status, coalesce(product_id, ''), (product_id IS NULL), coalesce(owner, ''), (owner IS NULL));
--> statement-breakpoint
-- The same for deal values: per group and currency, how many customers have a value and their
-- sum in minor units (numeric: a sum of bigints may pass bigint's range).
CREATE TABLE crm.customer_values (
  team_id text NOT NULL REFERENCES crm.teams (id) ON DELETE CASCADE ON UPDATE CASCADE,
  is_archived boolean NOT NULL,
  status text NOT NULL,
  product_id text,
  owner text,
  deal_currency text NOT NULL,
  n bigint NOT NULL,
  total_minor numeric NOT NULL
);
--> statement-breakpoint
-- Groups that reached 0, found without reading the others (the index is nearly always empty).
CREATE INDEX customer_counts_empty_idx ON crm.customer_counts (team_id) WHERE n = 0;
--> statement-breakpoint
CREATE UNIQUE INDEX customer_values_group_idx ON crm.customer_values
  (team_id, is_archived, status, coalesce(product_id, ''), (product_id IS NULL), coalesce(owner, ''), (owner IS NULL), deal_currency);
--> statement-breakpoint
CREATE INDEX customer_values_empty_idx ON crm.customer_values (team_id) WHERE n = 0;
--> statement-breakpoint
ALTER TABLE crm.customer_activity ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE crm.customer_counts ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE crm.customer_values ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY customer_activity_read ON crm.customer_activity FOR SELECT USING (team_id = crm.crm_team());
--> statement-breakpoint
CREATE POLICY customer_counts_read ON crm.customer_counts FOR SELECT USING (team_id = crm.crm_team());
--> statement-breakpoint
CREATE POLICY customer_values_read ON crm.customer_values FOR SELECT USING (team_id = crm.crm_team());
--> statement-breakpoint
-- Only members get USAGE on schema crm (crm_team_add), so PUBLIC reaches them alone (as 0006).
GRANT SELECT ON crm.customer_activity, crm.customer_counts, crm.customer_values TO PUBLIC;
--> statement-breakpoint

-- The activity of these customers recomputed from their interactions, for writes that may
-- take a customer's latest interaction away (deletes, moves). The rows are locked first, and
-- each statement of a PL/pgSQL function reads a fresh snapshot under READ COMMITTED: a
-- concurrent insert for the same customer either committed before (and is seen) or waits
-- for this transaction and then applies its own interaction on top.
CREATE FUNCTION crm.crm_activity_refresh(ids text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM 1 FROM crm.customer_activity WHERE customer_id = ANY(ids) ORDER BY customer_id FOR UPDATE;
  DELETE FROM crm.customer_activity AS a WHERE a.customer_id = ANY(ids)
    AND NOT EXISTS (SELECT 1 FROM crm.customer_interactions AS i WHERE i.customer_id = a.customer_id);
  INSERT INTO crm.customer_activity AS a (customer_id, team_id, last_interaction_id, last_interaction_at, follow_up_date)
  SELECT l.customer_id, l.team_id, l.id, l.created_at, l.follow_up_date
  FROM unnest(ids) AS x(id)
  CROSS JOIN LATERAL (
    SELECT i.customer_id, i.team_id, i.id, i.created_at, i.follow_up_date FROM crm.customer_interactions AS i
    WHERE i.customer_id = x.id ORDER BY i.created_at DESC, i.id COLLATE "C" DESC LIMIT 1) AS l
  ON CONFLICT (customer_id) DO UPDATE SET team_id = EXCLUDED.team_id, last_interaction_id = EXCLUDED.last_interaction_id,
    last_interaction_at = EXCLUDED.last_interaction_at, follow_up_date = EXCLUDED.follow_up_date
  WHERE (a.team_id, a.last_interaction_id, a.last_interaction_at, a.follow_up_date)
    IS DISTINCT FROM (EXCLUDED.team_id, EXCLUDED.last_interaction_id, EXCLUDED.last_interaction_at, EXCLUDED.follow_up_date);
END
$$;
--> statement-breakpoint
-- Inserted interactions: each customer's newest one among them replaces its recorded latest
-- only if it is later, so the work is in proportion to the rows inserted (an import's
-- interactions are read once, nothing else), and two members logging at once for the same
-- customer leave the later of the two whichever commits first.
CREATE FUNCTION crm.crm_activity_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  INSERT INTO crm.customer_activity AS a (customer_id, team_id, last_interaction_id, last_interaction_at, follow_up_date)
  SELECT DISTINCT ON (n.customer_id) n.customer_id, n.team_id, n.id, n.created_at, n.follow_up_date
  FROM new_rows AS n
  ORDER BY n.customer_id, n.created_at DESC, n.id COLLATE "C" DESC
  ON CONFLICT (customer_id) DO UPDATE SET team_id = EXCLUDED.team_id, last_interaction_id = EXCLUDED.last_interaction_id,
    last_interaction_at = EXCLUDED.last_interaction_at, follow_up_date = EXCLUDED.follow_up_date
  WHERE (EXCLUDED.last_interaction_at, EXCLUDED.last_interaction_id COLLATE "C") > (a.last_interaction_at, a.last_interaction_id COLLATE "C");
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE FUNCTION crm.crm_activity_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM crm.crm_activity_refresh(ARRAY(SELECT DISTINCT customer_id FROM old_rows));
  ELSE
    PERFORM crm.crm_activity_refresh(ARRAY(
      SELECT o.customer_id FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id WHERE n.customer_id IS DISTINCT FROM o.customer_id
      UNION SELECT n.customer_id FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id WHERE n.customer_id IS DISTINCT FROM o.customer_id));
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER customer_interactions_activity_insert AFTER INSERT ON crm.customer_interactions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION crm.crm_activity_inserted();
--> statement-breakpoint
-- Interactions are immutable but for their customer (a merge moves them, a customer's id
-- change cascades): those recompute both customers.
CREATE TRIGGER customer_interactions_activity_update AFTER UPDATE ON crm.customer_interactions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION crm.crm_activity_changed();
--> statement-breakpoint
CREATE TRIGGER customer_interactions_activity_delete AFTER DELETE ON crm.customer_interactions
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION crm.crm_activity_changed();
--> statement-breakpoint

-- The customers a statement wrote, before (counted -1) and after (+1), summed per group and
-- added to the counts, in one statement: an edit that changes none of the grouped columns
-- adds nothing. An upsert's increment is atomic under concurrency (the row is locked and
-- re-read); groups that reach 0 are deleted. Teams deleted in the same statement (a team's
-- customers go with it) are skipped: their counts went with the team. The statement is built
-- per operation because a trigger has only the transition tables its event defines.
CREATE FUNCTION crm.crm_counts_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  columns constant text := 'team_id, is_archived, status, product_id, owner, deal_currency, deal_value_minor';
  changed text;
BEGIN
  changed := CASE TG_OP
    WHEN 'INSERT' THEN format('SELECT %s, 1 AS d FROM new_rows', columns)
    WHEN 'DELETE' THEN format('SELECT %s, -1 AS d FROM old_rows', columns)
    ELSE format('SELECT %1$s, -1 AS d FROM old_rows UNION ALL SELECT %1$s, 1 FROM new_rows', columns)
  END;
  EXECUTE format($sql$
    WITH delta AS MATERIALIZED (
      SELECT r.* FROM (%s) AS r WHERE EXISTS (SELECT 1 FROM crm.teams AS t WHERE t.id = r.team_id)),
    counted AS (
      INSERT INTO crm.customer_counts AS k (team_id, is_archived, status, product_id, owner, n)
      SELECT team_id, is_archived, status, product_id, owner, sum(d) FROM delta
      GROUP BY team_id, is_archived, status, product_id, owner HAVING sum(d) <> 0
      ON CONFLICT (team_id, is_archived, status, coalesce(product_id, ''), (product_id IS NULL), coalesce(owner, ''), (owner IS NULL))
      DO UPDATE SET n = k.n + EXCLUDED.n
    )
    INSERT INTO crm.customer_values AS v (team_id, is_archived, status, product_id, owner, deal_currency, n, total_minor)
    SELECT team_id, is_archived, status, product_id, owner, deal_currency, sum(d), sum(d * deal_value_minor) FROM delta
    WHERE deal_value_minor IS NOT NULL
    GROUP BY team_id, is_archived, status, product_id, owner, deal_currency
    HAVING sum(d) <> 0 OR sum(d * deal_value_minor) <> 0
    ON CONFLICT (team_id, is_archived, status, coalesce(product_id, ''), (product_id IS NULL), coalesce(owner, ''), (owner IS NULL), deal_currency)
    DO UPDATE SET n = v.n + EXCLUDED.n, total_minor = v.total_minor + EXCLUDED.total_minor
  $sql$, changed);
  -- Apart: a statement's sub-statements do not see each other's rows.
  DELETE FROM crm.customer_counts WHERE n = 0;
  DELETE FROM crm.customer_values WHERE n = 0;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER customers_counts_insert AFTER INSERT ON crm.customers
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION crm.crm_counts_changed();
--> statement-breakpoint
CREATE TRIGGER customers_counts_update AFTER UPDATE ON crm.customers
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION crm.crm_counts_changed();
--> statement-breakpoint
CREATE TRIGGER customers_counts_delete AFTER DELETE ON crm.customers
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION crm.crm_counts_changed();
--> statement-breakpoint

-- `pipeline --since`: the team's customers won since an instant, a range of customers_won_idx
-- (0005). SECURITY DEFINER with the policy's team filter written out, as the lookups of 0002:
-- under row-level security the planner would not use the index for a member's condition on
-- coalesce(closed_at, updated_at), and read every customer of the team instead.
CREATE FUNCTION crm.crm_won_since(since timestamptz)
RETURNS TABLE (deal_currency text, deal_value_minor bigint, product_id text, owner text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp ROWS 100
AS $$
  SELECT c.deal_currency, c.deal_value_minor, c.product_id, c.owner FROM crm.customers AS c
  WHERE c.team_id = crm.crm_team() AND c.status = 'closed_won' AND NOT c.is_archived
    AND coalesce(c.closed_at, c.updated_at) >= $1
$$;
--> statement-breakpoint
-- What the triggers would have written had they always been there.
INSERT INTO crm.customer_activity (customer_id, team_id, last_interaction_id, last_interaction_at, follow_up_date)
SELECT DISTINCT ON (i.customer_id) i.customer_id, i.team_id, i.id, i.created_at, i.follow_up_date
FROM crm.customer_interactions AS i
ORDER BY i.customer_id, i.created_at DESC, i.id COLLATE "C" DESC;
--> statement-breakpoint
INSERT INTO crm.customer_counts (team_id, is_archived, status, product_id, owner, n)
SELECT team_id, is_archived, status, product_id, owner, count(*) FROM crm.customers
GROUP BY team_id, is_archived, status, product_id, owner;
--> statement-breakpoint
INSERT INTO crm.customer_values (team_id, is_archived, status, product_id, owner, deal_currency, n, total_minor)
SELECT team_id, is_archived, status, product_id, owner, deal_currency, count(*), sum(deal_value_minor) FROM crm.customers
WHERE deal_value_minor IS NOT NULL
GROUP BY team_id, is_archived, status, product_id, owner, deal_currency;
