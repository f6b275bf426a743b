-- What `crm watch` and `crm history` need on a team's server.
--
-- `crm watch` reads the entries after the last id it has shown. Ids are handed out when a row
-- is written, not when its transaction commits: a member's long import can commit entries
-- with smaller ids than a quick edit committed meanwhile, and a watch that had moved past the
-- edit would never show them. This says up to which id the log is settled: the sequence's
-- last value, when no other transaction holds the lock an insert into the log takes (every id
-- up to that value was handed out to a transaction that has ended since); `settled` is false
-- while some other transaction may still commit entries. Read in that order, the sequence
-- first: an id handed out before the read belongs to a transaction that held the lock then.
-- SECURITY DEFINER: members may not read the sequence; what they learn is that someone
-- somewhere in this database is writing, and how many ids exist, which the ids they see tell.
CREATE FUNCTION crm.crm_audit_watermark(OUT last_id bigint, OUT settled boolean)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  SELECT CASE WHEN s.is_called THEN s.last_value ELSE 0 END INTO last_id FROM crm.audit_log_id_seq AS s;
  settled := NOT EXISTS (
    SELECT 1 FROM pg_locks AS l
     WHERE l.locktype = 'relation'
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND l.relation = 'crm.audit_log'::regclass
       AND l.mode = 'RowExclusiveLock'
       AND l.pid <> pg_backend_pid());
END
$$;
--> statement-breakpoint
-- As in 0001, and a notification like any change's, so that `crm watch` shows the prune's
-- own entry as SQLite's does.
CREATE OR REPLACE FUNCTION crm.crm_prune_audit(before timestamptz) RETURNS bigint
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
  PERFORM pg_notify('crm_changes', json_build_object('table', 'audit_log', 'op', 'prune', 'id', NULL)::text);
  RETURN deleted;
END
$$;
--> statement-breakpoint
-- `crm history`: the entries of these customers and of their interactions, through
-- audit_log_customer_idx. A member's own condition on that expression (a json cast) is not
-- LEAKPROOF, so under row-level security it could only filter the whole team's log after the
-- policy's check; run as the owner, with the policy's team filter written out, it is a seek.
CREATE FUNCTION crm.crm_audit_of_customers(customer_ids text[]) RETURNS SETOF crm.audit_log
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp ROWS 20
AS $$
  SELECT a.* FROM crm.audit_log AS a
  WHERE (CASE a.table_name
      WHEN 'customers' THEN a.record_id
      WHEN 'customer_interactions' THEN coalesce(a.new_values, a.old_values)::json ->> 'customer_id'
    END) = ANY($1)
    AND a.team_id = crm.crm_team()
$$;
