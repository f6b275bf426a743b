-- The audit trail, kept by SQLite itself so that writes from any program (crm, an import,
-- cron, the sqlite3 shell) and the rows a cascade deletes or nulls are all recorded.
-- How the triggers learn who writes: crm fills the one-row `audit_context` table at the
-- start of each of its write transactions and empties it before commit (see
-- src/db/connection.ts). SQLite serialises writers, so any other writer finds it empty and
-- is recorded with an empty actor. Main-schema triggers cannot read TEMP tables, hence a
-- real table.
--
-- The `*_touch_updated_at` triggers (0001) answer an UPDATE that leaves updated_at alone
-- with a second UPDATE that sets it. Logging both would show one edit as two entries, the
-- second with only updated_at changed. So the entry for the first UPDATE already shows the
-- updated_at the touch is about to write (SQLite's 'now' is fixed for the whole statement,
-- trigger programs included), and the touch's own UPDATE (every other column unchanged,
-- updated_at set to exactly 'now', or left there when the row was already touched in the
-- same millisecond) is not logged.
--
-- Per-row entries are skipped while a bulk writer has set audit_context.mode = 'summary';
-- it records one summary entry instead (src/db/audit.ts).
CREATE TRIGGER `products_audit_insert`
AFTER INSERT ON `products`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
BEGIN
  INSERT INTO `audit_log` (`table_name`, `record_id`, `action`, `old_values`, `new_values`, `actor`, `created_at`)
  VALUES (
    'products', NEW.`id`, 'insert', NULL,
    json_object(
      'id', NEW.`id`,
      'name', NEW.`name`,
      'description', NEW.`description`,
      'is_active', json(CASE WHEN NEW.`is_active` THEN 'true' ELSE 'false' END),
      'created_at', NEW.`created_at`,
      'updated_at', NEW.`updated_at`
    ),
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END;
--> statement-breakpoint
CREATE TRIGGER `products_audit_update`
AFTER UPDATE ON `products`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
  AND NOT (
    NEW.`updated_at` = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
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
      'updated_at', CASE WHEN NEW.`updated_at` IS OLD.`updated_at` THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') ELSE NEW.`updated_at` END
    ),
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END;
--> statement-breakpoint
CREATE TRIGGER `products_audit_delete`
AFTER DELETE ON `products`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
BEGIN
  INSERT INTO `audit_log` (`table_name`, `record_id`, `action`, `old_values`, `new_values`, `actor`, `created_at`)
  VALUES (
    'products', OLD.`id`, 'delete',
    json_object(
      'id', OLD.`id`,
      'name', OLD.`name`,
      'description', OLD.`description`,
      'is_active', json(CASE WHEN OLD.`is_active` THEN 'true' ELSE 'false' END),
      'created_at', OLD.`created_at`,
      'updated_at', OLD.`updated_at`
    ),
    NULL,
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END;
--> statement-breakpoint
CREATE TRIGGER `customers_audit_insert`
AFTER INSERT ON `customers`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
BEGIN
  INSERT INTO `audit_log` (`table_name`, `record_id`, `action`, `old_values`, `new_values`, `actor`, `created_at`)
  VALUES (
    'customers', NEW.`id`, 'insert', NULL,
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
      'updated_at', NEW.`updated_at`
    ),
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END;
--> statement-breakpoint
CREATE TRIGGER `customers_audit_update`
AFTER UPDATE ON `customers`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
  AND NOT (
    NEW.`updated_at` = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
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
      'updated_at', CASE WHEN NEW.`updated_at` IS OLD.`updated_at` THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') ELSE NEW.`updated_at` END
    ),
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END;
--> statement-breakpoint
CREATE TRIGGER `customers_audit_delete`
AFTER DELETE ON `customers`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
BEGIN
  INSERT INTO `audit_log` (`table_name`, `record_id`, `action`, `old_values`, `new_values`, `actor`, `created_at`)
  VALUES (
    'customers', OLD.`id`, 'delete',
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
    NULL,
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END;
--> statement-breakpoint
CREATE TRIGGER `customer_interactions_audit_insert`
AFTER INSERT ON `customer_interactions`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
BEGIN
  INSERT INTO `audit_log` (`table_name`, `record_id`, `action`, `old_values`, `new_values`, `actor`, `created_at`)
  VALUES (
    'customer_interactions', NEW.`id`, 'insert', NULL,
    json_object(
      'id', NEW.`id`,
      'customer_id', NEW.`customer_id`,
      'type', NEW.`type`,
      'channel', NEW.`channel`,
      'note', NEW.`note`,
      'follow_up_date', NEW.`follow_up_date`,
      'created_at', NEW.`created_at`
    ),
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END;
--> statement-breakpoint
CREATE TRIGGER `customer_interactions_audit_update`
AFTER UPDATE ON `customer_interactions`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
BEGIN
  INSERT INTO `audit_log` (`table_name`, `record_id`, `action`, `old_values`, `new_values`, `actor`, `created_at`)
  VALUES (
    'customer_interactions', NEW.`id`, 'update',
    json_object(
      'id', OLD.`id`,
      'customer_id', OLD.`customer_id`,
      'type', OLD.`type`,
      'channel', OLD.`channel`,
      'note', OLD.`note`,
      'follow_up_date', OLD.`follow_up_date`,
      'created_at', OLD.`created_at`
    ),
    json_object(
      'id', NEW.`id`,
      'customer_id', NEW.`customer_id`,
      'type', NEW.`type`,
      'channel', NEW.`channel`,
      'note', NEW.`note`,
      'follow_up_date', NEW.`follow_up_date`,
      'created_at', NEW.`created_at`
    ),
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END;
--> statement-breakpoint
CREATE TRIGGER `customer_interactions_audit_delete`
AFTER DELETE ON `customer_interactions`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
BEGIN
  INSERT INTO `audit_log` (`table_name`, `record_id`, `action`, `old_values`, `new_values`, `actor`, `created_at`)
  VALUES (
    'customer_interactions', OLD.`id`, 'delete',
    json_object(
      'id', OLD.`id`,
      'customer_id', OLD.`customer_id`,
      'type', OLD.`type`,
      'channel', OLD.`channel`,
      'note', OLD.`note`,
      'follow_up_date', OLD.`follow_up_date`,
      'created_at', OLD.`created_at`
    ),
    NULL,
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END;
--> statement-breakpoint
-- The log is append-only. Entries are removed only by `crm db prune-audit`, which sets
-- audit_context.prune_before inside its own transaction; then only entries older than that
-- instant may go. A plain `DELETE FROM audit_log` from the shell finds no such row and fails.
CREATE TRIGGER `audit_log_no_update`
BEFORE UPDATE ON `audit_log`
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be changed');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_log_no_delete`
BEFORE DELETE ON `audit_log`
WHEN OLD.`created_at` >= coalesce((SELECT `prune_before` FROM `audit_context`), '')
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only: entries are removed only by crm db prune-audit --before DATE');
END;
--> statement-breakpoint
-- The same expression as auditCustomerKey() in src/db/schema.ts (there because drizzle-kit
-- cannot write an expression index with commas in it); `crm history` queries by it.
CREATE INDEX `audit_log_customer_idx` ON `audit_log` ((CASE `table_name` WHEN 'customers' THEN `record_id` WHEN 'customer_interactions' THEN json_extract(coalesce(`new_values`, `old_values`), '$.customer_id') END));
