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
--> statement-breakpoint
-- Every timestamp is stored in one canonical UTC form, 2026-12-01T04:00:00.000Z (what crm and
-- the column defaults write), so that text order is time order: `followups --until`, the
-- sort orders and the archive's cut-offs compare timestamps as text. The one other form is an
-- all-day follow-up, stored as its calendar day, 2026-12-20 (it sorts before the instants of
-- that UTC day; crm compares the two kinds separately).
--
-- Values written before in another form (the shell, an import that kept what the file said)
-- are converted first: SQLite's strftime reads offsets and `Z`, and reads a value without
-- either as UTC. Anything it cannot read is left as it was, never lost. The conversion runs
-- as a crm write (audit_context filled, summary mode) so the touch triggers leave updated_at
-- alone and the audit log gets no entry per row; interactions are immutable, so their rule is
-- lifted for the conversion and put back unchanged.
INSERT INTO `audit_context` (`id`, `actor`, `mode`) VALUES (1, 'crm migration 0007', 'summary');
--> statement-breakpoint
UPDATE `products` SET
  `created_at` = coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', `created_at`), `created_at`),
  `updated_at` = coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', `updated_at`), `updated_at`)
WHERE `created_at` IS NOT strftime('%Y-%m-%dT%H:%M:%fZ', `created_at`)
   OR `updated_at` IS NOT strftime('%Y-%m-%dT%H:%M:%fZ', `updated_at`);
--> statement-breakpoint
UPDATE `customers` SET
  `created_at` = coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', `created_at`), `created_at`),
  `updated_at` = coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', `updated_at`), `updated_at`)
WHERE `created_at` IS NOT strftime('%Y-%m-%dT%H:%M:%fZ', `created_at`)
   OR `updated_at` IS NOT strftime('%Y-%m-%dT%H:%M:%fZ', `updated_at`);
--> statement-breakpoint
DROP TRIGGER IF EXISTS `customer_interactions_immutable`;
--> statement-breakpoint
UPDATE `customer_interactions` SET
  `created_at` = coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', `created_at`), `created_at`),
  `follow_up_date` = CASE WHEN `follow_up_date` IS date(`follow_up_date`) THEN `follow_up_date`
    ELSE coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', `follow_up_date`), `follow_up_date`) END
WHERE `created_at` IS NOT strftime('%Y-%m-%dT%H:%M:%fZ', `created_at`)
   OR (`follow_up_date` IS NOT date(`follow_up_date`)
       AND `follow_up_date` IS NOT strftime('%Y-%m-%dT%H:%M:%fZ', `follow_up_date`));
--> statement-breakpoint
-- As in 0001.
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
--> statement-breakpoint
DELETE FROM `audit_context`;
--> statement-breakpoint
-- From now on a writer outside crm must write the canonical form; it is refused otherwise
-- (rather than rewritten, which for an immutable interaction would need an UPDATE). The
-- '+0 seconds' makes SQLite normalise the value, so an impossible day (30 February) differs.
CREATE TRIGGER `products_timestamps_canonical_insert`
BEFORE INSERT ON `products`
WHEN NEW.`created_at` IS NOT strftime('%Y-%m-%dT%H:%M:%fZ', NEW.`created_at`, '+0 seconds')
  OR NEW.`updated_at` IS NOT strftime('%Y-%m-%dT%H:%M:%fZ', NEW.`updated_at`, '+0 seconds')
BEGIN
  SELECT RAISE(ABORT, 'timestamps are stored in UTC as YYYY-MM-DDTHH:MM:SS.sssZ: write strftime(''%Y-%m-%dT%H:%M:%fZ'', value)');
END;
--> statement-breakpoint
CREATE TRIGGER `products_timestamps_canonical_update`
BEFORE UPDATE OF `created_at`, `updated_at` ON `products`
WHEN NEW.`created_at` IS NOT strftime('%Y-%m-%dT%H:%M:%fZ', NEW.`created_at`, '+0 seconds')
  OR NEW.`updated_at` IS NOT strftime('%Y-%m-%dT%H:%M:%fZ', NEW.`updated_at`, '+0 seconds')
BEGIN
  SELECT RAISE(ABORT, 'timestamps are stored in UTC as YYYY-MM-DDTHH:MM:SS.sssZ: write strftime(''%Y-%m-%dT%H:%M:%fZ'', value)');
END;
--> statement-breakpoint
CREATE TRIGGER `customers_timestamps_canonical_insert`
BEFORE INSERT ON `customers`
WHEN NEW.`created_at` IS NOT strftime('%Y-%m-%dT%H:%M:%fZ', NEW.`created_at`, '+0 seconds')
  OR NEW.`updated_at` IS NOT strftime('%Y-%m-%dT%H:%M:%fZ', NEW.`updated_at`, '+0 seconds')
BEGIN
  SELECT RAISE(ABORT, 'timestamps are stored in UTC as YYYY-MM-DDTHH:MM:SS.sssZ: write strftime(''%Y-%m-%dT%H:%M:%fZ'', value)');
END;
--> statement-breakpoint
CREATE TRIGGER `customers_timestamps_canonical_update`
BEFORE UPDATE OF `created_at`, `updated_at` ON `customers`
WHEN NEW.`created_at` IS NOT strftime('%Y-%m-%dT%H:%M:%fZ', NEW.`created_at`, '+0 seconds')
  OR NEW.`updated_at` IS NOT strftime('%Y-%m-%dT%H:%M:%fZ', NEW.`updated_at`, '+0 seconds')
BEGIN
  SELECT RAISE(ABORT, 'timestamps are stored in UTC as YYYY-MM-DDTHH:MM:SS.sssZ: write strftime(''%Y-%m-%dT%H:%M:%fZ'', value)');
END;
--> statement-breakpoint
CREATE TRIGGER `customer_interactions_timestamps_canonical`
BEFORE INSERT ON `customer_interactions`
WHEN NEW.`created_at` IS NOT strftime('%Y-%m-%dT%H:%M:%fZ', NEW.`created_at`, '+0 seconds')
  OR (NEW.`follow_up_date` IS NOT date(NEW.`follow_up_date`, '+0 days')
      AND NEW.`follow_up_date` IS NOT strftime('%Y-%m-%dT%H:%M:%fZ', NEW.`follow_up_date`, '+0 seconds'))
BEGIN
  SELECT RAISE(ABORT, 'timestamps are stored in UTC as YYYY-MM-DDTHH:MM:SS.sssZ (a follow-up may also be a day, YYYY-MM-DD): write strftime(''%Y-%m-%dT%H:%M:%fZ'', value)');
END;
