-- As SQLite's drizzle/0005: the touch trigger (0001) stamped the server's time on every UPDATE
-- that left updated_at as it was, crm's own included. crm always sets updated_at itself, from
-- its clock; when that clock had not moved since the row's last write (two edits in one
-- millisecond, a restore of a row whose updated_at the file repeats, a test clock) the value
-- stayed equal, the touch fired, and the row got a time crm neither chose nor printed — and
-- an export no longer matched the file it was restored from. crm's writes run inside a change
-- set (crm.change_set, set by crm_begin_change_set, 0004), so the touch now fires only outside
-- one: for psql and scripts. A member who sets crm.change_set by hand only keeps an updated_at
-- they could have written themselves (SET updated_at = ...), so nothing is forged by it.
CREATE OR REPLACE FUNCTION crm.crm_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at
     AND coalesce(current_setting('crm.change_set', true), '') = '' THEN
    NEW.updated_at := statement_timestamp();
  END IF;
  RETURN NEW;
END
$$;
