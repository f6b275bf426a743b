-- Interactions are deleted only with their customer, as on SQLite (customer_interactions_no_delete,
-- drizzle/0007_raw_sql_rules.sql): until now the delete policy let a manager, or a customer's
-- owner, delete any of its interactions from psql, past the immutability of the audit trail.
-- A delete passes when the customer is gone (the cascade of its delete, whose row is already
-- deleted when the cascade runs), when the team is gone (deleting a team cascades into every
-- table, in no set order), or inside crm.crm_delete_interactions below: crm's own deletes of
-- interactions alone (archive --interactions-older-than, undo of interaction log). As with
-- crm.moving_interactions (0004), the trigger runs as the caller and sees the owner of schema
-- crm only inside that function, so a member who sets crm.deleting_interactions is still refused;
-- the owner too is refused outside it (an unset setting counts as off, not as unknown).
CREATE FUNCTION crm.customer_interactions_no_delete() RETURNS trigger
LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM crm.customers WHERE id = OLD.customer_id)
    AND EXISTS (SELECT 1 FROM crm.teams WHERE id = OLD.team_id)
    AND NOT (coalesce(current_setting('crm.deleting_interactions', true), '') = 'on'
             AND (SELECT n.nspowner FROM pg_namespace AS n WHERE n.nspname = 'crm')
                 = (SELECT r.oid FROM pg_roles AS r WHERE r.rolname = current_user))
  THEN
    RAISE EXCEPTION 'interactions are immutable: an interaction is deleted only with its customer'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN OLD;
END
$$;
--> statement-breakpoint
CREATE TRIGGER customer_interactions_no_delete BEFORE DELETE ON crm.customer_interactions
  FOR EACH ROW EXECUTE FUNCTION crm.customer_interactions_no_delete();
--> statement-breakpoint
-- Deletes these interactions of the caller's team that the delete policy lets the caller delete
-- (a manager's, or those of customers the caller owns); returns how many it deleted.
CREATE FUNCTION crm.crm_delete_interactions(interaction_ids text[]) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  team text := crm.crm_team();
  manager boolean := crm.crm_is_manager();
  deleted integer;
BEGIN
  PERFORM set_config('crm.deleting_interactions', 'on', true);
  DELETE FROM crm.customer_interactions AS i
   WHERE i.id = ANY(interaction_ids) AND i.team_id = team
     AND (manager OR EXISTS (SELECT 1 FROM crm.customers AS c WHERE c.id = i.customer_id AND c.owner = session_user));
  GET DIAGNOSTICS deleted = ROW_COUNT;
  PERFORM set_config('crm.deleting_interactions', '', true);
  RETURN deleted;
END
$$;
