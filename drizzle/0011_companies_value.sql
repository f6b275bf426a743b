-- Companies, deal values and the settings that weigh them (issue 11).
--
-- Written by hand rather than generated: drizzle-kit would add the customers' CHECKs by
-- rebuilding the table, which drops its triggers and indexes (meta/0011_snapshot.json is
-- drizzle-kit's, so the next `npm run db:generate` starts from this schema). ALTER TABLE ADD
-- COLUMN keeps everything in place and costs nothing per row; migrations run with foreign
-- keys off, which lets a column with REFERENCES be added (its default is NULL anyway).
--
-- companies: as products, but without the active flag. Names are refs, unique ignoring case.
CREATE TABLE `companies` (
	`id` text PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))) NOT NULL,
	`name` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	CONSTRAINT "companies_name_not_blank" CHECK(length(trim("companies"."name")) > 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `companies_name_unique_idx` ON `companies` (lower(`name`));
--> statement-breakpoint
-- A customer's company; deleting the company leaves the customer, with none.
ALTER TABLE `customers` ADD `company_id` text REFERENCES `companies`(`id`) ON UPDATE cascade ON DELETE set null;
--> statement-breakpoint
-- The deal's value, exact: an integer count of the currency's minor units (cents; yen have
-- none), with its ISO 4217 code. Both or neither.
ALTER TABLE `customers` ADD `deal_value_minor` integer CONSTRAINT "customers_deal_value_valid" CHECK("deal_value_minor" IS NULL OR (typeof("deal_value_minor") = 'integer' AND "deal_value_minor" >= 0));
--> statement-breakpoint
ALTER TABLE `customers` ADD `deal_currency` text CONSTRAINT "customers_deal_currency_valid" CHECK(("deal_currency" IS NULL OR (length("deal_currency") = 3 AND "deal_currency" GLOB '[A-Z][A-Z][A-Z]')) AND ("deal_value_minor" IS NULL) = ("deal_currency" IS NULL));
--> statement-breakpoint
-- When crm last moved the customer to closed_won or closed_lost, for `pipeline --since`.
-- NULL while open, and for customers closed before this migration or by another program:
-- their updated_at stands in (customers_won_idx below).
ALTER TABLE `customers` ADD `closed_at` text;
--> statement-breakpoint
-- Only customers with a company: most have none, and an import of a million should not pay
-- for a million NULL entries. `company_id = ?` (the foreign key's actions, unlinking, a
-- company's people) implies the condition, so every lookup can use it.
CREATE INDEX `customers_company_id_idx` ON `customers` (`company_id`) WHERE `company_id` IS NOT NULL;
--> statement-breakpoint
-- `crm config`: settings that travel with the data. Only the keys crm knows, in canonical form.
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	CONSTRAINT "settings_value_valid" CHECK(("settings"."key" = 'currency' AND length("settings"."value") = 3 AND "settings"."value" GLOB '[A-Z][A-Z][A-Z]') OR ("settings"."key" IN ('stage.lead.probability', 'stage.qualified.probability', 'stage.proposal.probability', 'stage.negotiation.probability', 'stage.closed_won.probability', 'stage.closed_lost.probability') AND "settings"."value" GLOB '[01]*' AND "settings"."value" NOT GLOB '*[^0-9.]*' AND "settings"."value" NOT GLOB '*.*.*' AND CAST("settings"."value" AS REAL) BETWEEN 0 AND 1))
);
--> statement-breakpoint
-- The rules of products (0001, 0004, 0005, 0007) for companies.
CREATE TRIGGER `companies_touch_updated_at`
AFTER UPDATE ON `companies`
WHEN NEW.`updated_at` IS OLD.`updated_at` AND NOT EXISTS (SELECT 1 FROM `audit_context`)
BEGIN
  UPDATE `companies` SET `updated_at` = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `customers_company_exists_insert`
BEFORE INSERT ON `customers`
WHEN NEW.`company_id` IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM `companies` WHERE `id` = NEW.`company_id`)
BEGIN
  SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: customers.company_id names no company');
END;
--> statement-breakpoint
CREATE TRIGGER `customers_company_exists_update`
BEFORE UPDATE OF `company_id` ON `customers`
WHEN NEW.`company_id` IS NOT NULL AND NEW.`company_id` IS NOT OLD.`company_id`
  AND NOT EXISTS (SELECT 1 FROM `companies` WHERE `id` = NEW.`company_id`)
BEGIN
  SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: customers.company_id names no company');
