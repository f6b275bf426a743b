-- Issue 10: row-level security read the member's team once per row. Every policy compared
-- `team_id = crm.crm_team()`, and crm.crm_team() (like crm.crm_is_manager()) is a SECURITY
-- DEFINER function with a pinned search_path, which PostgreSQL never inlines: wherever the
-- policy was a filter rather than an index condition (an id prefix, a customer's interactions
-- and tags, each of the 1,001 customers a followups count seeks, every row an UPDATE or
-- DELETE visits) it called the function for each row. Written as a scalar subquery,
-- `(SELECT crm.crm_team())`, the planner evaluates it once per statement (an InitPlan) and
-- compares each row with its value, and an index on team_id can still seek it. Same rows,
-- same answers: both functions are STABLE, so their value cannot change within a statement.
--
-- Every policy of schema crm is rewritten from its own definition in the catalog, so that
-- none is forgotten; test/pg/policies.test.ts checks that every policy reads them this way,
-- which a policy added later must do too. The expressions are read back with only pg_catalog
-- on the search_path, so that every other name in them comes out schema-qualified.
DO $$
DECLARE
  policy record;
  -- A call not already inside a scalar subquery.
  call constant text := '(?<!SELECT )(crm\.crm_team|crm\.crm_is_manager)\(\)';
  path text := current_setting('search_path');
BEGIN
  PERFORM set_config('search_path', 'pg_catalog, pg_temp', true);
  FOR policy IN
    SELECT p.polname, c.relname, pg_get_expr(p.polqual, p.polrelid) AS qual, pg_get_expr(p.polwithcheck, p.polrelid) AS with_check
      FROM pg_policy AS p JOIN pg_class AS c ON c.oid = p.polrelid JOIN pg_namespace AS n ON n.oid = c.relnamespace
     WHERE n.nspname = 'crm'
  LOOP
    EXECUTE format('ALTER POLICY %I ON crm.%I', policy.polname, policy.relname)
      || coalesce(' USING (' || regexp_replace(policy.qual, call, '(SELECT \1())', 'g') || ')', '')
      || coalesce(' WITH CHECK (' || regexp_replace(policy.with_check, call, '(SELECT \1())', 'g') || ')', '');
  END LOOP;
  PERFORM set_config('search_path', path, true);
END
$$;
