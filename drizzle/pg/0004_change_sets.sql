-- Change sets on a team's server, as SQLite's drizzle/0013_change_sets.sql: everything one crm
-- command changed, so that `crm undo` can take it back whole and `crm undo --list` can say who
-- ran what. crm opens a change set (crm_begin_change_set) at the start of each write
-- transaction of a command and names it in the transaction-local setting crm.change_set; the
-- audit trigger stamps each entry with it. A member could set crm.change_set by hand, so the
-- trigger takes it only when it names a change set of the member's own team and role: a
-- forged value can stamp nothing but the member's own entries, which their own undo reverts.
CREATE TABLE crm.change_sets (
  id bigserial PRIMARY KEY,
  team_id text NOT NULL REFERENCES crm.teams (id) ON DELETE CASCADE ON UPDATE CASCADE,
  command text NOT NULL,
  actor text NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  undoes bigint
);
--> statement-breakpoint
-- `crm undo` takes back the newest change set of whoever runs it; --list reads the newest.
CREATE INDEX change_sets_actor_idx ON crm.change_sets (team_id, actor, id);
--> statement-breakpoint
CREATE INDEX change_sets_team_idx ON crm.change_sets (team_id, id);
--> statement-breakpoint
CREATE INDEX change_sets_undoes_idx ON crm.change_sets (undoes) WHERE undoes IS NOT NULL;
--> statement-breakpoint
-- Written only by the functions below (members have no INSERT, UPDATE or DELETE on it), read
-- by the team's members through row-level security. Granted to PUBLIC so that crm_team_add
-- needs no change: a role that is no member sees no row.
ALTER TABLE crm.change_sets ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY change_sets_read ON crm.change_sets FOR SELECT USING (team_id = crm.crm_team());
--> statement-breakpoint
GRANT SELECT ON crm.change_sets TO PUBLIC;
--> statement-breakpoint
ALTER TABLE crm.audit_log ADD COLUMN change_set bigint;
--> statement-breakpoint
CREATE INDEX audit_log_change_set_idx ON crm.audit_log (change_set);
--> statement-breakpoint
-- The change set this transaction's entries belong to, if crm.change_set names one of the
-- team's made by the connected role; NULL otherwise (psql, scripts, a forged value).
CREATE FUNCTION crm.crm_change_set_of(team text) RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  setting text := current_setting('crm.change_set', true);
BEGIN
  IF setting IS NULL OR setting !~ '^[0-9]{1,18}$' THEN
    RETURN NULL;
  END IF;
  RETURN (SELECT s.id FROM crm.change_sets AS s WHERE s.id = setting::bigint AND s.team_id = team AND s.actor = session_user);