END;
--> statement-breakpoint
CREATE TRIGGER `companies_delete_unlinks_customers`
AFTER DELETE ON `companies`
BEGIN
  UPDATE `customers` SET `company_id` = NULL WHERE `company_id` = OLD.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `companies_id_change_follows_customers`
AFTER UPDATE OF `id` ON `companies`
WHEN NEW.`id` IS NOT OLD.`id`
BEGIN
  UPDATE `customers` SET `company_id` = NEW.`id` WHERE `company_id` = OLD.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `companies_insert_existing_id`
BEFORE INSERT ON `companies`
WHEN NOT EXISTS (SELECT 1 FROM `audit_context`)
  AND EXISTS (SELECT 1 FROM `companies` WHERE `id` = NEW.`id`)
BEGIN
  SELECT RAISE(ABORT, 'UNIQUE constraint failed: companies.id (this company exists; change it with UPDATE: REPLACE and upserts are refused outside crm)');
END;
--> statement-breakpoint
CREATE TRIGGER `companies_insert_existing_name`
BEFORE INSERT ON `companies`
WHEN NOT EXISTS (SELECT 1 FROM `audit_context`)
  AND EXISTS (SELECT 1 FROM `companies` WHERE lower(`name`) = lower(NEW.`name`) AND `id` IS NOT NEW.`id`)
BEGIN
  SELECT RAISE(ABORT, 'UNIQUE constraint failed: index ''companies_name_unique_idx'' (a company has this name; REPLACE would delete it)');
END;
--> statement-breakpoint
CREATE TRIGGER `companies_update_onto_existing`
BEFORE UPDATE OF `id`, `name` ON `companies`
WHEN (NEW.`id` IS NOT OLD.`id` AND EXISTS (SELECT 1 FROM `companies` WHERE `id` = NEW.`id`))
  OR (lower(NEW.`name`) IS NOT lower(OLD.`name`)
      AND EXISTS (SELECT 1 FROM `companies` WHERE lower(`name`) = lower(NEW.`name`) AND `id` IS NOT OLD.`id`))
BEGIN
  SELECT RAISE(ABORT, 'UNIQUE constraint failed: companies.id or index ''companies_name_unique_idx'' (another company has this id or name; UPDATE OR REPLACE would delete it)');
END;
--> statement-breakpoint
CREATE TRIGGER `companies_timestamps_canonical_insert`
BEFORE INSERT ON `companies`
WHEN NEW.`created_at` IS NOT strftime('%Y-%m-%dT%H:%M:%fZ', NEW.`created_at`, '+0 seconds')
  OR NEW.`updated_at` IS NOT strftime('%Y-%m-%dT%H:%M:%fZ', NEW.`updated_at`, '+0 seconds')
BEGIN
  SELECT RAISE(ABORT, 'timestamps are stored in UTC as YYYY-MM-DDTHH:MM:SS.sssZ: write strftime(''%Y-%m-%dT%H:%M:%fZ'', value)');
END;
--> statement-breakpoint
CREATE TRIGGER `companies_timestamps_canonical_update`
BEFORE UPDATE OF `created_at`, `updated_at` ON `companies`
WHEN NEW.`created_at` IS NOT strftime('%Y-%m-%dT%H:%M:%fZ', NEW.`created_at`, '+0 seconds')
  OR NEW.`updated_at` IS NOT strftime('%Y-%m-%dT%H:%M:%fZ', NEW.`updated_at`, '+0 seconds')
BEGIN
  SELECT RAISE(ABORT, 'timestamps are stored in UTC as YYYY-MM-DDTHH:MM:SS.sssZ: write strftime(''%Y-%m-%dT%H:%M:%fZ'', value)');
END;
--> statement-breakpoint
CREATE TRIGGER `customers_closed_at_canonical_insert`
BEFORE INSERT ON `customers`
WHEN NEW.`closed_at` IS NOT NULL AND NEW.`closed_at` IS NOT strftime('%Y-%m-%dT%H:%M:%fZ', NEW.`closed_at`, '+0 seconds')
BEGIN
  SELECT RAISE(ABORT, 'timestamps are stored in UTC as YYYY-MM-DDTHH:MM:SS.sssZ: write strftime(''%Y-%m-%dT%H:%M:%fZ'', value)');
END;
--> statement-breakpoint
CREATE TRIGGER `customers_closed_at_canonical_update`
BEFORE UPDATE OF `closed_at` ON `customers`
WHEN NEW.`closed_at` IS NOT NULL AND NEW.`closed_at` IS NOT strftime('%Y-%m-%dT%H:%M:%fZ', NEW.`closed_at`, '+0 seconds')
BEGIN
  SELECT RAISE(ABORT, 'timestamps are stored in UTC as YYYY-MM-DDTHH:MM:SS.sssZ: write strftime(''%Y-%m-%dT%H:%M:%fZ'', value)');
