-- What the daily commands need, kept current by SQLite itself so that they stay instant on a
-- million customers and stay right after writes from any program (see README, Performance).
--
-- customer_activity: each customer's latest interaction and the follow-up it leaves pending
-- ("the latest interaction's follow-up date, pending until a newer interaction is logged").
-- `crm followups` reads it through an index instead of finding every customer's latest
-- interaction per row. A table of its own, not columns of customers: maintaining it must not
-- fire the customers audit and updated_at triggers (0003, 0005). Every trigger recomputes the
-- customer's row from customer_interactions (a seek on its customer_id index), so an
-- INSERT OR REPLACE that removed a row without firing a delete trigger is still accounted for.
CREATE TABLE `customer_activity` (
  `customer_id` text PRIMARY KEY NOT NULL,
  `last_interaction_id` text NOT NULL,
  `last_interaction_at` text NOT NULL,
  `follow_up_date` text
);
--> statement-breakpoint
CREATE INDEX `customer_activity_follow_up_idx` ON `customer_activity` (`follow_up_date`) WHERE `follow_up_date` IS NOT NULL;
--> statement-breakpoint
INSERT INTO `customer_activity` (`customer_id`, `last_interaction_id`, `last_interaction_at`, `follow_up_date`)
SELECT `customer_id`, `id`, `created_at`, `follow_up_date` FROM (
  SELECT `customer_id`, `id`, `created_at`, `follow_up_date`,
    row_number() OVER (PARTITION BY `customer_id` ORDER BY `created_at` DESC, `id` DESC) AS `rank`
  FROM `customer_interactions`
) WHERE `rank` = 1;
--> statement-breakpoint
CREATE TRIGGER `customer_activity_on_insert`
AFTER INSERT ON `customer_interactions`
BEGIN
  INSERT OR REPLACE INTO `customer_activity` (`customer_id`, `last_interaction_id`, `last_interaction_at`, `follow_up_date`)
  SELECT `customer_id`, `id`, `created_at`, `follow_up_date` FROM `customer_interactions`
  WHERE `customer_id` = NEW.`customer_id` ORDER BY `created_at` DESC, `id` DESC LIMIT 1;
END;
--> statement-breakpoint
-- Also runs for each interaction a customer's delete cascades to (the foreign key or the
-- customers_delete_cascades_interactions trigger of 0004).
CREATE TRIGGER `customer_activity_on_delete`
AFTER DELETE ON `customer_interactions`
BEGIN
  DELETE FROM `customer_activity` WHERE `customer_id` = OLD.`customer_id`;
  INSERT INTO `customer_activity` (`customer_id`, `last_interaction_id`, `last_interaction_at`, `follow_up_date`)
  SELECT `customer_id`, `id`, `created_at`, `follow_up_date` FROM `customer_interactions`
  WHERE `customer_id` = OLD.`customer_id` ORDER BY `created_at` DESC, `id` DESC LIMIT 1;
END;
--> statement-breakpoint
-- The one update interactions allow: a customer's id change, cascaded to its interactions.
CREATE TRIGGER `customer_activity_on_customer_change`
AFTER UPDATE OF `customer_id` ON `customer_interactions`
WHEN NEW.`customer_id` IS NOT OLD.`customer_id`
BEGIN
  DELETE FROM `customer_activity` WHERE `customer_id` IN (OLD.`customer_id`, NEW.`customer_id`);
  INSERT INTO `customer_activity` (`customer_id`, `last_interaction_id`, `last_interaction_at`, `follow_up_date`)
  SELECT `customer_id`, `id`, `created_at`, `follow_up_date` FROM `customer_interactions`
  WHERE `customer_id` = OLD.`customer_id` ORDER BY `created_at` DESC, `id` DESC LIMIT 1;
  INSERT INTO `customer_activity` (`customer_id`, `last_interaction_id`, `last_interaction_at`, `follow_up_date`)
  SELECT `customer_id`, `id`, `created_at`, `follow_up_date` FROM `customer_interactions`
  WHERE `customer_id` = NEW.`customer_id` ORDER BY `created_at` DESC, `id` DESC LIMIT 1;