END
$$;
--> statement-breakpoint
-- Called by crm right after BEGIN of each write transaction: the command's change set (the
-- one given, when it is the caller's own), else a new one. NULL for a role of no team.
CREATE FUNCTION crm.crm_begin_change_set(command text, at timestamptz, existing bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  team text := crm.crm_team();
  chosen bigint;
BEGIN
  IF team IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT s.id INTO chosen FROM crm.change_sets AS s WHERE s.id = existing AND s.team_id = team AND s.actor = session_user;
  IF chosen IS NULL THEN
    INSERT INTO crm.change_sets (team_id, command, actor, created_at)
    VALUES (team, command, session_user, coalesce(at, now())) RETURNING id INTO chosen;
  END IF;
  PERFORM set_config('crm.change_set', chosen::text, true);
  RETURN chosen;
END
$$;
--> statement-breakpoint
-- Called by crm just before COMMIT: drops the change set when this transaction opened it and
-- wrote no audit entry (a command that changed nothing leaves nothing to undo). Returns
-- whether the change set is kept.
CREATE FUNCTION crm.crm_end_change_set(change_set bigint, opened boolean) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM set_config('crm.change_set', '', true);
  IF NOT opened OR EXISTS (SELECT 1 FROM crm.audit_log AS a WHERE a.change_set = crm_end_change_set.change_set) THEN
    RETURN true;
  END IF;
  DELETE FROM crm.change_sets AS s
   WHERE s.id = crm_end_change_set.change_set AND s.team_id = crm.crm_team() AND s.actor = session_user;
  RETURN false;
END
$$;
--> statement-breakpoint
-- `crm undo`: records that the transaction's change set takes back `target`.
CREATE FUNCTION crm.crm_mark_undo(target bigint) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  team text := crm.crm_team();
  current bigint := crm.crm_change_set_of(team);
BEGIN
  IF current IS NULL OR NOT EXISTS (SELECT 1 FROM crm.change_sets AS s WHERE s.id = target AND s.team_id = team) THEN
    RAISE EXCEPTION 'an undo is recorded only inside a crm write transaction, of a change set of the team'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  UPDATE crm.change_sets SET undoes = target WHERE id = current;
END
$$;
--> statement-breakpoint
-- An audit entry a crm write makes itself rather than a row's trigger: a merge, filed under
-- each customer involved so that `crm history` of either shows it. Only that action, only on
-- a customer of the team, and with the caller as actor: nothing else can be written this way.
CREATE FUNCTION crm.crm_audit_note(customer_id text, action text, new_values text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  team text := crm.crm_team();
BEGIN
  IF action IS DISTINCT FROM 'merge' THEN
    RAISE EXCEPTION 'no audit note of action %', action USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM crm.customers AS c WHERE c.id = customer_id AND c.team_id = team) THEN
    RAISE EXCEPTION 'customer % is not one of the team''s', customer_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  INSERT INTO crm.audit_log (team_id, table_name, record_id, action, old_values, new_values, actor, created_at, change_set)
  VALUES (team, 'customers', customer_id, action, NULL, new_values::json::text, session_user, now(), crm.crm_change_set_of(team));
END
$$;
--> statement-breakpoint
-- As in 0001, each entry stamped with its change set.
CREATE OR REPLACE FUNCTION crm.crm_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  team text := CASE WHEN TG_OP = 'DELETE' THEN OLD.team_id ELSE NEW.team_id END;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM crm.teams WHERE id = team) THEN
    RETURN NULL;
  END IF;
  INSERT INTO crm.audit_log (team_id, table_name, record_id, action, old_values, new_values, actor, created_at, change_set)
  VALUES (
    team,
    TG_TABLE_NAME,
    CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END,
    lower(TG_OP),
    CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE crm.crm_audit_json(TG_TABLE_NAME, OLD) END,
    CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE crm.crm_audit_json(TG_TABLE_NAME, NEW) END,
    session_user,
    now(),
    crm.crm_change_set_of(team)
  );
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- Interactions stay immutable; their customer changes on the cascade of a customer's id (as
-- in 0001) and when crm.crm_move_interactions below gives them to another customer (a merge
-- of duplicates, or its undo). That function runs as the schema's owner and raises the
-- setting for its one UPDATE; the trigger now runs as the caller (SECURITY INVOKER), so it
-- sees the owner only inside that function: a member who sets crm.moving_interactions by
-- hand is still refused.
CREATE OR REPLACE FUNCTION crm.customer_interactions_immutable() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NEW.id IS DISTINCT FROM OLD.id
    OR NEW.type IS DISTINCT FROM OLD.type
    OR NEW.channel IS DISTINCT FROM OLD.channel
    OR NEW.note IS DISTINCT FROM OLD.note
    OR NEW.follow_up_date IS DISTINCT FROM OLD.follow_up_date
    OR NEW.created_at IS DISTINCT FROM OLD.created_at
    OR (NEW.customer_id IS DISTINCT FROM OLD.customer_id
        AND EXISTS (SELECT 1 FROM crm.customers WHERE id = OLD.customer_id)
        AND NOT (current_setting('crm.moving_interactions', true) = 'on'
                 AND (SELECT n.nspowner FROM pg_namespace AS n WHERE n.nspname = 'crm')
                     = (SELECT r.oid FROM pg_roles AS r WHERE r.rolname = current_user)))
  THEN
    RAISE EXCEPTION 'interactions are immutable: customer_interactions cannot be updated'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
-- Gives these interactions to a customer. The caller must be allowed to change every customer
-- involved, as row-level security lets them change customers (a manager, or the customers'
-- owner), all of their team. Returns how many moved.
CREATE FUNCTION crm.crm_move_interactions(interaction_ids text[], to_customer text) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  team text := crm.crm_team();
  manager boolean := crm.crm_is_manager();
  moved integer;