END;
--> statement-breakpoint
-- Audited as products are (0003, 0005).
CREATE TRIGGER `companies_audit_insert`
AFTER INSERT ON `companies`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
BEGIN
  INSERT INTO `audit_log` (`table_name`, `record_id`, `action`, `old_values`, `new_values`, `actor`, `created_at`)
  VALUES (
    'companies', NEW.`id`, 'insert', NULL,
    json_object(
      'id', NEW.`id`,
      'name', NEW.`name`,
      'created_at', NEW.`created_at`,
      'updated_at', NEW.`updated_at`
    ),
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END;
--> statement-breakpoint
CREATE TRIGGER `companies_audit_update`
AFTER UPDATE ON `companies`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
  AND NOT (
    NOT EXISTS (SELECT 1 FROM `audit_context`)
    AND NEW.`updated_at` = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    AND NEW.`id` IS OLD.`id` AND NEW.`name` IS OLD.`name` AND NEW.`created_at` IS OLD.`created_at`
  )
BEGIN
  INSERT INTO `audit_log` (`table_name`, `record_id`, `action`, `old_values`, `new_values`, `actor`, `created_at`)
  VALUES (
    'companies', NEW.`id`, 'update',
    json_object(
      'id', OLD.`id`,
      'name', OLD.`name`,
      'created_at', OLD.`created_at`,
      'updated_at', OLD.`updated_at`
    ),
    json_object(
      'id', NEW.`id`,
      'name', NEW.`name`,
      'created_at', NEW.`created_at`,
      'updated_at', CASE WHEN NEW.`updated_at` IS OLD.`updated_at` AND NOT EXISTS (SELECT 1 FROM `audit_context`) THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') ELSE NEW.`updated_at` END
    ),
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END;
--> statement-breakpoint
CREATE TRIGGER `companies_audit_delete`
AFTER DELETE ON `companies`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
BEGIN
  INSERT INTO `audit_log` (`table_name`, `record_id`, `action`, `old_values`, `new_values`, `actor`, `created_at`)
  VALUES (
    'companies', OLD.`id`, 'delete',
    json_object(
      'id', OLD.`id`,
      'name', OLD.`name`,
      'created_at', OLD.`created_at`,
      'updated_at', OLD.`updated_at`
    ),
    NULL,
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END;
--> statement-breakpoint
-- The customers' audit entries show the new columns: the triggers of 0003/0005 again, with them.
DROP TRIGGER IF EXISTS `customers_audit_insert`;
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
      'updated_at', NEW.`updated_at`,
      'company_id', NEW.`company_id`,
      'deal_value_minor', NEW.`deal_value_minor`,
      'deal_currency', NEW.`deal_currency`,
      'closed_at', NEW.`closed_at`
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
    AND NEW.`id` IS OLD.`id` AND NEW.`name` IS OLD.`name` AND NEW.`email` IS OLD.`email` AND NEW.`phone` IS OLD.`phone` AND NEW.`product_id` IS OLD.`product_id` AND NEW.`status` IS OLD.`status` AND NEW.`acquisition_source` IS OLD.`acquisition_source` AND NEW.`owner` IS OLD.`owner` AND NEW.`is_archived` IS OLD.`is_archived` AND NEW.`created_at` IS OLD.`created_at` AND NEW.`company_id` IS OLD.`company_id` AND NEW.`deal_value_minor` IS OLD.`deal_value_minor` AND NEW.`deal_currency` IS OLD.`deal_currency` AND NEW.`closed_at` IS OLD.`closed_at`
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
      'updated_at', OLD.`updated_at`,
      'company_id', OLD.`company_id`,
      'deal_value_minor', OLD.`deal_value_minor`,
      'deal_currency', OLD.`deal_currency`,
      'closed_at', OLD.`closed_at`
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
      'updated_at', CASE WHEN NEW.`updated_at` IS OLD.`updated_at` AND NOT EXISTS (SELECT 1 FROM `audit_context`) THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') ELSE NEW.`updated_at` END,
      'company_id', NEW.`company_id`,
      'deal_value_minor', NEW.`deal_value_minor`,
      'deal_currency', NEW.`deal_currency`,
      'closed_at', NEW.`closed_at`
    ),
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `customers_audit_delete`;
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
      'updated_at', OLD.`updated_at`,
      'company_id', OLD.`company_id`,
      'deal_value_minor', OLD.`deal_value_minor`,
      'deal_currency', OLD.`deal_currency`,
      'closed_at', OLD.`closed_at`
    ),
    NULL,
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END;
--> statement-breakpoint
-- Settings are audited too (record_id is the key), touched like the other tables, and an
-- INSERT of a key that exists is refused outside crm (REPLACE would delete it unlogged).
CREATE TRIGGER `settings_touch_updated_at`
AFTER UPDATE ON `settings`
WHEN NEW.`updated_at` IS OLD.`updated_at` AND NOT EXISTS (SELECT 1 FROM `audit_context`)
BEGIN
  UPDATE `settings` SET `updated_at` = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE `key` = NEW.`key`;
END;
--> statement-breakpoint
CREATE TRIGGER `settings_insert_existing_key`
BEFORE INSERT ON `settings`
WHEN NOT EXISTS (SELECT 1 FROM `audit_context`)
  AND EXISTS (SELECT 1 FROM `settings` WHERE `key` = NEW.`key`)
BEGIN
  SELECT RAISE(ABORT, 'UNIQUE constraint failed: settings.key (this setting exists; change it with UPDATE or crm config set)');
END;
--> statement-breakpoint
CREATE TRIGGER `settings_audit_insert`
AFTER INSERT ON `settings`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
BEGIN
  INSERT INTO `audit_log` (`table_name`, `record_id`, `action`, `old_values`, `new_values`, `actor`, `created_at`)
  VALUES (
    'settings', NEW.`key`, 'insert', NULL,
    json_object('key', NEW.`key`, 'value', NEW.`value`, 'updated_at', NEW.`updated_at`),
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END;
--> statement-breakpoint
CREATE TRIGGER `settings_audit_update`
AFTER UPDATE ON `settings`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
  AND NOT (
    NOT EXISTS (SELECT 1 FROM `audit_context`)
    AND NEW.`updated_at` = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    AND NEW.`key` IS OLD.`key` AND NEW.`value` IS OLD.`value`
  )
BEGIN
  INSERT INTO `audit_log` (`table_name`, `record_id`, `action`, `old_values`, `new_values`, `actor`, `created_at`)
  VALUES (
    'settings', NEW.`key`, 'update',
    json_object('key', OLD.`key`, 'value', OLD.`value`, 'updated_at', OLD.`updated_at`),
    json_object('key', NEW.`key`, 'value', NEW.`value`, 'updated_at', CASE WHEN NEW.`updated_at` IS OLD.`updated_at` AND NOT EXISTS (SELECT 1 FROM `audit_context`) THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') ELSE NEW.`updated_at` END),
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END;
--> statement-breakpoint
CREATE TRIGGER `settings_audit_delete`
AFTER DELETE ON `settings`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
BEGIN
  INSERT INTO `audit_log` (`table_name`, `record_id`, `action`, `old_values`, `new_values`, `actor`, `created_at`)
  VALUES (
    'settings', OLD.`key`, 'delete',
    json_object('key', OLD.`key`, 'value', OLD.`value`, 'updated_at', OLD.`updated_at`),
    NULL,
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END;
--> statement-breakpoint
-- customer_values: the deal values per archived flag, status, product, owner and currency, kept
-- by triggers as customer_counts keeps the counts (0010), so that `crm pipeline` sums a few
-- rows for the value of each stage instead of reading every customer. Only customers with a
-- value are in it; groups that reach 0 customers are deleted, so the table is exactly a
-- GROUP BY of the customers (`crm db check` compares).
CREATE TABLE `customer_values` (
  `is_archived` integer NOT NULL,
  `status` text NOT NULL,
  `product_id` text,
  `owner` text,
  `deal_currency` text NOT NULL,
  `n` integer NOT NULL,
  `total_minor` integer NOT NULL
);
--> statement-breakpoint
-- The integer 0 stands for NULL in the key, as in customer_counts_key_idx.
CREATE UNIQUE INDEX `customer_values_key_idx` ON `customer_values` (`is_archived`, `status`, coalesce(`product_id`, 0), coalesce(`owner`, 0), `deal_currency`);
--> statement-breakpoint
CREATE TRIGGER `customer_values_on_insert`
AFTER INSERT ON `customers`
WHEN NEW.`deal_value_minor` IS NOT NULL
BEGIN
  INSERT INTO `customer_values` (`is_archived`, `status`, `product_id`, `owner`, `deal_currency`, `n`, `total_minor`)
  SELECT NEW.`is_archived`, NEW.`status`, NEW.`product_id`, NEW.`owner`, NEW.`deal_currency`, 1, NEW.`deal_value_minor`
  WHERE NEW.`deal_value_minor` IS NOT NULL
  ON CONFLICT (`is_archived`, `status`, coalesce(`product_id`, 0), coalesce(`owner`, 0), `deal_currency`)
  DO UPDATE SET `n` = `n` + 1, `total_minor` = `total_minor` + excluded.`total_minor`;
END;
--> statement-breakpoint
CREATE TRIGGER `customer_values_on_delete`
AFTER DELETE ON `customers`
WHEN OLD.`deal_value_minor` IS NOT NULL
BEGIN
  UPDATE `customer_values` SET `n` = `n` - 1, `total_minor` = `total_minor` - OLD.`deal_value_minor`
  WHERE `is_archived` = OLD.`is_archived` AND `status` = OLD.`status`
    AND coalesce(`product_id`, 0) = coalesce(OLD.`product_id`, 0) AND coalesce(`owner`, 0) = coalesce(OLD.`owner`, 0)
    AND `deal_currency` = OLD.`deal_currency`;
  DELETE FROM `customer_values`
  WHERE `is_archived` = OLD.`is_archived` AND `status` = OLD.`status`
    AND coalesce(`product_id`, 0) = coalesce(OLD.`product_id`, 0) AND coalesce(`owner`, 0) = coalesce(OLD.`owner`, 0)
    AND `deal_currency` = OLD.`deal_currency`
    AND `n` <= 0;
END;
--> statement-breakpoint
-- Also runs when a product's delete unlinks its customers (as customer_counts_on_update).
CREATE TRIGGER `customer_values_on_update`
AFTER UPDATE OF `is_archived`, `status`, `product_id`, `owner`, `deal_value_minor`, `deal_currency` ON `customers`
WHEN NEW.`is_archived` IS NOT OLD.`is_archived` OR NEW.`status` IS NOT OLD.`status`
  OR NEW.`product_id` IS NOT OLD.`product_id` OR NEW.`owner` IS NOT OLD.`owner`
  OR NEW.`deal_value_minor` IS NOT OLD.`deal_value_minor` OR NEW.`deal_currency` IS NOT OLD.`deal_currency`
BEGIN
  UPDATE `customer_values` SET `n` = `n` - 1, `total_minor` = `total_minor` - OLD.`deal_value_minor`
  WHERE OLD.`deal_value_minor` IS NOT NULL AND `is_archived` = OLD.`is_archived` AND `status` = OLD.`status`
    AND coalesce(`product_id`, 0) = coalesce(OLD.`product_id`, 0) AND coalesce(`owner`, 0) = coalesce(OLD.`owner`, 0)
    AND `deal_currency` = OLD.`deal_currency`;
  DELETE FROM `customer_values`
  WHERE `is_archived` = OLD.`is_archived` AND `status` = OLD.`status`
    AND coalesce(`product_id`, 0) = coalesce(OLD.`product_id`, 0) AND coalesce(`owner`, 0) = coalesce(OLD.`owner`, 0)
    AND `deal_currency` = OLD.`deal_currency`
    AND `n` <= 0;
  INSERT INTO `customer_values` (`is_archived`, `status`, `product_id`, `owner`, `deal_currency`, `n`, `total_minor`)
  SELECT NEW.`is_archived`, NEW.`status`, NEW.`product_id`, NEW.`owner`, NEW.`deal_currency`, 1, NEW.`deal_value_minor`
  WHERE NEW.`deal_value_minor` IS NOT NULL
  ON CONFLICT (`is_archived`, `status`, coalesce(`product_id`, 0), coalesce(`owner`, 0), `deal_currency`)
  DO UPDATE SET `n` = `n` + 1, `total_minor` = `total_minor` + excluded.`total_minor`;
END;
--> statement-breakpoint
-- Won customers by when they were won (closed_at, else updated_at), with what `pipeline
-- --since` sums and filters on, so the report reads this index alone. Status and the archived
-- flag lead although the index holds one value of each: with them the planner sees two
-- equalities and a range here, and prefers it to customers_pipeline_idx.
CREATE INDEX `customers_won_idx` ON `customers` (`status`, `is_archived`, coalesce(`closed_at`, `updated_at`), `deal_currency`, `deal_value_minor`, `product_id`, `owner`) WHERE `status` = 'closed_won' AND `is_archived` = 0;