END;
--> statement-breakpoint
-- customer_name_folds: each customer's name folded as refs compare names (foldCase in
-- src/db/connection.ts: Unicode, not SQLite's ASCII-only lower()), indexed, so a ref by name
-- is a seek. A trigger cannot run that JavaScript, so the triggers record a new or renamed
-- customer with a NULL fold ("not folded yet") and crm fills every NULL fold at the end of
-- each of its own write transactions and after migrating. Lookups also match NULL-fold rows
-- by folding their names on the fly (an index seek to the NULLs), so a rename made with the
-- sqlite3 shell is found by its new name before crm next writes.
CREATE TABLE `customer_name_folds` (
  `customer_id` text PRIMARY KEY NOT NULL,
  `name_fold` text
);
--> statement-breakpoint
CREATE INDEX `customer_name_folds_fold_idx` ON `customer_name_folds` (`name_fold`);
--> statement-breakpoint
INSERT INTO `customer_name_folds` (`customer_id`, `name_fold`) SELECT `id`, NULL FROM `customers`;
--> statement-breakpoint
-- OR REPLACE: an INSERT OR REPLACE of a customer removes the old row without delete triggers.
CREATE TRIGGER `customer_name_folds_on_insert`
AFTER INSERT ON `customers`
BEGIN
  INSERT OR REPLACE INTO `customer_name_folds` (`customer_id`, `name_fold`) VALUES (NEW.`id`, NULL);
END;
--> statement-breakpoint
CREATE TRIGGER `customer_name_folds_on_update`
AFTER UPDATE OF `id`, `name` ON `customers`
WHEN NEW.`id` IS NOT OLD.`id` OR NEW.`name` IS NOT OLD.`name`
BEGIN
  DELETE FROM `customer_name_folds` WHERE `customer_id` = OLD.`id`;
  INSERT OR REPLACE INTO `customer_name_folds` (`customer_id`, `name_fold`) VALUES (NEW.`id`, NULL);
END;
--> statement-breakpoint
CREATE TRIGGER `customer_name_folds_on_delete`
AFTER DELETE ON `customers`
BEGIN
  DELETE FROM `customer_name_folds` WHERE `customer_id` = OLD.`id`;
END;
--> statement-breakpoint
-- The lists: each sort walks an index in order and stops at the page (LIMIT), the archived
-- flag first because every list filters on it.
CREATE INDEX `customers_created_idx` ON `customers` (`is_archived`, `created_at`, `id`);
--> statement-breakpoint
CREATE INDEX `customers_updated_idx` ON `customers` (`is_archived`, `updated_at`, `id`);
--> statement-breakpoint
CREATE INDEX `customers_name_idx` ON `customers` (`is_archived`, `name` COLLATE NOCASE, `id`);
--> statement-breakpoint
-- The pipeline order of statuses, as statusRank() in src/repositories/customer-queries.ts.
CREATE INDEX `customers_status_rank_idx` ON `customers` (`is_archived`, (CASE `status` WHEN 'lead' THEN 0 WHEN 'qualified' THEN 1 WHEN 'proposal' THEN 2 WHEN 'negotiation' THEN 3 WHEN 'closed_won' THEN 4 WHEN 'closed_lost' THEN 5 END), `created_at` DESC, `id` DESC);
--> statement-breakpoint
-- Counts (the pipeline, a list's total) read this index alone, without the table.
CREATE INDEX `customers_pipeline_idx` ON `customers` (`is_archived`, `status`, `product_id`, `owner`);
--> statement-breakpoint
-- The distinct owners, one seek each (DISTINCT_OWNERS in src/repositories/queries.ts).
CREATE INDEX `customers_owner_idx` ON `customers` (`owner`);
