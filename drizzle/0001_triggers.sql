-- Business rules enforced by SQLite itself, so writes from the plain sqlite3 shell obey them too.
-- Kept in a custom migration because drizzle-kit table rebuilds drop a table's triggers;
-- `crm db check` and the test suite verify that every one of them exists.
CREATE TRIGGER `products_active_limit_insert`
BEFORE INSERT ON `products`
WHEN NEW.`is_active` = 1 AND (SELECT count(*) FROM `products` WHERE `is_active` = 1) >= 3
BEGIN
  SELECT RAISE(ABORT, 'active product limit: at most 3 products can be active');
END;
--> statement-breakpoint
CREATE TRIGGER `products_active_limit_update`
BEFORE UPDATE OF `is_active` ON `products`
WHEN NEW.`is_active` = 1 AND OLD.`is_active` = 0
  AND (SELECT count(*) FROM `products` WHERE `is_active` = 1) >= 3
BEGIN
  SELECT RAISE(ABORT, 'active product limit: at most 3 products can be active');
END;
--> statement-breakpoint
CREATE TRIGGER `products_touch_updated_at`
AFTER UPDATE ON `products`
WHEN NEW.`updated_at` IS OLD.`updated_at`
BEGIN
  UPDATE `products` SET `updated_at` = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `customers_touch_updated_at`
AFTER UPDATE ON `customers`
WHEN NEW.`updated_at` IS OLD.`updated_at`
BEGIN
  UPDATE `customers` SET `updated_at` = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
-- Interactions are an audit trail. The one update allowed is the ON UPDATE CASCADE of a
-- customer's id: by the time it runs, no customer has the old id any more, whereas a
-- hand-written UPDATE that moves an interaction to another customer leaves the old one in place.
CREATE TRIGGER `customer_interactions_immutable`
BEFORE UPDATE ON `customer_interactions`
WHEN NEW.`id` IS NOT OLD.`id`
  OR NEW.`type` IS NOT OLD.`type`
  OR NEW.`channel` IS NOT OLD.`channel`
  OR NEW.`note` IS NOT OLD.`note`
  OR NEW.`follow_up_date` IS NOT OLD.`follow_up_date`
  OR NEW.`created_at` IS NOT OLD.`created_at`
  OR (NEW.`customer_id` IS NOT OLD.`customer_id`
      AND EXISTS (SELECT 1 FROM `customers` WHERE `id` = OLD.`customer_id`))
BEGIN
  SELECT RAISE(ABORT, 'interactions are immutable: customer_interactions cannot be updated');
END;
