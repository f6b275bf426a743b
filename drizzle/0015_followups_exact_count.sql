-- Issue 10: `crm followups` counts its window exactly, from one index alone.
--
-- The count had to look up each follow-up's customer (archived customers are left out, and
-- `--owner` filters on the customer's owner), which on a million customers cost as much as
-- listing the window, so it stopped past 1,000. customer_activity now carries the customer's
-- archived flag and owner, kept by the triggers below from every write that can change them
-- (an interaction logged or removed, a customer archived, restored, given another owner or
-- another id), so that raw SQL keeps them right too; `crm db check` recomputes them.
-- customer_activity_pending_idx holds the active customers' pending follow-ups by date, with
-- the owner: a window's count (and its overdue ones, by date) is a range of that index,
-- without the table or the customers; a page walks it in order and seeks only the customers
-- it shows.
ALTER TABLE `customer_activity` ADD `is_archived` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE `customer_activity` ADD `owner` text;
--> statement-breakpoint
UPDATE `customer_activity` SET (`is_archived`, `owner`) = (
  SELECT c.`is_archived`, c.`owner` FROM `customers` AS c WHERE c.`id` = `customer_activity`.`customer_id`);
--> statement-breakpoint
DROP INDEX `customer_activity_follow_up_idx`;
--> statement-breakpoint
CREATE INDEX `customer_activity_pending_idx` ON `customer_activity` (`follow_up_date`, `owner`)
  WHERE `follow_up_date` IS NOT NULL AND `is_archived` = 0;
--> statement-breakpoint
-- 0009's triggers, each recomputing the customer's row from its latest interaction, now with
-- the customer's flag and owner (a seek on customers' primary key).
DROP TRIGGER `customer_activity_on_insert`;
--> statement-breakpoint
DROP TRIGGER `customer_activity_on_delete`;
--> statement-breakpoint
DROP TRIGGER `customer_activity_on_customer_change`;
--> statement-breakpoint
CREATE TRIGGER `customer_activity_on_insert`
AFTER INSERT ON `customer_interactions`
BEGIN
  INSERT OR REPLACE INTO `customer_activity` (`customer_id`, `last_interaction_id`, `last_interaction_at`, `follow_up_date`, `is_archived`, `owner`)
  SELECT i.`customer_id`, i.`id`, i.`created_at`, i.`follow_up_date`, coalesce(c.`is_archived`, 0), c.`owner`
  FROM `customer_interactions` AS i LEFT JOIN `customers` AS c ON c.`id` = i.`customer_id`
  WHERE i.`customer_id` = NEW.`customer_id` ORDER BY i.`created_at` DESC, i.`id` DESC LIMIT 1;
END;
--> statement-breakpoint
-- Also runs for each interaction a customer's delete cascades to (the foreign key or the
-- customers_delete_cascades_interactions trigger of 0004).
CREATE TRIGGER `customer_activity_on_delete`
AFTER DELETE ON `customer_interactions`
BEGIN
  DELETE FROM `customer_activity` WHERE `customer_id` = OLD.`customer_id`;
  INSERT INTO `customer_activity` (`customer_id`, `last_interaction_id`, `last_interaction_at`, `follow_up_date`, `is_archived`, `owner`)
  SELECT i.`customer_id`, i.`id`, i.`created_at`, i.`follow_up_date`, coalesce(c.`is_archived`, 0), c.`owner`
  FROM `customer_interactions` AS i LEFT JOIN `customers` AS c ON c.`id` = i.`customer_id`
  WHERE i.`customer_id` = OLD.`customer_id` ORDER BY i.`created_at` DESC, i.`id` DESC LIMIT 1;
END;
--> statement-breakpoint
-- The one update interactions allow: a customer's id change, cascaded to its interactions.
CREATE TRIGGER `customer_activity_on_customer_change`
AFTER UPDATE OF `customer_id` ON `customer_interactions`
WHEN NEW.`customer_id` IS NOT OLD.`customer_id`
BEGIN
  DELETE FROM `customer_activity` WHERE `customer_id` IN (OLD.`customer_id`, NEW.`customer_id`);
  INSERT INTO `customer_activity` (`customer_id`, `last_interaction_id`, `last_interaction_at`, `follow_up_date`, `is_archived`, `owner`)
  SELECT i.`customer_id`, i.`id`, i.`created_at`, i.`follow_up_date`, coalesce(c.`is_archived`, 0), c.`owner`
  FROM `customer_interactions` AS i LEFT JOIN `customers` AS c ON c.`id` = i.`customer_id`
  WHERE i.`customer_id` = OLD.`customer_id` ORDER BY i.`created_at` DESC, i.`id` DESC LIMIT 1;
  INSERT INTO `customer_activity` (`customer_id`, `last_interaction_id`, `last_interaction_at`, `follow_up_date`, `is_archived`, `owner`)
  SELECT i.`customer_id`, i.`id`, i.`created_at`, i.`follow_up_date`, coalesce(c.`is_archived`, 0), c.`owner`
  FROM `customer_interactions` AS i LEFT JOIN `customers` AS c ON c.`id` = i.`customer_id`
  WHERE i.`customer_id` = NEW.`customer_id` ORDER BY i.`created_at` DESC, i.`id` DESC LIMIT 1;
END;
--> statement-breakpoint
-- A customer archived, restored or given another owner: its row follows. Both ids, whichever
-- of this and the id change's cascade to the interactions (0004) runs first. A customer
-- inserted has no row yet: its first interaction writes it.
CREATE TRIGGER `customer_activity_on_customer_update`
AFTER UPDATE OF `id`, `is_archived`, `owner` ON `customers`
WHEN NEW.`is_archived` IS NOT OLD.`is_archived` OR NEW.`owner` IS NOT OLD.`owner` OR NEW.`id` IS NOT OLD.`id`
BEGIN
  UPDATE `customer_activity` SET `is_archived` = NEW.`is_archived`, `owner` = NEW.`owner`
  WHERE `customer_id` IN (OLD.`id`, NEW.`id`) AND (`is_archived` IS NOT NEW.`is_archived` OR `owner` IS NOT NEW.`owner`);
END;
