-- customer_counts: how many customers there are per archived flag, status, product and
-- owner, kept by triggers so that `crm pipeline` and a customer list's total add up a few
-- rows instead of reading an index entry per customer (a million entries took ~100 ms).
-- Every filter those counts take (status, product, owner, archived) is a column of the key,
-- so any combination is a sum over rows. A table of its own: maintaining it must not fire the
-- customers audit and updated_at triggers (0003, 0005). Groups that reach 0 are deleted, so
-- the table holds exactly what a GROUP BY of the customers gives (`crm db check` compares).
CREATE TABLE `customer_counts` (
  `is_archived` integer NOT NULL,
  `status` text NOT NULL,
  `product_id` text,
  `owner` text,
  `n` integer NOT NULL
);
--> statement-breakpoint
-- NULL (no product, no owner) must be a group of its own, yet UNIQUE lets NULLs repeat. An
-- integer 0 stands for it in the key: the text columns never hold an integer, so it cannot
-- be mistaken for an owner or product named '' or '0'.
CREATE UNIQUE INDEX `customer_counts_key_idx` ON `customer_counts` (`is_archived`, `status`, coalesce(`product_id`, 0), coalesce(`owner`, 0));
--> statement-breakpoint
INSERT INTO `customer_counts` (`is_archived`, `status`, `product_id`, `owner`, `n`)
SELECT `is_archived`, `status`, `product_id`, `owner`, count(*) FROM `customers`
GROUP BY `is_archived`, `status`, `product_id`, `owner`;
--> statement-breakpoint
-- An INSERT OR REPLACE of a customer would remove the old row without the delete trigger, but
-- 0007 refuses it outside crm and crm never writes it; crm's upserts fire the update trigger.
CREATE TRIGGER `customer_counts_on_insert`
AFTER INSERT ON `customers`
BEGIN
  INSERT INTO `customer_counts` (`is_archived`, `status`, `product_id`, `owner`, `n`)
  VALUES (NEW.`is_archived`, NEW.`status`, NEW.`product_id`, NEW.`owner`, 1)
  ON CONFLICT (`is_archived`, `status`, coalesce(`product_id`, 0), coalesce(`owner`, 0)) DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `customer_counts_on_delete`
AFTER DELETE ON `customers`
BEGIN
  UPDATE `customer_counts` SET `n` = `n` - 1
  WHERE `is_archived` = OLD.`is_archived` AND `status` = OLD.`status`
    AND coalesce(`product_id`, 0) = coalesce(OLD.`product_id`, 0) AND coalesce(`owner`, 0) = coalesce(OLD.`owner`, 0);
  DELETE FROM `customer_counts`
  WHERE `is_archived` = OLD.`is_archived` AND `status` = OLD.`status`
    AND coalesce(`product_id`, 0) = coalesce(OLD.`product_id`, 0) AND coalesce(`owner`, 0) = coalesce(OLD.`owner`, 0)
    AND `n` <= 0;
END;
--> statement-breakpoint
-- Also runs when a product's delete unlinks its customers (the foreign key's SET NULL or, with
-- foreign keys off, products_delete_unlinks_customers of 0004) and when a product's id changes.
-- An id change of the customer itself moves no count.
CREATE TRIGGER `customer_counts_on_update`
AFTER UPDATE OF `is_archived`, `status`, `product_id`, `owner` ON `customers`
WHEN NEW.`is_archived` IS NOT OLD.`is_archived` OR NEW.`status` IS NOT OLD.`status`
  OR NEW.`product_id` IS NOT OLD.`product_id` OR NEW.`owner` IS NOT OLD.`owner`
BEGIN
  UPDATE `customer_counts` SET `n` = `n` - 1
  WHERE `is_archived` = OLD.`is_archived` AND `status` = OLD.`status`
    AND coalesce(`product_id`, 0) = coalesce(OLD.`product_id`, 0) AND coalesce(`owner`, 0) = coalesce(OLD.`owner`, 0);
  DELETE FROM `customer_counts`
  WHERE `is_archived` = OLD.`is_archived` AND `status` = OLD.`status`
    AND coalesce(`product_id`, 0) = coalesce(OLD.`product_id`, 0) AND coalesce(`owner`, 0) = coalesce(OLD.`owner`, 0)
    AND `n` <= 0;
  INSERT INTO `customer_counts` (`is_archived`, `status`, `product_id`, `owner`, `n`)
  VALUES (NEW.`is_archived`, NEW.`status`, NEW.`product_id`, NEW.`owner`, 1)
  ON CONFLICT (`is_archived`, `status`, coalesce(`product_id`, 0), coalesce(`owner`, 0)) DO UPDATE SET `n` = `n` + 1;
END;
