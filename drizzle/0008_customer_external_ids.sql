CREATE TABLE `customer_external_ids` (
	`source` text NOT NULL,
	`external_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	PRIMARY KEY(`source`, `external_id`),
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE cascade ON DELETE cascade,
	CONSTRAINT "customer_external_ids_not_blank" CHECK(length(trim("customer_external_ids"."source")) > 0 AND length(trim("customer_external_ids"."external_id")) > 0)
);
--> statement-breakpoint
CREATE INDEX `customer_external_ids_customer_id_idx` ON `customer_external_ids` (`customer_id`);--> statement-breakpoint
-- The foreign key's checks and actions, for writers that leave foreign keys off (the sqlite3
-- shell by default), as 0004 does for the other relations.
CREATE TRIGGER `customer_external_ids_customer_exists_insert`
BEFORE INSERT ON `customer_external_ids`
WHEN NOT EXISTS (SELECT 1 FROM `customers` WHERE `id` = NEW.`customer_id`)
BEGIN
  SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: customer_external_ids.customer_id names no customer');
END;
--> statement-breakpoint
CREATE TRIGGER `customer_external_ids_customer_exists_update`
BEFORE UPDATE OF `customer_id` ON `customer_external_ids`
WHEN NEW.`customer_id` IS NOT OLD.`customer_id`
  AND NOT EXISTS (SELECT 1 FROM `customers` WHERE `id` = NEW.`customer_id`)
BEGIN
  SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: customer_external_ids.customer_id names no customer');
END;
--> statement-breakpoint
CREATE TRIGGER `customers_delete_cascades_external_ids`
AFTER DELETE ON `customers`
BEGIN
  DELETE FROM `customer_external_ids` WHERE `customer_id` = OLD.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `customers_id_change_follows_external_ids`
AFTER UPDATE OF `id` ON `customers`
WHEN NEW.`id` IS NOT OLD.`id`
BEGIN
  UPDATE `customer_external_ids` SET `customer_id` = NEW.`id` WHERE `customer_id` = OLD.`id`;
END;
--> statement-breakpoint
-- Audited like the data tables (0003): the entry's record_id is the customer's id, so a
-- customer's history shows its external ids coming and going.
CREATE TRIGGER `customer_external_ids_audit_insert`
AFTER INSERT ON `customer_external_ids`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
BEGIN
  INSERT INTO `audit_log` (`table_name`, `record_id`, `action`, `old_values`, `new_values`, `actor`, `created_at`)
  VALUES (
    'customer_external_ids', NEW.`customer_id`, 'insert', NULL,
    json_object('source', NEW.`source`, 'external_id', NEW.`external_id`, 'customer_id', NEW.`customer_id`, 'created_at', NEW.`created_at`),
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END;
--> statement-breakpoint
CREATE TRIGGER `customer_external_ids_audit_update`
AFTER UPDATE ON `customer_external_ids`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
BEGIN
  INSERT INTO `audit_log` (`table_name`, `record_id`, `action`, `old_values`, `new_values`, `actor`, `created_at`)
  VALUES (
    'customer_external_ids', NEW.`customer_id`, 'update',
    json_object('source', OLD.`source`, 'external_id', OLD.`external_id`, 'customer_id', OLD.`customer_id`, 'created_at', OLD.`created_at`),
    json_object('source', NEW.`source`, 'external_id', NEW.`external_id`, 'customer_id', NEW.`customer_id`, 'created_at', NEW.`created_at`),
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END;
--> statement-breakpoint
CREATE TRIGGER `customer_external_ids_audit_delete`
AFTER DELETE ON `customer_external_ids`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
BEGIN
  INSERT INTO `audit_log` (`table_name`, `record_id`, `action`, `old_values`, `new_values`, `actor`, `created_at`)
  VALUES (
    'customer_external_ids', OLD.`customer_id`, 'delete',
    json_object('source', OLD.`source`, 'external_id', OLD.`external_id`, 'customer_id', OLD.`customer_id`, 'created_at', OLD.`created_at`),
    NULL,
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END;
