-- The foreign keys' actions (SET NULL, CASCADE) and checks only run on connections that set
-- PRAGMA foreign_keys = ON. crm always does, but the plain sqlite3 shell does not by default,
-- and the rules must hold for every writer of the file. These triggers do the same work;
-- when foreign keys are on, the FK actions have already done it and the triggers find nothing.
CREATE TRIGGER `customers_product_exists_insert`
BEFORE INSERT ON `customers`
WHEN NEW.`product_id` IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM `products` WHERE `id` = NEW.`product_id`)
BEGIN
  SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: customers.product_id names no product');
END;
--> statement-breakpoint
CREATE TRIGGER `customers_product_exists_update`
BEFORE UPDATE OF `product_id` ON `customers`
WHEN NEW.`product_id` IS NOT NULL AND NEW.`product_id` IS NOT OLD.`product_id`
  AND NOT EXISTS (SELECT 1 FROM `products` WHERE `id` = NEW.`product_id`)
BEGIN
  SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: customers.product_id names no product');
END;
--> statement-breakpoint
CREATE TRIGGER `customer_interactions_customer_exists`
BEFORE INSERT ON `customer_interactions`
WHEN NOT EXISTS (SELECT 1 FROM `customers` WHERE `id` = NEW.`customer_id`)
BEGIN
  SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: customer_interactions.customer_id names no customer');
END;
--> statement-breakpoint
CREATE TRIGGER `products_delete_unlinks_customers`
AFTER DELETE ON `products`
BEGIN
  UPDATE `customers` SET `product_id` = NULL WHERE `product_id` = OLD.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `products_id_change_follows_customers`
AFTER UPDATE OF `id` ON `products`
WHEN NEW.`id` IS NOT OLD.`id`
BEGIN
  UPDATE `customers` SET `product_id` = NEW.`id` WHERE `product_id` = OLD.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `customers_delete_cascades_interactions`
AFTER DELETE ON `customers`
BEGIN
  DELETE FROM `customer_interactions` WHERE `customer_id` = OLD.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `customers_id_change_follows_interactions`
AFTER UPDATE OF `id` ON `customers`
WHEN NEW.`id` IS NOT OLD.`id`
BEGIN
  UPDATE `customer_interactions` SET `customer_id` = NEW.`id` WHERE `customer_id` = OLD.`id`;
END;
