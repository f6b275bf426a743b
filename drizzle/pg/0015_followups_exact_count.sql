-- Issue 10: `crm followups` counts its window exactly, from one index alone (as SQLite's 0015).
--
-- The count had to look up each follow-up's customer (archived customers are left out, and
-- `--owner` filters on the owner), one seek under row-level security per follow-up, so it
-- stopped past 1,000. crm.customer_activity now carries the customer's archived flag and owner,
-- kept by the server's triggers from every write that can change them (interactions inserted
-- or moved, customers archived, restored or given another owner), so psql keeps them right
-- too; `crm db check` recomputes them. customer_activity_pending_idx holds the active
-- customers' pending follow-ups by date, with the ids a page seeks and the owner: a window's
-- count is an index-only range of it, and a page walks it in order, seeking only the
-- customers and interactions it shows.
ALTER TABLE crm.customer_activity ADD COLUMN is_archived boolean NOT NULL DEFAULT false;
--> statement-breakpoint
ALTER TABLE crm.customer_activity ADD COLUMN owner text;
--> statement-breakpoint
UPDATE crm.customer_activity AS a SET is_archived = c.is_archived, owner = c.owner
FROM crm.customers AS c WHERE c.id = a.customer_id AND (a.is_archived, a.owner) IS DISTINCT FROM (c.is_archived, c.owner);
--> statement-breakpoint
CREATE INDEX customer_activity_pending_idx ON crm.customer_activity (team_id, follow_up_date)
  INCLUDE (customer_id, last_interaction_id, owner) WHERE follow_up_date IS NOT NULL AND NOT is_archived;
--> statement-breakpoint
DROP INDEX crm.customer_activity_due_idx;
--> statement-breakpoint
-- 0008's functions, each now writing the customer's flag and owner with its latest interaction.
CREATE OR REPLACE FUNCTION crm.crm_activity_refresh(ids text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM 1 FROM crm.customer_activity WHERE customer_id = ANY(ids) ORDER BY customer_id FOR UPDATE;
  DELETE FROM crm.customer_activity AS a WHERE a.customer_id = ANY(ids)
    AND NOT EXISTS (SELECT 1 FROM crm.customer_interactions AS i WHERE i.customer_id = a.customer_id);
  INSERT INTO crm.customer_activity AS a (customer_id, team_id, last_interaction_id, last_interaction_at, follow_up_date, is_archived, owner)
  SELECT l.customer_id, l.team_id, l.id, l.created_at, l.follow_up_date, c.is_archived, c.owner
  FROM unnest(ids) AS x(id)
  JOIN crm.customers AS c ON c.id = x.id
  CROSS JOIN LATERAL (
    SELECT i.customer_id, i.team_id, i.id, i.created_at, i.follow_up_date FROM crm.customer_interactions AS i
    WHERE i.customer_id = x.id ORDER BY i.created_at DESC, i.id COLLATE "C" DESC LIMIT 1) AS l
  ON CONFLICT (customer_id) DO UPDATE SET team_id = EXCLUDED.team_id, last_interaction_id = EXCLUDED.last_interaction_id,
    last_interaction_at = EXCLUDED.last_interaction_at, follow_up_date = EXCLUDED.follow_up_date,
    is_archived = EXCLUDED.is_archived, owner = EXCLUDED.owner
  WHERE (a.team_id, a.last_interaction_id, a.last_interaction_at, a.follow_up_date, a.is_archived, a.owner)
    IS DISTINCT FROM (EXCLUDED.team_id, EXCLUDED.last_interaction_id, EXCLUDED.last_interaction_at, EXCLUDED.follow_up_date,
      EXCLUDED.is_archived, EXCLUDED.owner);
END
$$;
--> statement-breakpoint
-- The customer is read with the interactions (a seek each): the foreign key makes it exist.
CREATE OR REPLACE FUNCTION crm.crm_activity_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  INSERT INTO crm.customer_activity AS a (customer_id, team_id, last_interaction_id, last_interaction_at, follow_up_date, is_archived, owner)
  SELECT n.customer_id, n.team_id, n.id, n.created_at, n.follow_up_date, c.is_archived, c.owner
  FROM (SELECT DISTINCT ON (n.customer_id) n.customer_id, n.team_id, n.id, n.created_at, n.follow_up_date
    FROM new_rows AS n ORDER BY n.customer_id, n.created_at DESC, n.id COLLATE "C" DESC) AS n
  JOIN crm.customers AS c ON c.id = n.customer_id
  ON CONFLICT (customer_id) DO UPDATE SET team_id = EXCLUDED.team_id, last_interaction_id = EXCLUDED.last_interaction_id,
    last_interaction_at = EXCLUDED.last_interaction_at, follow_up_date = EXCLUDED.follow_up_date,
    is_archived = EXCLUDED.is_archived, owner = EXCLUDED.owner
  WHERE (EXCLUDED.last_interaction_at, EXCLUDED.last_interaction_id COLLATE "C") > (a.last_interaction_at, a.last_interaction_id COLLATE "C");
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- Customers updated: their rows take the new flag and owner. By the new id: an id change
-- cascades to customer_activity (its foreign key) and to the interactions, whose trigger
-- recomputes the row from the customer as it now is, whichever runs first. (A trigger with
-- transition tables cannot name its columns, so it runs for every update of customers: a
-- seek on customer_activity's primary key per customer updated.)
CREATE FUNCTION crm.crm_activity_customers_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE crm.customer_activity AS a SET is_archived = n.is_archived, owner = n.owner
  FROM new_rows AS n
  WHERE a.customer_id = n.id AND (a.is_archived, a.owner) IS DISTINCT FROM (n.is_archived, n.owner);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER customers_activity_update AFTER UPDATE ON crm.customers
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION crm.crm_activity_customers_changed();
