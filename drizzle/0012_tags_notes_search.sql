-- Tags, a free note per customer, and one full-text index for `crm search` (issue 11).
--
-- customer_tags: labels per customer, unique per customer ignoring case. COLLATE NOCASE folds
-- ASCII letters only (a trigger cannot run crm's Unicode fold); crm itself folds every script
-- before it writes (a tag keeps the spelling it was first given), so only a writer outside
-- crm can store 'ÉTÉ' beside 'été'. The CHECK holds the rules of src/domain/tags.ts: trimmed,
-- 1 to 64 characters, no comma (tags are shown and exported joined by commas) and no control
-- character (no line break or tab). A rowid table: an export lists tags in the order added.
CREATE TABLE `customer_tags` (
	`customer_id` text NOT NULL,
	`tag` text NOT NULL COLLATE NOCASE,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	PRIMARY KEY(`customer_id`, `tag`),
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE cascade ON DELETE cascade,
	CONSTRAINT "customer_tags_tag_valid" CHECK(length("customer_tags"."tag") BETWEEN 1 AND 64 AND "customer_tags"."tag" = trim("customer_tags"."tag") AND "customer_tags"."tag" NOT GLOB ('*[,' || char(1) || '-' || char(31) || char(127) || ']*')),
	CONSTRAINT "customer_tags_created_at_canonical" CHECK("customer_tags"."created_at" IS strftime('%Y-%m-%dT%H:%M:%fZ', "customer_tags"."created_at", '+0 seconds'))
)
--> statement-breakpoint
-- `customer list --tag`, `tag list` and `tag rename` read a tag's customers through this.
CREATE INDEX `customer_tags_tag_idx` ON `customer_tags` (`tag`, `customer_id`)
--> statement-breakpoint
ALTER TABLE `audit_context` ADD `search_deferred` integer DEFAULT false NOT NULL
--> statement-breakpoint
ALTER TABLE `customers` ADD `note` text
--> statement-breakpoint
-- The foreign key's checks and actions for writers that leave foreign keys off, as 0004 and 0008.
CREATE TRIGGER `customer_tags_customer_exists_insert`
BEFORE INSERT ON `customer_tags`
WHEN NOT EXISTS (SELECT 1 FROM `customers` WHERE `id` = NEW.`customer_id`)
BEGIN
  SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: customer_tags.customer_id names no customer');
END
--> statement-breakpoint
CREATE TRIGGER `customer_tags_customer_exists_update`
BEFORE UPDATE OF `customer_id` ON `customer_tags`
WHEN NEW.`customer_id` IS NOT OLD.`customer_id`
  AND NOT EXISTS (SELECT 1 FROM `customers` WHERE `id` = NEW.`customer_id`)
BEGIN
  SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: customer_tags.customer_id names no customer');
END
--> statement-breakpoint
CREATE TRIGGER `customers_delete_cascades_tags`
AFTER DELETE ON `customers`
BEGIN
  DELETE FROM `customer_tags` WHERE `customer_id` = OLD.`id`;
END
--> statement-breakpoint
CREATE TRIGGER `customers_id_change_follows_tags`
AFTER UPDATE OF `id` ON `customers`
WHEN NEW.`id` IS NOT OLD.`id`
BEGIN
  UPDATE `customer_tags` SET `customer_id` = NEW.`id` WHERE `customer_id` = OLD.`id`;
END
--> statement-breakpoint
-- As 0007 for the other tables: outside crm, INSERT OR REPLACE of a tag the customer has would
-- delete the old row without its delete trigger (and audit entry); a plain INSERT of it fails
-- on the primary key anyway. crm's own writes (audit_context filled) use ON CONFLICT DO NOTHING.
CREATE TRIGGER `customer_tags_insert_existing`
BEFORE INSERT ON `customer_tags`
WHEN NOT EXISTS (SELECT 1 FROM `audit_context`)
  AND EXISTS (SELECT 1 FROM `customer_tags` WHERE `customer_id` = NEW.`customer_id` AND `tag` = NEW.`tag`)
BEGIN
  SELECT RAISE(ABORT, 'UNIQUE constraint failed: customer_tags.customer_id, customer_tags.tag (the customer has this tag, in some case; REPLACE and upserts are refused outside crm)');
END
--> statement-breakpoint
-- Audited like external ids (0008): record_id is the customer's id, so `crm history` shows a
-- customer's tags coming and going (audit_log_customer_idx below includes them), and a rename
-- is one update entry per customer that had the tag.
CREATE TRIGGER `customer_tags_audit_insert`
AFTER INSERT ON `customer_tags`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
BEGIN
  INSERT INTO `audit_log` (`table_name`, `record_id`, `action`, `old_values`, `new_values`, `actor`, `created_at`)
  VALUES (
    'customer_tags', NEW.`customer_id`, 'insert', NULL, json_object('customer_id', NEW.`customer_id`, 'tag', NEW.`tag`, 'created_at', NEW.`created_at`),
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END
--> statement-breakpoint
CREATE TRIGGER `customer_tags_audit_update`
AFTER UPDATE ON `customer_tags`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
BEGIN
  INSERT INTO `audit_log` (`table_name`, `record_id`, `action`, `old_values`, `new_values`, `actor`, `created_at`)
  VALUES (
    'customer_tags', NEW.`customer_id`, 'update', json_object('customer_id', OLD.`customer_id`, 'tag', OLD.`tag`, 'created_at', OLD.`created_at`), json_object('customer_id', NEW.`customer_id`, 'tag', NEW.`tag`, 'created_at', NEW.`created_at`),
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END
--> statement-breakpoint
CREATE TRIGGER `customer_tags_audit_delete`
AFTER DELETE ON `customer_tags`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
BEGIN
  INSERT INTO `audit_log` (`table_name`, `record_id`, `action`, `old_values`, `new_values`, `actor`, `created_at`)
  VALUES (
    'customer_tags', OLD.`customer_id`, 'delete', json_object('customer_id', OLD.`customer_id`, 'tag', OLD.`tag`, 'created_at', OLD.`created_at`), NULL,
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END
--> statement-breakpoint
-- The customers' audit triggers with the new note column, last as in the schema (after 0011's
-- company and deal columns) and in PostgreSQL's crm_audit_json. These and the tags' triggers
-- above are generated from the schema (src/db/audit-triggers.ts), as 0011's.
DROP TRIGGER IF EXISTS `customers_audit_insert`
--> statement-breakpoint
CREATE TRIGGER `customers_audit_insert`
AFTER INSERT ON `customers`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
BEGIN
  INSERT INTO `audit_log` (`table_name`, `record_id`, `action`, `old_values`, `new_values`, `actor`, `created_at`)
  VALUES (
    'customers', NEW.`id`, 'insert', NULL, json_object('id', NEW.`id`, 'name', NEW.`name`, 'email', NEW.`email`, 'phone', NEW.`phone`, 'product_id', NEW.`product_id`, 'status', NEW.`status`, 'acquisition_source', NEW.`acquisition_source`, 'owner', NEW.`owner`, 'is_archived', json(CASE WHEN NEW.`is_archived` THEN 'true' ELSE 'false' END), 'created_at', NEW.`created_at`, 'updated_at', NEW.`updated_at`, 'company_id', NEW.`company_id`, 'deal_value_minor', NEW.`deal_value_minor`, 'deal_currency', NEW.`deal_currency`, 'closed_at', NEW.`closed_at`, 'note', NEW.`note`),
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END
--> statement-breakpoint
DROP TRIGGER IF EXISTS `customers_audit_update`
--> statement-breakpoint
CREATE TRIGGER `customers_audit_update`
AFTER UPDATE ON `customers`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
  AND NOT (
    NOT EXISTS (SELECT 1 FROM `audit_context`)
    AND NEW.`updated_at` = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    AND NEW.`id` IS OLD.`id` AND NEW.`name` IS OLD.`name` AND NEW.`email` IS OLD.`email` AND NEW.`phone` IS OLD.`phone` AND NEW.`product_id` IS OLD.`product_id` AND NEW.`status` IS OLD.`status` AND NEW.`acquisition_source` IS OLD.`acquisition_source` AND NEW.`owner` IS OLD.`owner` AND NEW.`is_archived` IS OLD.`is_archived` AND NEW.`created_at` IS OLD.`created_at` AND NEW.`company_id` IS OLD.`company_id` AND NEW.`deal_value_minor` IS OLD.`deal_value_minor` AND NEW.`deal_currency` IS OLD.`deal_currency` AND NEW.`closed_at` IS OLD.`closed_at` AND NEW.`note` IS OLD.`note`
  )
BEGIN
  INSERT INTO `audit_log` (`table_name`, `record_id`, `action`, `old_values`, `new_values`, `actor`, `created_at`)
  VALUES (
    'customers', NEW.`id`, 'update', json_object('id', OLD.`id`, 'name', OLD.`name`, 'email', OLD.`email`, 'phone', OLD.`phone`, 'product_id', OLD.`product_id`, 'status', OLD.`status`, 'acquisition_source', OLD.`acquisition_source`, 'owner', OLD.`owner`, 'is_archived', json(CASE WHEN OLD.`is_archived` THEN 'true' ELSE 'false' END), 'created_at', OLD.`created_at`, 'updated_at', OLD.`updated_at`, 'company_id', OLD.`company_id`, 'deal_value_minor', OLD.`deal_value_minor`, 'deal_currency', OLD.`deal_currency`, 'closed_at', OLD.`closed_at`, 'note', OLD.`note`), json_object('id', NEW.`id`, 'name', NEW.`name`, 'email', NEW.`email`, 'phone', NEW.`phone`, 'product_id', NEW.`product_id`, 'status', NEW.`status`, 'acquisition_source', NEW.`acquisition_source`, 'owner', NEW.`owner`, 'is_archived', json(CASE WHEN NEW.`is_archived` THEN 'true' ELSE 'false' END), 'created_at', NEW.`created_at`, 'updated_at', CASE WHEN NEW.`updated_at` IS OLD.`updated_at` AND NOT EXISTS (SELECT 1 FROM `audit_context`) THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') ELSE NEW.`updated_at` END, 'company_id', NEW.`company_id`, 'deal_value_minor', NEW.`deal_value_minor`, 'deal_currency', NEW.`deal_currency`, 'closed_at', NEW.`closed_at`, 'note', NEW.`note`),
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END
--> statement-breakpoint
DROP TRIGGER IF EXISTS `customers_audit_delete`
--> statement-breakpoint
CREATE TRIGGER `customers_audit_delete`
AFTER DELETE ON `customers`
WHEN (SELECT `mode` FROM `audit_context`) IS NOT 'summary'
BEGIN
  INSERT INTO `audit_log` (`table_name`, `record_id`, `action`, `old_values`, `new_values`, `actor`, `created_at`)
  VALUES (
    'customers', OLD.`id`, 'delete', json_object('id', OLD.`id`, 'name', OLD.`name`, 'email', OLD.`email`, 'phone', OLD.`phone`, 'product_id', OLD.`product_id`, 'status', OLD.`status`, 'acquisition_source', OLD.`acquisition_source`, 'owner', OLD.`owner`, 'is_archived', json(CASE WHEN OLD.`is_archived` THEN 'true' ELSE 'false' END), 'created_at', OLD.`created_at`, 'updated_at', OLD.`updated_at`, 'company_id', OLD.`company_id`, 'deal_value_minor', OLD.`deal_value_minor`, 'deal_currency', OLD.`deal_currency`, 'closed_at', OLD.`closed_at`, 'note', OLD.`note`), NULL,
    coalesce((SELECT `actor` FROM `audit_context`), ''),
    coalesce((SELECT `at` FROM `audit_context`), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  );
END
--> statement-breakpoint
-- auditCustomerKey() in src/db/schema.ts, now with tags: `crm history` finds a customer's tag
-- entries through the same index as its own and its interactions'.
DROP INDEX IF EXISTS `audit_log_customer_idx`
--> statement-breakpoint
CREATE INDEX `audit_log_customer_idx` ON `audit_log` ((CASE `table_name` WHEN 'customers' THEN `record_id` WHEN 'customer_tags' THEN `record_id` WHEN 'customer_interactions' THEN json_extract(coalesce(`new_values`, `old_values`), '$.customer_id') END))
--> statement-breakpoint
-- The search index of `crm search`: one document per customer holding everything a search
-- may match, in columns that rank differently (src/repositories/sqlite/queries.ts): the name;
-- e-mail and phone (the phone's digits also run together, so 442079460000 finds
-- +44 20 7946 0000); tags; the customer's note; and every interaction's type and note. One
-- document per customer, so a search for several words finds a customer whose name has one
-- and an interaction the other, and FTS5 ranks customers directly.
-- Case- and accent-insensitive (unicode61 with remove_diacritics 2: `angstrom` finds
-- `Ångström`), words split at anything but letters and digits (an address is several words).
-- The text is indexed as src/domain/search.ts folds a search: the letters that carry no
-- separable accent (ø, ł, ß, æ...), which remove_diacritics leaves alone, are spelled out first.
-- It keeps its own copy of that text: a contentless or external-content index must be told a
-- document's old text exactly to remove it, which a trigger rebuilding it cannot promise, and
-- the sqlite3 shell installed beside crm (3.40) predates contentless_delete. The document's
-- rowid is its customer's rowid (stable: VACUUM keeps the rowids of a table with an index);
-- the customer's id rides along unindexed, so a search never trusts the rowid alone.
-- What a document holds is written out in each trigger below and in src/db/search-index.ts
-- (SEARCH_DOCUMENT), which `crm db check` compares the index with: a view would be shorter,
-- but a view naming customers makes SQLite refuse the table rebuilds drizzle-kit writes.
-- Built-in SQL only (no crm_fold): the sqlite3 shell must be able to fire these triggers.
CREATE VIRTUAL TABLE `customer_search` USING fts5(customer_id UNINDEXED, name, contact, tags, note, activity, tokenize = 'unicode61 remove_diacritics 2')
--> statement-breakpoint
-- The customers whose documents a bulk write (audit_context.search_deferred) left to rebuild;
-- crm rebuilds them and empties this before its transaction commits.
CREATE TABLE `customer_search_pending` (
  `customer_id` text PRIMARY KEY NOT NULL
) WITHOUT ROWID
--> statement-breakpoint
-- Every customer's document, as the triggers below write one.
INSERT INTO `customer_search` (`rowid`, `customer_id`, `name`, `contact`, `tags`, `note`, `activity`)
  SELECT c.`rowid`, c.`id`, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.`name`, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH'),
    coalesce(c.`email`, '') || ' ' || coalesce(c.`phone`, '') || coalesce(' ' || nullif(replace(replace(replace(replace(replace(replace(replace(c.`phone`, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', ''), '/', ''), c.`phone`), ''),
    (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(t.`tag`, ', '), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM `customer_tags` AS t WHERE t.`customer_id` = c.`id`),
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.`note`, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH'),
    (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(i.`type` || ': ' || i.`note`, char(10)), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM `customer_interactions` AS i WHERE i.`customer_id` = c.`id`)
  FROM `customers` AS c
--> statement-breakpoint
-- Kept current by triggers, for every writer (crm, an import, the sqlite3 shell). Each rebuilds
-- the whole document of the customer concerned from its rows; during a bulk write
-- they only add the customer to customer_search_pending. Any document already under the
-- customer's rowid is removed first, so no state of the index can make a write fail.
CREATE TRIGGER `customer_search_customer_insert`
AFTER INSERT ON `customers`
BEGIN
  INSERT OR IGNORE INTO `customer_search_pending` (`customer_id`) SELECT NEW.`id` WHERE coalesce((SELECT `search_deferred` FROM `audit_context`), 0);
  DELETE FROM `customer_search` WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND `rowid` = (SELECT `rowid` FROM `customers` WHERE `id` = NEW.`id`);
  INSERT INTO `customer_search` (`rowid`, `customer_id`, `name`, `contact`, `tags`, `note`, `activity`)
  SELECT c.`rowid`, c.`id`, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.`name`, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH'),
    coalesce(c.`email`, '') || ' ' || coalesce(c.`phone`, '') || coalesce(' ' || nullif(replace(replace(replace(replace(replace(replace(replace(c.`phone`, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', ''), '/', ''), c.`phone`), ''),
    (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(t.`tag`, ', '), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM `customer_tags` AS t WHERE t.`customer_id` = c.`id`),
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.`note`, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH'),
    (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(i.`type` || ': ' || i.`note`, char(10)), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM `customer_interactions` AS i WHERE i.`customer_id` = c.`id`)
  FROM `customers` AS c
  WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND c.`id` = NEW.`id`;
END
--> statement-breakpoint
-- Only the columns a document holds; `updated_at`, status, archiving and the like leave it alone.
CREATE TRIGGER `customer_search_customer_update`
AFTER UPDATE OF `id`, `name`, `email`, `phone`, `note` ON `customers`
WHEN NEW.`id` IS NOT OLD.`id` OR NEW.`name` IS NOT OLD.`name` OR NEW.`email` IS NOT OLD.`email`
  OR NEW.`phone` IS NOT OLD.`phone` OR NEW.`note` IS NOT OLD.`note`
BEGIN
  DELETE FROM `customer_search` WHERE `rowid` = OLD.`rowid` AND OLD.`rowid` IS NOT NEW.`rowid`;
  INSERT OR IGNORE INTO `customer_search_pending` (`customer_id`) SELECT NEW.`id` WHERE coalesce((SELECT `search_deferred` FROM `audit_context`), 0);
  DELETE FROM `customer_search` WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND `rowid` = (SELECT `rowid` FROM `customers` WHERE `id` = NEW.`id`);
  INSERT INTO `customer_search` (`rowid`, `customer_id`, `name`, `contact`, `tags`, `note`, `activity`)
  SELECT c.`rowid`, c.`id`, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.`name`, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH'),
    coalesce(c.`email`, '') || ' ' || coalesce(c.`phone`, '') || coalesce(' ' || nullif(replace(replace(replace(replace(replace(replace(replace(c.`phone`, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', ''), '/', ''), c.`phone`), ''),
    (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(t.`tag`, ', '), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM `customer_tags` AS t WHERE t.`customer_id` = c.`id`),
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.`note`, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH'),
    (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(i.`type` || ': ' || i.`note`, char(10)), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM `customer_interactions` AS i WHERE i.`customer_id` = c.`id`)
  FROM `customers` AS c
  WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND c.`id` = NEW.`id`;
END
--> statement-breakpoint
-- Never deferred: once the customer is gone nothing could find its document again.
CREATE TRIGGER `customer_search_customer_delete`
AFTER DELETE ON `customers`
BEGIN
  DELETE FROM `customer_search` WHERE `rowid` = OLD.`rowid`;
END
--> statement-breakpoint
CREATE TRIGGER `customer_search_interaction_insert`
AFTER INSERT ON `customer_interactions`
BEGIN
  INSERT OR IGNORE INTO `customer_search_pending` (`customer_id`) SELECT NEW.`customer_id` WHERE coalesce((SELECT `search_deferred` FROM `audit_context`), 0);
  DELETE FROM `customer_search` WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND `rowid` = (SELECT `rowid` FROM `customers` WHERE `id` = NEW.`customer_id`);
  INSERT INTO `customer_search` (`rowid`, `customer_id`, `name`, `contact`, `tags`, `note`, `activity`)
  SELECT c.`rowid`, c.`id`, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.`name`, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH'),
    coalesce(c.`email`, '') || ' ' || coalesce(c.`phone`, '') || coalesce(' ' || nullif(replace(replace(replace(replace(replace(replace(replace(c.`phone`, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', ''), '/', ''), c.`phone`), ''),
    (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(t.`tag`, ', '), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM `customer_tags` AS t WHERE t.`customer_id` = c.`id`),
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.`note`, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH'),
    (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(i.`type` || ': ' || i.`note`, char(10)), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM `customer_interactions` AS i WHERE i.`customer_id` = c.`id`)
  FROM `customers` AS c
  WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND c.`id` = NEW.`customer_id`;
END
--> statement-breakpoint
-- Also for each interaction a customer's delete cascades to: its customer is gone by then,
-- and the rebuild finds nothing to write.
CREATE TRIGGER `customer_search_interaction_delete`
AFTER DELETE ON `customer_interactions`
BEGIN
  INSERT OR IGNORE INTO `customer_search_pending` (`customer_id`) SELECT OLD.`customer_id` WHERE coalesce((SELECT `search_deferred` FROM `audit_context`), 0);
  DELETE FROM `customer_search` WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND `rowid` = (SELECT `rowid` FROM `customers` WHERE `id` = OLD.`customer_id`);
  INSERT INTO `customer_search` (`rowid`, `customer_id`, `name`, `contact`, `tags`, `note`, `activity`)
  SELECT c.`rowid`, c.`id`, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.`name`, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH'),
    coalesce(c.`email`, '') || ' ' || coalesce(c.`phone`, '') || coalesce(' ' || nullif(replace(replace(replace(replace(replace(replace(replace(c.`phone`, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', ''), '/', ''), c.`phone`), ''),
    (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(t.`tag`, ', '), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM `customer_tags` AS t WHERE t.`customer_id` = c.`id`),
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.`note`, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH'),
    (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(i.`type` || ': ' || i.`note`, char(10)), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM `customer_interactions` AS i WHERE i.`customer_id` = c.`id`)
  FROM `customers` AS c
  WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND c.`id` = OLD.`customer_id`;
END
--> statement-breakpoint
-- The one update interactions allow: a customer's id change, cascaded to its interactions.
CREATE TRIGGER `customer_search_interaction_move`
AFTER UPDATE OF `customer_id` ON `customer_interactions`
WHEN NEW.`customer_id` IS NOT OLD.`customer_id`
BEGIN
  INSERT OR IGNORE INTO `customer_search_pending` (`customer_id`) SELECT OLD.`customer_id` WHERE coalesce((SELECT `search_deferred` FROM `audit_context`), 0);
  DELETE FROM `customer_search` WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND `rowid` = (SELECT `rowid` FROM `customers` WHERE `id` = OLD.`customer_id`);
  INSERT INTO `customer_search` (`rowid`, `customer_id`, `name`, `contact`, `tags`, `note`, `activity`)
  SELECT c.`rowid`, c.`id`, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.`name`, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH'),
    coalesce(c.`email`, '') || ' ' || coalesce(c.`phone`, '') || coalesce(' ' || nullif(replace(replace(replace(replace(replace(replace(replace(c.`phone`, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', ''), '/', ''), c.`phone`), ''),
    (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(t.`tag`, ', '), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM `customer_tags` AS t WHERE t.`customer_id` = c.`id`),
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.`note`, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH'),
    (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(i.`type` || ': ' || i.`note`, char(10)), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM `customer_interactions` AS i WHERE i.`customer_id` = c.`id`)
  FROM `customers` AS c
  WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND c.`id` = OLD.`customer_id`;
  INSERT OR IGNORE INTO `customer_search_pending` (`customer_id`) SELECT NEW.`customer_id` WHERE coalesce((SELECT `search_deferred` FROM `audit_context`), 0);
  DELETE FROM `customer_search` WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND `rowid` = (SELECT `rowid` FROM `customers` WHERE `id` = NEW.`customer_id`);
  INSERT INTO `customer_search` (`rowid`, `customer_id`, `name`, `contact`, `tags`, `note`, `activity`)
  SELECT c.`rowid`, c.`id`, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.`name`, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH'),
    coalesce(c.`email`, '') || ' ' || coalesce(c.`phone`, '') || coalesce(' ' || nullif(replace(replace(replace(replace(replace(replace(replace(c.`phone`, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', ''), '/', ''), c.`phone`), ''),
    (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(t.`tag`, ', '), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM `customer_tags` AS t WHERE t.`customer_id` = c.`id`),
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.`note`, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH'),
    (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(i.`type` || ': ' || i.`note`, char(10)), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM `customer_interactions` AS i WHERE i.`customer_id` = c.`id`)
  FROM `customers` AS c
  WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND c.`id` = NEW.`customer_id`;
END
--> statement-breakpoint
CREATE TRIGGER `customer_search_tag_insert`
AFTER INSERT ON `customer_tags`
BEGIN
  INSERT OR IGNORE INTO `customer_search_pending` (`customer_id`) SELECT NEW.`customer_id` WHERE coalesce((SELECT `search_deferred` FROM `audit_context`), 0);
  DELETE FROM `customer_search` WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND `rowid` = (SELECT `rowid` FROM `customers` WHERE `id` = NEW.`customer_id`);
  INSERT INTO `customer_search` (`rowid`, `customer_id`, `name`, `contact`, `tags`, `note`, `activity`)
  SELECT c.`rowid`, c.`id`, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.`name`, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH'),
    coalesce(c.`email`, '') || ' ' || coalesce(c.`phone`, '') || coalesce(' ' || nullif(replace(replace(replace(replace(replace(replace(replace(c.`phone`, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', ''), '/', ''), c.`phone`), ''),
    (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(t.`tag`, ', '), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM `customer_tags` AS t WHERE t.`customer_id` = c.`id`),
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.`note`, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH'),
    (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(i.`type` || ': ' || i.`note`, char(10)), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM `customer_interactions` AS i WHERE i.`customer_id` = c.`id`)
  FROM `customers` AS c
  WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND c.`id` = NEW.`customer_id`;
END
--> statement-breakpoint
CREATE TRIGGER `customer_search_tag_delete`
AFTER DELETE ON `customer_tags`
BEGIN
  INSERT OR IGNORE INTO `customer_search_pending` (`customer_id`) SELECT OLD.`customer_id` WHERE coalesce((SELECT `search_deferred` FROM `audit_context`), 0);
  DELETE FROM `customer_search` WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND `rowid` = (SELECT `rowid` FROM `customers` WHERE `id` = OLD.`customer_id`);
  INSERT INTO `customer_search` (`rowid`, `customer_id`, `name`, `contact`, `tags`, `note`, `activity`)
  SELECT c.`rowid`, c.`id`, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.`name`, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH'),
    coalesce(c.`email`, '') || ' ' || coalesce(c.`phone`, '') || coalesce(' ' || nullif(replace(replace(replace(replace(replace(replace(replace(c.`phone`, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', ''), '/', ''), c.`phone`), ''),
    (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(t.`tag`, ', '), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM `customer_tags` AS t WHERE t.`customer_id` = c.`id`),
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.`note`, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH'),
    (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(i.`type` || ': ' || i.`note`, char(10)), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM `customer_interactions` AS i WHERE i.`customer_id` = c.`id`)
  FROM `customers` AS c
  WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND c.`id` = OLD.`customer_id`;
END
--> statement-breakpoint
-- A rename (`crm tag rename` defers, so each customer is rebuilt once) or a customer id change.
CREATE TRIGGER `customer_search_tag_update`
AFTER UPDATE ON `customer_tags`
BEGIN
  INSERT OR IGNORE INTO `customer_search_pending` (`customer_id`) SELECT NEW.`customer_id` WHERE coalesce((SELECT `search_deferred` FROM `audit_context`), 0);
  DELETE FROM `customer_search` WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND `rowid` = (SELECT `rowid` FROM `customers` WHERE `id` = NEW.`customer_id`);
  INSERT INTO `customer_search` (`rowid`, `customer_id`, `name`, `contact`, `tags`, `note`, `activity`)
  SELECT c.`rowid`, c.`id`, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.`name`, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH'),
    coalesce(c.`email`, '') || ' ' || coalesce(c.`phone`, '') || coalesce(' ' || nullif(replace(replace(replace(replace(replace(replace(replace(c.`phone`, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', ''), '/', ''), c.`phone`), ''),
    (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(t.`tag`, ', '), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM `customer_tags` AS t WHERE t.`customer_id` = c.`id`),
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.`note`, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH'),
    (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(i.`type` || ': ' || i.`note`, char(10)), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM `customer_interactions` AS i WHERE i.`customer_id` = c.`id`)
  FROM `customers` AS c
  WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND c.`id` = NEW.`customer_id`;
END
--> statement-breakpoint
CREATE TRIGGER `customer_search_tag_move`
AFTER UPDATE OF `customer_id` ON `customer_tags`
WHEN NEW.`customer_id` IS NOT OLD.`customer_id`
BEGIN
  INSERT OR IGNORE INTO `customer_search_pending` (`customer_id`) SELECT OLD.`customer_id` WHERE coalesce((SELECT `search_deferred` FROM `audit_context`), 0);
  DELETE FROM `customer_search` WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND `rowid` = (SELECT `rowid` FROM `customers` WHERE `id` = OLD.`customer_id`);
  INSERT INTO `customer_search` (`rowid`, `customer_id`, `name`, `contact`, `tags`, `note`, `activity`)
  SELECT c.`rowid`, c.`id`, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.`name`, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH'),
    coalesce(c.`email`, '') || ' ' || coalesce(c.`phone`, '') || coalesce(' ' || nullif(replace(replace(replace(replace(replace(replace(replace(c.`phone`, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', ''), '/', ''), c.`phone`), ''),
    (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(t.`tag`, ', '), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM `customer_tags` AS t WHERE t.`customer_id` = c.`id`),
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.`note`, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH'),
    (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(i.`type` || ': ' || i.`note`, char(10)), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM `customer_interactions` AS i WHERE i.`customer_id` = c.`id`)
  FROM `customers` AS c
  WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND c.`id` = OLD.`customer_id`;
END
