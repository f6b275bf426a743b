-- The rules of team mode, enforced by the server for every client (crm, psql, scripts).
-- Who is who: the role that ran the migrations owns the schema and every object in it (the
-- admin); members are other roles, listed in crm.team_members and given grants by
-- crm.crm_team_add(). Owners and superusers bypass row-level security, which is why a member
-- may never be one. The trigger functions are SECURITY DEFINER (they run as the owner, so
-- their checks see every team's rows and do not depend on the caller's grants); session_user
-- stays the role that logged in, and is what the audit log records.
--
-- Every function pins its search_path, so a caller cannot redirect its names.

-- Who is connected, as the server sees it. NULL for roles that are not members (the owner).
CREATE FUNCTION crm.crm_team() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT team_id FROM crm.team_members WHERE login = session_user $$;
--> statement-breakpoint
CREATE FUNCTION crm.crm_is_manager() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT coalesce((SELECT is_manager FROM crm.team_members WHERE login = session_user), false) $$;
--> statement-breakpoint
-- The text SQLite stores for an instant (2026-12-01T04:00:00.000Z), whatever the session's
-- TimeZone and DateStyle: audit entries must read the same from either database.
CREATE FUNCTION crm.crm_iso(instant timestamptz) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT to_char(instant AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;
--> statement-breakpoint

-- team_id: filled from the writer's membership, never moved. Row-level security (below)
-- refuses a row for another team; this trigger is named to run before every other BEFORE
-- trigger of its table (PostgreSQL fires them in name order), which rely on team_id.
CREATE FUNCTION crm.crm_assign_team() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.team_id := coalesce(NEW.team_id, crm.crm_team());
    IF NEW.team_id IS NULL THEN
      RAISE EXCEPTION '% is not a member of any team: ask a manager to run crm team add %', session_user, session_user
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  ELSIF NEW.team_id IS DISTINCT FROM OLD.team_id THEN
    RAISE EXCEPTION 'a row cannot move to another team (%.team_id is fixed)', TG_TABLE_NAME
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER products_0_team BEFORE INSERT OR UPDATE ON crm.products
  FOR EACH ROW EXECUTE FUNCTION crm.crm_assign_team();
--> statement-breakpoint
CREATE TRIGGER customers_0_team BEFORE INSERT OR UPDATE ON crm.customers
  FOR EACH ROW EXECUTE FUNCTION crm.crm_assign_team();
--> statement-breakpoint
CREATE TRIGGER customer_interactions_0_team BEFORE INSERT OR UPDATE ON crm.customer_interactions
  FOR EACH ROW EXECUTE FUNCTION crm.crm_assign_team();
--> statement-breakpoint

-- Product names are refs, unique per team regardless of case (as SQLite's 0006).
CREATE UNIQUE INDEX products_name_unique_idx ON crm.products (team_id, lower(name));
--> statement-breakpoint
-- Import deduplicates by lowercased email.
CREATE INDEX customers_email_lower_idx ON crm.customers (team_id, lower(email));
--> statement-breakpoint

-- At most 3 active products per team. A COUNT alone is not enough: two transactions under
-- READ COMMITTED would each count 2 and both activate. The per-team advisory lock makes the
-- second wait until the first commits; the COUNT, a new statement, then sees the first one's
-- row. REPEATABLE READ keeps the old snapshot, so there the check could not see it: refused.
-- (SERIALIZABLE detects the conflict itself and aborts one of the two.)
CREATE FUNCTION crm.products_active_limit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT NEW.is_active OR (TG_OP = 'UPDATE' AND OLD.is_active) THEN
    RETURN NEW;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('crm.products_active_limit'), hashtext(NEW.team_id));
  IF current_setting('transaction_isolation') = 'repeatable read' THEN
    RAISE EXCEPTION 'active product limit: activate products in a READ COMMITTED or SERIALIZABLE transaction'
      USING ERRCODE = 'serialization_failure';
  END IF;
  IF (SELECT count(*) FROM crm.products WHERE team_id = NEW.team_id AND is_active) >= 3 THEN
    RAISE EXCEPTION 'active product limit: at most 3 products can be active'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER products_active_limit BEFORE INSERT OR UPDATE OF is_active ON crm.products
  FOR EACH ROW EXECUTE FUNCTION crm.products_active_limit();
--> statement-breakpoint

-- updated_at: a writer that leaves it alone (psql, scripts) gets the server's time; crm sets
-- it from its own clock and keeps it. A BEFORE trigger, so the change is one row version and
-- one audit entry.
CREATE FUNCTION crm.crm_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
    NEW.updated_at := statement_timestamp();
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER products_touch_updated_at BEFORE UPDATE ON crm.products
  FOR EACH ROW EXECUTE FUNCTION crm.crm_touch_updated_at();
--> statement-breakpoint
CREATE TRIGGER customers_touch_updated_at BEFORE UPDATE ON crm.customers
  FOR EACH ROW EXECUTE FUNCTION crm.crm_touch_updated_at();
--> statement-breakpoint

-- Foreign keys are checked without row-level security, so on their own they would let a
-- member point at another team's product or customer by its id. These refuse that.
CREATE FUNCTION crm.customers_product_same_team() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NEW.product_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM crm.products WHERE id = NEW.product_id AND team_id = NEW.team_id
  ) THEN
    RAISE EXCEPTION 'customers.product_id names no product of this team'
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER customers_product_same_team BEFORE INSERT OR UPDATE OF product_id ON crm.customers
  FOR EACH ROW EXECUTE FUNCTION crm.customers_product_same_team();
