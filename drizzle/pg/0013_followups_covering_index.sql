-- Issue 10: a page of `followups` and its capped count read customer_activity's date index in
-- order. With customer_id and last_interaction_id in the index, that read is index-only: the
-- count's first 1,001 rows of a window no longer visit the table (the planner read the whole
-- window by bitmap and sorted it rather than visit the table row by row), and the page seeks
-- each customer and interaction straight from the index entry. It replaces
-- customer_activity_follow_up_idx (0008), whose keys and predicate it repeats.
CREATE INDEX customer_activity_due_idx ON crm.customer_activity (team_id, follow_up_date)
  INCLUDE (customer_id, last_interaction_id) WHERE follow_up_date IS NOT NULL;
--> statement-breakpoint
DROP INDEX crm.customer_activity_follow_up_idx;
