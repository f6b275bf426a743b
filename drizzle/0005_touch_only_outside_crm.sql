-- The touch triggers (0001) gave an UPDATE that left updated_at alone SQLite's wall-clock
-- time. crm always sets updated_at itself, from its own clock, but when that clock had not
-- moved since the row's last write (a test clock, two edits in one millisecond) the UPDATE
-- left the value equal, the touch fired and stored a time crm neither chose nor printed.
-- crm's writes are the ones that fill audit_context (src/db/connection.ts), so the touch now
-- fires only when it is empty: for writers outside crm (the sqlite3 shell, cron scripts).
--
-- The audit update triggers (0003) are tied to the touch: they log the updated_at the touch
-- is about to write, and skip the touch's own UPDATE. Both now apply only where the touch
-- can fire, so a crm write is logged with the updated_at it stored, once.
DROP TRIGGER IF EXISTS `products_touch_updated_at`;
--> statement-breakpoint
CREATE TRIGGER `products_touch_updated_at`
AFTER UPDATE ON `products`
WHEN NEW.`updated_at` IS OLD.`updated_at` AND NOT EXISTS (SELECT 1 FROM `audit_context`)
BEGIN
  UPDATE `products` SET `updated_at` = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `customers_touch_updated_at`;
--> statement-breakpoint
CREATE TRIGGER `customers_touch_updated_at`
AFTER UPDATE ON `customers`
WHEN NEW.`updated_at` IS OLD.`updated_at` AND NOT EXISTS (SELECT 1 FROM `audit_context`)
BEGIN
  UPDATE `customers` SET `updated_at` = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `products_audit_update`;
--> statement-breakpoint
CREATE TRIGGER `products_audit_update`
AFTER UPDATE ON `products`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
  AND NOT (
    NOT EXISTS (SELECT 1 FROM `audit_context`)
    AND NEW.`updated_at` = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    AND NEW.`id` IS OLD.`id` AND NEW.`name` IS OLD.`name` AND NEW.`description` IS OLD.`description` AND NEW.`is_active` IS OLD.`is_active` AND NEW.`created_at` IS OLD.`created_at`
  )
BEGIN
  INSERT INTO `audit_log` (`table_name`, `record_id`, `action`, `old_values`, `new_values`, `actor`, `created_at`)
  VALUES (
    'products', NEW.`id`, 'update',
    json_object(
      'id', OLD.`id`,
      'name', OLD.`name`,
      'description', OLD.`description`,
      'is_active', json(CASE WHEN OLD.`is_active` THEN 'true' ELSE 'false' END),
      'created_at', OLD.`created_at`,
      'updated_at', OLD.`updated_at`
    ),
    json_object(
      'id', NEW.`id`,
      'name', NEW.`name`,
      'description', NEW.`description`,
      'is_active', json(CASE WHEN NEW.`is_active` THEN 'true' ELSE 'false' END),
      'created_at', NEW.`created_at`,
      'updated_at', CASE WHEN NEW.`updated_at` IS OLD.`updated_at` AND NOT EXISTS (SELECT 1 FROM `audit_context`) THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') ELSE NEW.`updated_at` END
    ),
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `customers_audit_update`;
--> statement-breakpoint
CREATE TRIGGER `customers_audit_update`
AFTER UPDATE ON `customers`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
  AND NOT (
    NOT EXISTS (SELECT 1 FROM `audit_context`)
    AND NEW.`updated_at` = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    AND NEW.`id` IS OLD.`id` AND NEW.`name` IS OLD.`name` AND NEW.`email` IS OLD.`email` AND NEW.`phone` IS OLD.`phone` AND NEW.`product_id` IS OLD.`product_id` AND NEW.`status` IS OLD.`status` AND NEW.`acquisition_source` IS OLD.`acquisition_source` AND NEW.`owner` IS OLD.`owner` AND NEW.`is_archived` IS OLD.`is_archived` AND NEW.`created_at` IS OLD.`created_at`
  )
BEGIN
  INSERT INTO `audit_log` (`table_name`, `record_id`, `action`, `old_values`, `new_values`, `actor`, `created_at`)
  VALUES (
    'customers', NEW.`id`, 'update',
    json_object(
      'id', OLD.`id`,
      'name', OLD.`name`,
      'email', OLD.`email`,
      'phone', OLD.`phone`,
      'product_id', OLD.`product_id`,
      'status', OLD.`status`,
      'acquisition_source', OLD.`acquisition_source`,
      'owner', OLD.`owner`,
      'is_archived', json(CASE WHEN OLD.`is_archived` THEN 'true' ELSE 'false' END),
      'created_at', OLD.`created_at`,
      'updated_at', OLD.`updated_at`
    ),
    json_object(
      'id', NEW.`id`,
      'name', NEW.`name`,
      'email', NEW.`email`,
      'phone', NEW.`phone`,
      'product_id', NEW.`product_id`,
      'status', NEW.`status`,
      'acquisition_source', NEW.`acquisition_source`,
      'owner', NEW.`owner`,
      'is_archived', json(CASE WHEN NEW.`is_archived` THEN 'true' ELSE 'false' END),
      'created_at', NEW.`created_at`,
      'updated_at', CASE WHEN NEW.`updated_at` IS OLD.`updated_at` AND NOT EXISTS (SELECT 1 FROM `audit_context`) THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') ELSE NEW.`updated_at` END
    ),
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END;