--> statement-breakpoint
CREATE FUNCTION crm.customer_interactions_customer_same_team() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM crm.customers WHERE id = NEW.customer_id AND team_id = NEW.team_id) THEN
    RAISE EXCEPTION 'customer_interactions.customer_id names no customer of this team'
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER customer_interactions_customer_same_team BEFORE INSERT ON crm.customer_interactions
  FOR EACH ROW EXECUTE FUNCTION crm.customer_interactions_customer_same_team();
--> statement-breakpoint

-- Interactions are an audit trail. A BEFORE UPDATE row trigger also fires for
-- INSERT ... ON CONFLICT DO UPDATE and MERGE ... UPDATE. The one update let through is the
-- ON UPDATE CASCADE of a customer's id: by then no customer has the old id any more.
CREATE FUNCTION crm.customer_interactions_immutable() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NEW.id IS DISTINCT FROM OLD.id
    OR NEW.type IS DISTINCT FROM OLD.type
    OR NEW.channel IS DISTINCT FROM OLD.channel
    OR NEW.note IS DISTINCT FROM OLD.note
    OR NEW.follow_up_date IS DISTINCT FROM OLD.follow_up_date
    OR NEW.created_at IS DISTINCT FROM OLD.created_at
    OR (NEW.customer_id IS DISTINCT FROM OLD.customer_id
        AND EXISTS (SELECT 1 FROM crm.customers WHERE id = OLD.customer_id))
  THEN
    RAISE EXCEPTION 'interactions are immutable: customer_interactions cannot be updated'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER customer_interactions_immutable BEFORE UPDATE ON crm.customer_interactions
  FOR EACH ROW EXECUTE FUNCTION crm.customer_interactions_immutable();
--> statement-breakpoint

-- The audit trail. Rows as JSON objects with the keys and value forms of SQLite's audit
-- entries (instants as ISO text, booleans as true/false), team_id left out: it is not user data.
CREATE FUNCTION crm.crm_audit_json(tbl text, r record) RETURNS text
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
        'note', i.note, 'follow_up_date', crm.crm_iso(i.follow_up_date),
        'created_at', crm.crm_iso(i.created_at))::text;
  END CASE;
END
$$;
--> statement-breakpoint
-- The actor is session_user: the role that logged in. SET ROLE changes current_user only,
-- and SET SESSION AUTHORIZATION is for superusers; members cannot write audit_log at all.
-- A row removed because its whole team is being deleted is not logged (the log goes too).
CREATE FUNCTION crm.crm_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  team text := CASE WHEN TG_OP = 'DELETE' THEN OLD.team_id ELSE NEW.team_id END;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM crm.teams WHERE id = team) THEN
    RETURN NULL;
  END IF;
  INSERT INTO crm.audit_log (team_id, table_name, record_id, action, old_values, new_values, actor, created_at)
  VALUES (
    team,
    TG_TABLE_NAME,
    CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END,
    lower(TG_OP),
    CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE crm.crm_audit_json(TG_TABLE_NAME, OLD) END,
    CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE crm.crm_audit_json(TG_TABLE_NAME, NEW) END,
    session_user,
    now()
  );
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER products_audit AFTER INSERT OR UPDATE OR DELETE ON crm.products
  FOR EACH ROW EXECUTE FUNCTION crm.crm_audit();
