-- The rules for every statement form a raw writer (the sqlite3 shell, a script) can use.
--
-- REPLACE (INSERT OR REPLACE, REPLACE INTO, UPDATE OR REPLACE) resolves a uniqueness clash by
-- deleting the row in the way, and that delete fires no delete trigger unless the connection
-- set recursive_triggers, which the shell does not: a product vanished with its customers still
-- pointing at it, an immutable interaction was rewritten, and the audit log saw no delete.
-- A trigger cannot tell REPLACE from the other conflict clauses, so outside crm an INSERT of a
-- row whose id (or product name) exists is refused whatever its clause: the writer uses
-- UPDATE, which the rules and the audit log see. crm's own writes (audit_context filled, see
-- src/db/connection.ts) are let through, because its import relies on ON CONFLICT DO NOTHING and
-- its archive on ON CONFLICT DO UPDATE; crm never writes REPLACE into these tables.
-- UPDATE OR REPLACE is refused for every writer when it would land on another row's id or name.
ALTER TABLE `audit_context` ADD `may_delete_interactions` integer DEFAULT false NOT NULL;
--> statement-breakpoint
CREATE TRIGGER `products_insert_existing_id`
BEFORE INSERT ON `products`
WHEN NOT EXISTS (SELECT 1 FROM `audit_context`)
  AND EXISTS (SELECT 1 FROM `products` WHERE `id` = NEW.`id`)
BEGIN
  SELECT RAISE(ABORT, 'UNIQUE constraint failed: products.id (this product exists; change it with UPDATE: REPLACE and upserts are refused outside crm)');
END;
--> statement-breakpoint
CREATE TRIGGER `products_insert_existing_name`
BEFORE INSERT ON `products`
WHEN NOT EXISTS (SELECT 1 FROM `audit_context`)
  AND EXISTS (SELECT 1 FROM `products` WHERE lower(`name`) = lower(NEW.`name`) AND `id` IS NOT NEW.`id`)
BEGIN
  SELECT RAISE(ABORT, 'UNIQUE constraint failed: index ''products_name_unique_idx'' (a product has this name; REPLACE would delete it)');
END;
--> statement-breakpoint
CREATE TRIGGER `products_update_onto_existing`
BEFORE UPDATE OF `id`, `name` ON `products`
WHEN (NEW.`id` IS NOT OLD.`id` AND EXISTS (SELECT 1 FROM `products` WHERE `id` = NEW.`id`))
  OR (lower(NEW.`name`) IS NOT lower(OLD.`name`)
      AND EXISTS (SELECT 1 FROM `products` WHERE lower(`name`) = lower(NEW.`name`) AND `id` IS NOT OLD.`id`))
BEGIN
  SELECT RAISE(ABORT, 'UNIQUE constraint failed: products.id or index ''products_name_unique_idx'' (another product has this id or name; UPDATE OR REPLACE would delete it)');
END;
--> statement-breakpoint
CREATE TRIGGER `customers_insert_existing_id`
BEFORE INSERT ON `customers`
WHEN NOT EXISTS (SELECT 1 FROM `audit_context`)
  AND EXISTS (SELECT 1 FROM `customers` WHERE `id` = NEW.`id`)
BEGIN
  SELECT RAISE(ABORT, 'UNIQUE constraint failed: customers.id (this customer exists; change it with UPDATE: REPLACE and upserts are refused outside crm)');
END;
--> statement-breakpoint
CREATE TRIGGER `customers_update_onto_existing`
BEFORE UPDATE OF `id` ON `customers`
WHEN NEW.`id` IS NOT OLD.`id` AND EXISTS (SELECT 1 FROM `customers` WHERE `id` = NEW.`id`)
BEGIN
  SELECT RAISE(ABORT, 'UNIQUE constraint failed: customers.id (another customer has this id; UPDATE OR REPLACE would delete it)');
END;
--> statement-breakpoint
CREATE TRIGGER `customer_interactions_insert_existing_id`
BEFORE INSERT ON `customer_interactions`
WHEN NOT EXISTS (SELECT 1 FROM `audit_context`)
  AND EXISTS (SELECT 1 FROM `customer_interactions` WHERE `id` = NEW.`id`)
BEGIN
  SELECT RAISE(ABORT, 'interactions are immutable: an interaction with this id exists (REPLACE and upserts are refused)');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_log_insert_existing_id`
BEFORE INSERT ON `audit_log`
WHEN EXISTS (SELECT 1 FROM `audit_log` WHERE `id` = NEW.`id`)
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only: an entry with this id exists');
END;
--> statement-breakpoint
-- Interactions are a trail: one goes only with its customer (the customer row is gone by the
-- time the cascade, FK action or 0004 trigger, deletes its interactions), or when crm's
-- `archive --to` moves it into the archive file, which sets the permit in its own transaction
-- for that one statement (src/repositories/archive.ts). The row is emptied before commit.
CREATE TRIGGER `customer_interactions_no_delete`
BEFORE DELETE ON `customer_interactions`
WHEN EXISTS (SELECT 1 FROM `customers` WHERE `id` = OLD.`customer_id`)
  AND coalesce((SELECT `may_delete_interactions` FROM `audit_context`), 0) = 0
BEGIN
  SELECT RAISE(ABORT, 'interactions are immutable: an interaction is deleted only with its customer');
END;