BEGIN
  IF EXISTS (
    SELECT 1 FROM crm.customers AS c
     WHERE (c.id = to_customer OR c.id IN (SELECT i.customer_id FROM crm.customer_interactions AS i WHERE i.id = ANY(interaction_ids)))
       AND (c.team_id IS DISTINCT FROM team OR NOT (manager OR c.owner = session_user))
  ) OR NOT EXISTS (SELECT 1 FROM crm.customers AS c WHERE c.id = to_customer AND c.team_id = team) THEN
    -- Worded as the customers' policy refuses: moving interactions changes both customers.
    RAISE EXCEPTION 'new row violates row-level security policy for table "customers"'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM set_config('crm.moving_interactions', 'on', true);
  UPDATE crm.customer_interactions SET customer_id = to_customer WHERE id = ANY(interaction_ids) AND team_id = team;
  GET DIAGNOSTICS moved = ROW_COUNT;
  PERFORM set_config('crm.moving_interactions', '', true);
  RETURN moved;
END
$$;
--> statement-breakpoint
-- `crm customer duplicates`: each grouping by one expression over the caller's team, run as
-- the owner with the policy's team filter written out (a member's own condition on an
-- expression is not LEAKPROOF, so under row-level security it could use no index).
-- E-mails equal ignoring ASCII case, as SQLite's lower() and import compare them: the key is
-- lower() in "C"; customers_email_lower_idx gives the groups in order, split by that key.
CREATE FUNCTION crm.crm_duplicate_emails() RETURNS TABLE (key text, ids text[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  SELECT lower(c.email COLLATE "C"), array_agg(c.id ORDER BY c.id COLLATE "C")
    FROM crm.customers AS c
   WHERE c.team_id = crm.crm_team() AND lower(c.email) > ''
   GROUP BY lower(c.email), lower(c.email COLLATE "C")
  HAVING count(*) > 1
$$;
--> statement-breakpoint
-- The phone key of src/domain/phones.ts, step for step (PHONE_KEY in
-- src/repositories/sqlite/duplicates.ts is the same on SQLite).
CREATE FUNCTION crm.crm_phone_key(phone text, cc text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE WHEN k ~ '^[0-9]{7,}$' THEN k END FROM (
    SELECT CASE
      WHEN substr(d, 1, 1) = '+' THEN substr(d, 2)
      WHEN substr(d, 1, 2) = '00' THEN substr(d, 3)
      WHEN substr(d, 1, 1) = '0' THEN cc || substr(d, 2)
      WHEN cc <> '' AND substr(d, 1, length(cc)) = cc AND length(d) >= 11 THEN d
      ELSE cc || d END AS k
    FROM (SELECT replace(replace(replace(replace(replace(replace(phone, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '/', '') AS d) AS digits
  ) AS keyed
$$;
--> statement-breakpoint
-- Phones: the key depends on the country code given at run time, so no index can hold it; one
-- pass over the team's customers, grouped by hashing.
CREATE FUNCTION crm.crm_duplicate_phones(cc text) RETURNS TABLE (key text, ids text[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  SELECT k, array_agg(id ORDER BY id COLLATE "C") FROM (
    SELECT crm.crm_phone_key(c.phone, cc) AS k, c.id FROM crm.customers AS c
     WHERE c.team_id = crm.crm_team() AND c.phone IS NOT NULL
  ) AS keyed
   WHERE k IS NOT NULL
   GROUP BY k
  HAVING count(*) > 1
$$;
--> statement-breakpoint
-- Names folded as refs compare them, grouped along customers_name_fold_idx (0002), unless
-- their e-mails differ (ignoring ASCII case, as SQLite's lower()): two people of one name.
-- A name shared by more than max_group customers is a common name, not a likely duplicate
-- (MAX_NAME_GROUP in src/repositories/sqlite/duplicates.ts).
CREATE FUNCTION crm.crm_duplicate_names(max_group integer) RETURNS TABLE (key text, ids text[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  SELECT crm.crm_fold(c.name), array_agg(c.id ORDER BY c.id COLLATE "C")
    FROM crm.customers AS c
   WHERE c.team_id = crm.crm_team()
   GROUP BY crm.crm_fold(c.name)
  HAVING count(*) BETWEEN 2 AND max_group AND count(DISTINCT lower(nullif(btrim(c.email), '') COLLATE "C")) <= 1
$$;