--> statement-breakpoint
CREATE TRIGGER customers_audit AFTER INSERT OR UPDATE OR DELETE ON crm.customers
  FOR EACH ROW EXECUTE FUNCTION crm.crm_audit();
--> statement-breakpoint
CREATE TRIGGER customer_interactions_audit AFTER INSERT OR UPDATE OR DELETE ON crm.customer_interactions
  FOR EACH ROW EXECUTE FUNCTION crm.crm_audit();
--> statement-breakpoint
-- The log is append-only, for the owner too. Entries go only with their team, or through
-- crm.crm_prune_audit(), which sets crm.prune_before for its own transaction.
CREATE FUNCTION crm.audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP = 'DELETE' AND (
    NOT EXISTS (SELECT 1 FROM crm.teams WHERE id = OLD.team_id)
    OR OLD.created_at < nullif(current_setting('crm.prune_before', true), '')::timestamptz
  ) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: entries cannot be changed or deleted'
    USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON crm.audit_log
  FOR EACH ROW EXECUTE FUNCTION crm.audit_log_append_only();
--> statement-breakpoint
-- TRUNCATE fires no row trigger: it would skip the audit log and the rules above.
CREATE FUNCTION crm.crm_refuse_truncate() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION 'TRUNCATE of %.% is refused: delete rows so that the audit log records it', TG_TABLE_SCHEMA, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
CREATE TRIGGER products_no_truncate BEFORE TRUNCATE ON crm.products
  FOR EACH STATEMENT EXECUTE FUNCTION crm.crm_refuse_truncate();
--> statement-breakpoint
CREATE TRIGGER customers_no_truncate BEFORE TRUNCATE ON crm.customers
  FOR EACH STATEMENT EXECUTE FUNCTION crm.crm_refuse_truncate();
--> statement-breakpoint
CREATE TRIGGER customer_interactions_no_truncate BEFORE TRUNCATE ON crm.customer_interactions
  FOR EACH STATEMENT EXECUTE FUNCTION crm.crm_refuse_truncate();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON crm.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION crm.crm_refuse_truncate();
--> statement-breakpoint

-- Live changes for `crm watch`. Any role can LISTEN on any channel, so a notification names
-- the change (table, operation, id) and nothing else; the listener reads the row, or the
-- audit entry, through its own row-level security. Sent at commit, never for a rollback.
CREATE FUNCTION crm.crm_notify_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pg_notify('crm_changes', json_build_object(
    'table', TG_TABLE_NAME,
    'op', lower(TG_OP),
    'id', CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END
  )::text);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER products_notify AFTER INSERT OR UPDATE OR DELETE ON crm.products
  FOR EACH ROW EXECUTE FUNCTION crm.crm_notify_change();
--> statement-breakpoint
CREATE TRIGGER customers_notify AFTER INSERT OR UPDATE OR DELETE ON crm.customers
  FOR EACH ROW EXECUTE FUNCTION crm.crm_notify_change();
--> statement-breakpoint
CREATE TRIGGER customer_interactions_notify AFTER INSERT OR UPDATE OR DELETE ON crm.customer_interactions
  FOR EACH ROW EXECUTE FUNCTION crm.crm_notify_change();
--> statement-breakpoint

-- Row-level security. Every member reads the team's rows and logs interactions on any
-- customer of the team; a member edits, moves or deletes only the customers they own (and
-- cannot give one away: the new row must still be theirs); products, other members'
-- customers and owner changes are for managers. Not FORCEd: the owner (the admin, and the
-- SECURITY DEFINER functions above) sees every team.
ALTER TABLE crm.teams ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE crm.team_members ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE crm.products ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE crm.customers ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE crm.customer_interactions ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE crm.audit_log ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY teams_own ON crm.teams FOR SELECT USING (id = crm.crm_team());
--> statement-breakpoint
CREATE POLICY team_members_own_team ON crm.team_members FOR SELECT USING (team_id = crm.crm_team());
--> statement-breakpoint
CREATE POLICY products_read ON crm.products FOR SELECT USING (team_id = crm.crm_team());
--> statement-breakpoint
CREATE POLICY products_insert ON crm.products FOR INSERT
  WITH CHECK (team_id = crm.crm_team() AND crm.crm_is_manager());
--> statement-breakpoint
CREATE POLICY products_update ON crm.products FOR UPDATE
  USING (team_id = crm.crm_team() AND crm.crm_is_manager())
  WITH CHECK (team_id = crm.crm_team() AND crm.crm_is_manager());
--> statement-breakpoint
CREATE POLICY products_delete ON crm.products FOR DELETE
  USING (team_id = crm.crm_team() AND crm.crm_is_manager());
--> statement-breakpoint
CREATE POLICY customers_read ON crm.customers FOR SELECT USING (team_id = crm.crm_team());
--> statement-breakpoint
CREATE POLICY customers_insert ON crm.customers FOR INSERT
  WITH CHECK (team_id = crm.crm_team() AND (crm.crm_is_manager() OR owner = session_user));
--> statement-breakpoint
CREATE POLICY customers_update ON crm.customers FOR UPDATE
  USING (team_id = crm.crm_team() AND (crm.crm_is_manager() OR owner = session_user))
  WITH CHECK (team_id = crm.crm_team() AND (crm.crm_is_manager() OR owner = session_user));
--> statement-breakpoint
CREATE POLICY customers_delete ON crm.customers FOR DELETE
  USING (team_id = crm.crm_team() AND (crm.crm_is_manager() OR owner = session_user));
--> statement-breakpoint
CREATE POLICY customer_interactions_read ON crm.customer_interactions FOR SELECT
  USING (team_id = crm.crm_team());
--> statement-breakpoint
CREATE POLICY customer_interactions_insert ON crm.customer_interactions FOR INSERT
  WITH CHECK (team_id = crm.crm_team());
--> statement-breakpoint
-- Visible to UPDATE so that the immutability trigger answers with an error, not "0 rows".
CREATE POLICY customer_interactions_update ON crm.customer_interactions FOR UPDATE
  USING (team_id = crm.crm_team());
--> statement-breakpoint
-- Deleting interactions (archive) is for managers and the owner of the customer.
CREATE POLICY customer_interactions_delete ON crm.customer_interactions FOR DELETE
  USING (team_id = crm.crm_team() AND (crm.crm_is_manager() OR EXISTS (
    SELECT 1 FROM crm.customers c WHERE c.id = customer_id AND c.owner = session_user)));
--> statement-breakpoint
CREATE POLICY audit_log_read ON crm.audit_log FOR SELECT USING (team_id = crm.crm_team());
--> statement-breakpoint

-- The schema version, as `crm db status` shows it: the number of migrations applied.
CREATE VIEW crm.schema_version AS
  SELECT count(*)::integer AS version FROM drizzle.__drizzle_migrations;
--> statement-breakpoint

-- Team administration. The admin is the schema's owner (or a superuser); a manager
-- administers their own team. Members are existing login roles (CREATE ROLE is the DBA's);
-- they get exactly the grants below, and never ownership.
CREATE FUNCTION crm.crm_is_admin() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT pg_has_role(session_user, (SELECT nspowner FROM pg_namespace WHERE nspname = 'crm'), 'USAGE') $$;
--> statement-breakpoint
CREATE FUNCTION crm.crm_create_team(team_name text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  created text;
BEGIN
  IF NOT crm.crm_is_admin() THEN
    RAISE EXCEPTION 'only the owner of schema crm can create a team' USING ERRCODE = 'insufficient_privilege';
  END IF;
  INSERT INTO crm.teams (name) VALUES (team_name) RETURNING id INTO created;
  RETURN created;
END
$$;
--> statement-breakpoint
-- The team an admin or manager administers: a manager's own; for the admin the one named,
-- or the only team there is.
CREATE FUNCTION crm.crm_administered_team(team_name text) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  found text;
BEGIN
  IF crm.crm_is_admin() THEN
    IF team_name IS NULL THEN
      IF (SELECT count(*) FROM crm.teams) <> 1 THEN
        RAISE EXCEPTION 'name the team: this server holds % teams', (SELECT count(*) FROM crm.teams)
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
      SELECT id INTO found FROM crm.teams;
    ELSE
      SELECT id INTO found FROM crm.teams WHERE name = team_name;
      IF found IS NULL THEN
        RAISE EXCEPTION 'no team named %', team_name USING ERRCODE = 'invalid_parameter_value';
      END IF;
    END IF;
    RETURN found;
  END IF;
  IF crm.crm_is_manager() AND (team_name IS NULL OR team_name = (SELECT name FROM crm.teams WHERE id = crm.crm_team())) THEN
    RETURN crm.crm_team();
  END IF;
  RAISE EXCEPTION 'only a manager of the team (or the owner of schema crm) can manage its members'
    USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
CREATE FUNCTION crm.crm_team_add(login text, manager boolean DEFAULT false, team_name text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  team text := crm.crm_administered_team(team_name);
  member pg_roles;
BEGIN
  SELECT * INTO member FROM pg_roles WHERE rolname = login;
  IF member.rolname IS NULL THEN
    RAISE EXCEPTION 'no role named % on this server: create it first (CREATE ROLE % LOGIN)', login, login
      USING ERRCODE = 'undefined_object';
  END IF;
  IF member.rolsuper OR member.rolbypassrls
    OR pg_has_role(login, (SELECT nspowner FROM pg_namespace WHERE nspname = 'crm'), 'USAGE') THEN
    RAISE EXCEPTION 'role % bypasses row-level security (superuser, BYPASSRLS or owner of the schema) and cannot be a member', login
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF EXISTS (SELECT 1 FROM crm.team_members m WHERE m.login = crm_team_add.login AND m.team_id <> team) THEN
    RAISE EXCEPTION 'role % is a member of another team', login USING ERRCODE = 'unique_violation';
  END IF;
  INSERT INTO crm.team_members (login, team_id, is_manager) VALUES (login, team, manager)
    ON CONFLICT ON CONSTRAINT team_members_pkey DO UPDATE SET is_manager = EXCLUDED.is_manager;
  EXECUTE format('GRANT USAGE ON SCHEMA crm TO %I', login);
  EXECUTE format('GRANT SELECT ON crm.teams, crm.team_members, crm.audit_log, crm.schema_version TO %I', login);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON crm.products, crm.customers, crm.customer_interactions TO %I', login);
END
$$;
--> statement-breakpoint
CREATE FUNCTION crm.crm_team_remove(login text, team_name text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  team text := crm.crm_administered_team(team_name);
BEGIN
  DELETE FROM crm.team_members m WHERE m.login = crm_team_remove.login AND m.team_id = team;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'role % is not a member of this team', login USING ERRCODE = 'undefined_object';
  END IF;
  EXECUTE format('REVOKE ALL ON crm.teams, crm.team_members, crm.audit_log, crm.schema_version, crm.products, crm.customers, crm.customer_interactions FROM %I', login);
  EXECUTE format('REVOKE USAGE ON SCHEMA crm FROM %I', login);
END
$$;
--> statement-breakpoint
-- `crm db prune-audit` in team mode: a manager deletes the team's entries older than
-- `before`, and the deletion itself is recorded.
CREATE FUNCTION crm.crm_prune_audit(before timestamptz) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  team text := crm.crm_team();
  deleted bigint;
BEGIN
  IF NOT crm.crm_is_manager() THEN
    RAISE EXCEPTION 'only a manager can prune the audit log' USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM set_config('crm.prune_before', before::text, true);
  DELETE FROM crm.audit_log WHERE team_id = team AND created_at < before;
  GET DIAGNOSTICS deleted = ROW_COUNT;
  PERFORM set_config('crm.prune_before', '', true);
  INSERT INTO crm.audit_log (team_id, table_name, record_id, action, old_values, new_values, actor, created_at)
  VALUES (team, 'audit_log', NULL, 'prune', NULL,
    json_build_object('before', crm.crm_iso(before), 'deleted', deleted)::text, session_user, now());
  RETURN deleted;
END
$$;
--> statement-breakpoint
-- `crm history`: a customer's entries and those of its interactions (deleted ones included),
-- by the same expression as auditCustomerKey() in src/db/schema.ts.
CREATE INDEX audit_log_customer_idx ON crm.audit_log ((CASE table_name
  WHEN 'customers' THEN record_id
  WHEN 'customer_interactions' THEN coalesce(new_values, old_values)::json ->> 'customer_id'
END));
