-- `crm search` at a million customers (issue 11), and the company's name in the index.
--
-- The search itself changed in crm (src/repositories/sqlite/search.ts): each term is looked for
-- as the index's words it begins, read from an fts5vocab table, instead of as a prefix query,
-- whose whole doclists FTS5 merges before yielding a row. This migration changes what the index
-- holds and how an interaction reaches it:
--
-- - A document has a `company` column: the name of the customer's company, kept current when
--   the customer changes company or the company is renamed.
-- - Logging an interaction appends its line to its customer's document as it stands, instead
--   of rebuilding the document from every interaction of the customer, which read all of them
--   and ran the spelling-out replaces over all of their text each time. FTS5 still re-reads the
--   document's text to replace it, so a customer's n-th interaction costs its document's length:
--   about half of what the rebuild cost (2,000 interactions of one customer, one by one).
--   Interactions are rowid-ordered in a document (SEARCH_DOCUMENT, src/db/search-index.ts), so
--   that a rebuilt document reads as the appended one and `crm db check` can compare them.
--   One FTS row per interaction would make logging constant-time, but a search for two words
--   would then have to find customers whose rows match them between them; FTS5 cannot join
--   rows, and probing a customer's rows per candidate cost 13 µs each, 40 times the single
--   document (see the README, Performance).
--
-- The index is rebuilt whole (a new column), as 0012 built it. Triggers as 0012's otherwise.
--> statement-breakpoint
DROP TRIGGER IF EXISTS `customer_search_customer_insert`
--> statement-breakpoint
DROP TRIGGER IF EXISTS `customer_search_customer_update`
--> statement-breakpoint
DROP TRIGGER IF EXISTS `customer_search_customer_delete`
--> statement-breakpoint
DROP TRIGGER IF EXISTS `customer_search_interaction_insert`
--> statement-breakpoint
DROP TRIGGER IF EXISTS `customer_search_interaction_delete`
--> statement-breakpoint
DROP TRIGGER IF EXISTS `customer_search_interaction_move`
--> statement-breakpoint
DROP TRIGGER IF EXISTS `customer_search_tag_insert`
--> statement-breakpoint
DROP TRIGGER IF EXISTS `customer_search_tag_delete`
--> statement-breakpoint
DROP TRIGGER IF EXISTS `customer_search_tag_update`
--> statement-breakpoint
DROP TRIGGER IF EXISTS `customer_search_tag_move`
--> statement-breakpoint
DROP TABLE `customer_search`
--> statement-breakpoint
CREATE VIRTUAL TABLE `customer_search` USING fts5(customer_id UNINDEXED, name, company, contact, tags, note, activity, tokenize = 'unicode61 remove_diacritics 2')
--> statement-breakpoint
-- Every customer's document, as the triggers below write one.
INSERT INTO `customer_search` (`rowid`, `customer_id`, `name`, `company`, `contact`, `tags`, `note`, `activity`)
SELECT c.rowid AS doc_id, c.id AS customer_id, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.name, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') AS name,
    (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(co.name, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM companies AS co WHERE co.id = c.company_id) AS company,
    coalesce(c.email, '') || ' ' || coalesce(c.phone, '') || coalesce(' ' || nullif(replace(replace(replace(replace(replace(replace(replace(c.phone, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', ''), '/', ''), c.phone), '') AS contact,
    (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(t.tag, ', '), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM customer_tags AS t WHERE t.customer_id = c.id) AS tags,
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.note, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') AS note,
    (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(a.line, char(10)), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM (
      SELECT i.type || ': ' || i.note AS line FROM customer_interactions AS i WHERE i.customer_id = c.id ORDER BY i.rowid) AS a) AS activity
  FROM customers AS c
--> statement-breakpoint
CREATE TRIGGER `customer_search_customer_insert`
AFTER INSERT ON `customers`
BEGIN
  INSERT OR IGNORE INTO `customer_search_pending` (`customer_id`) SELECT NEW.`id` WHERE coalesce((SELECT `search_deferred` FROM `audit_context`), 0);
  DELETE FROM `customer_search` WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND `rowid` = (SELECT `rowid` FROM `customers` WHERE `id` = NEW.`id`);
  INSERT INTO `customer_search` (`rowid`, `customer_id`, `name`, `company`, `contact`, `tags`, `note`, `activity`)
  SELECT c.rowid AS doc_id, c.id AS customer_id, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.name, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') AS name,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(co.name, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM companies AS co WHERE co.id = c.company_id) AS company,
      coalesce(c.email, '') || ' ' || coalesce(c.phone, '') || coalesce(' ' || nullif(replace(replace(replace(replace(replace(replace(replace(c.phone, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', ''), '/', ''), c.phone), '') AS contact,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(t.tag, ', '), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM customer_tags AS t WHERE t.customer_id = c.id) AS tags,
      replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.note, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') AS note,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(a.line, char(10)), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM (
        SELECT i.type || ': ' || i.note AS line FROM customer_interactions AS i WHERE i.customer_id = c.id ORDER BY i.rowid) AS a) AS activity
    FROM customers AS c
  WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND c.id = NEW.`id`;
END
--> statement-breakpoint
-- Only the columns a document holds; `updated_at`, status, archiving and the like leave it alone.
CREATE TRIGGER `customer_search_customer_update`
AFTER UPDATE OF `id`, `name`, `email`, `phone`, `note`, `company_id` ON `customers`
WHEN NEW.`id` IS NOT OLD.`id` OR NEW.`name` IS NOT OLD.`name` OR NEW.`email` IS NOT OLD.`email`
  OR NEW.`phone` IS NOT OLD.`phone` OR NEW.`note` IS NOT OLD.`note` OR NEW.`company_id` IS NOT OLD.`company_id`
BEGIN
  DELETE FROM `customer_search` WHERE `rowid` = OLD.`rowid` AND OLD.`rowid` IS NOT NEW.`rowid`;
  INSERT OR IGNORE INTO `customer_search_pending` (`customer_id`) SELECT NEW.`id` WHERE coalesce((SELECT `search_deferred` FROM `audit_context`), 0);
  DELETE FROM `customer_search` WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND `rowid` = (SELECT `rowid` FROM `customers` WHERE `id` = NEW.`id`);
  INSERT INTO `customer_search` (`rowid`, `customer_id`, `name`, `company`, `contact`, `tags`, `note`, `activity`)
  SELECT c.rowid AS doc_id, c.id AS customer_id, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.name, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') AS name,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(co.name, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM companies AS co WHERE co.id = c.company_id) AS company,
      coalesce(c.email, '') || ' ' || coalesce(c.phone, '') || coalesce(' ' || nullif(replace(replace(replace(replace(replace(replace(replace(c.phone, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', ''), '/', ''), c.phone), '') AS contact,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(t.tag, ', '), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM customer_tags AS t WHERE t.customer_id = c.id) AS tags,
      replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.note, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') AS note,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(a.line, char(10)), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM (
        SELECT i.type || ': ' || i.note AS line FROM customer_interactions AS i WHERE i.customer_id = c.id ORDER BY i.rowid) AS a) AS activity
    FROM customers AS c
  WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND c.id = NEW.`id`;
END
--> statement-breakpoint
-- Never deferred: once the customer is gone nothing could find its document again.
CREATE TRIGGER `customer_search_customer_delete`
AFTER DELETE ON `customers`
BEGIN
  DELETE FROM `customer_search` WHERE `rowid` = OLD.`rowid`;
END
--> statement-breakpoint
-- The line appended to the customer's document (REPLACE: FTS5 removes the old text, then
-- indexes the new). A customer without its document (or with another's at its rowid) gets the
-- whole of it, as 0012's trigger built it.
CREATE TRIGGER `customer_search_interaction_insert`
AFTER INSERT ON `customer_interactions`
BEGIN
  INSERT OR IGNORE INTO `customer_search_pending` (`customer_id`) SELECT NEW.`customer_id` WHERE coalesce((SELECT `search_deferred` FROM `audit_context`), 0);
  INSERT OR REPLACE INTO `customer_search` (`rowid`, `customer_id`, `name`, `company`, `contact`, `tags`, `note`, `activity`)
  SELECT s.`rowid`, s.`customer_id`, s.`name`, s.`company`, s.`contact`, s.`tags`, s.`note`,
    coalesce(s.`activity` || char(10), '') || replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(NEW.type || ': ' || NEW.note, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH')
  FROM `customers` AS c JOIN `customer_search` AS s ON s.`rowid` = c.`rowid`
  WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND c.`id` = NEW.`customer_id` AND s.`customer_id` = c.`id`;
  INSERT OR REPLACE INTO `customer_search` (`rowid`, `customer_id`, `name`, `company`, `contact`, `tags`, `note`, `activity`)
  SELECT c.rowid AS doc_id, c.id AS customer_id, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.name, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') AS name,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(co.name, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM companies AS co WHERE co.id = c.company_id) AS company,
      coalesce(c.email, '') || ' ' || coalesce(c.phone, '') || coalesce(' ' || nullif(replace(replace(replace(replace(replace(replace(replace(c.phone, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', ''), '/', ''), c.phone), '') AS contact,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(t.tag, ', '), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM customer_tags AS t WHERE t.customer_id = c.id) AS tags,
      replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.note, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') AS note,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(a.line, char(10)), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM (
        SELECT i.type || ': ' || i.note AS line FROM customer_interactions AS i WHERE i.customer_id = c.id ORDER BY i.rowid) AS a) AS activity
    FROM customers AS c
  WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND c.id = NEW.`customer_id` AND NOT EXISTS (SELECT 1 FROM `customer_search` AS s WHERE s.`rowid` = c.`rowid` AND s.`customer_id` = c.`id`);
END
--> statement-breakpoint
-- Also for each interaction a customer's delete cascades to: its customer is gone by then,
-- and the rebuild finds nothing to write.
CREATE TRIGGER `customer_search_interaction_delete`
AFTER DELETE ON `customer_interactions`
BEGIN
  INSERT OR IGNORE INTO `customer_search_pending` (`customer_id`) SELECT OLD.`customer_id` WHERE coalesce((SELECT `search_deferred` FROM `audit_context`), 0);
  DELETE FROM `customer_search` WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND `rowid` = (SELECT `rowid` FROM `customers` WHERE `id` = OLD.`customer_id`);
  INSERT INTO `customer_search` (`rowid`, `customer_id`, `name`, `company`, `contact`, `tags`, `note`, `activity`)
  SELECT c.rowid AS doc_id, c.id AS customer_id, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.name, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') AS name,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(co.name, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM companies AS co WHERE co.id = c.company_id) AS company,
      coalesce(c.email, '') || ' ' || coalesce(c.phone, '') || coalesce(' ' || nullif(replace(replace(replace(replace(replace(replace(replace(c.phone, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', ''), '/', ''), c.phone), '') AS contact,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(t.tag, ', '), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM customer_tags AS t WHERE t.customer_id = c.id) AS tags,
      replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.note, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') AS note,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(a.line, char(10)), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM (
        SELECT i.type || ': ' || i.note AS line FROM customer_interactions AS i WHERE i.customer_id = c.id ORDER BY i.rowid) AS a) AS activity
    FROM customers AS c
  WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND c.id = OLD.`customer_id`;
END
--> statement-breakpoint
-- The one update interactions allow: a customer's id change, cascaded to its interactions.
CREATE TRIGGER `customer_search_interaction_move`
AFTER UPDATE OF `customer_id` ON `customer_interactions`
WHEN NEW.`customer_id` IS NOT OLD.`customer_id`
BEGIN
  INSERT OR IGNORE INTO `customer_search_pending` (`customer_id`) SELECT OLD.`customer_id` WHERE coalesce((SELECT `search_deferred` FROM `audit_context`), 0);
  DELETE FROM `customer_search` WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND `rowid` = (SELECT `rowid` FROM `customers` WHERE `id` = OLD.`customer_id`);
  INSERT INTO `customer_search` (`rowid`, `customer_id`, `name`, `company`, `contact`, `tags`, `note`, `activity`)
  SELECT c.rowid AS doc_id, c.id AS customer_id, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.name, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') AS name,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(co.name, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM companies AS co WHERE co.id = c.company_id) AS company,
      coalesce(c.email, '') || ' ' || coalesce(c.phone, '') || coalesce(' ' || nullif(replace(replace(replace(replace(replace(replace(replace(c.phone, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', ''), '/', ''), c.phone), '') AS contact,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(t.tag, ', '), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM customer_tags AS t WHERE t.customer_id = c.id) AS tags,
      replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.note, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') AS note,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(a.line, char(10)), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM (
        SELECT i.type || ': ' || i.note AS line FROM customer_interactions AS i WHERE i.customer_id = c.id ORDER BY i.rowid) AS a) AS activity
    FROM customers AS c
  WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND c.id = OLD.`customer_id`;
  INSERT OR IGNORE INTO `customer_search_pending` (`customer_id`) SELECT NEW.`customer_id` WHERE coalesce((SELECT `search_deferred` FROM `audit_context`), 0);
  DELETE FROM `customer_search` WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND `rowid` = (SELECT `rowid` FROM `customers` WHERE `id` = NEW.`customer_id`);
  INSERT INTO `customer_search` (`rowid`, `customer_id`, `name`, `company`, `contact`, `tags`, `note`, `activity`)
  SELECT c.rowid AS doc_id, c.id AS customer_id, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.name, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') AS name,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(co.name, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM companies AS co WHERE co.id = c.company_id) AS company,
      coalesce(c.email, '') || ' ' || coalesce(c.phone, '') || coalesce(' ' || nullif(replace(replace(replace(replace(replace(replace(replace(c.phone, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', ''), '/', ''), c.phone), '') AS contact,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(t.tag, ', '), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM customer_tags AS t WHERE t.customer_id = c.id) AS tags,
      replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.note, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') AS note,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(a.line, char(10)), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM (
        SELECT i.type || ': ' || i.note AS line FROM customer_interactions AS i WHERE i.customer_id = c.id ORDER BY i.rowid) AS a) AS activity
    FROM customers AS c
  WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND c.id = NEW.`customer_id`;
END
--> statement-breakpoint
CREATE TRIGGER `customer_search_tag_insert`
AFTER INSERT ON `customer_tags`
BEGIN
  INSERT OR IGNORE INTO `customer_search_pending` (`customer_id`) SELECT NEW.`customer_id` WHERE coalesce((SELECT `search_deferred` FROM `audit_context`), 0);
  DELETE FROM `customer_search` WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND `rowid` = (SELECT `rowid` FROM `customers` WHERE `id` = NEW.`customer_id`);
  INSERT INTO `customer_search` (`rowid`, `customer_id`, `name`, `company`, `contact`, `tags`, `note`, `activity`)
  SELECT c.rowid AS doc_id, c.id AS customer_id, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.name, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') AS name,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(co.name, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM companies AS co WHERE co.id = c.company_id) AS company,
      coalesce(c.email, '') || ' ' || coalesce(c.phone, '') || coalesce(' ' || nullif(replace(replace(replace(replace(replace(replace(replace(c.phone, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', ''), '/', ''), c.phone), '') AS contact,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(t.tag, ', '), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM customer_tags AS t WHERE t.customer_id = c.id) AS tags,
      replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.note, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') AS note,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(a.line, char(10)), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM (
        SELECT i.type || ': ' || i.note AS line FROM customer_interactions AS i WHERE i.customer_id = c.id ORDER BY i.rowid) AS a) AS activity
    FROM customers AS c
  WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND c.id = NEW.`customer_id`;
END
--> statement-breakpoint
CREATE TRIGGER `customer_search_tag_delete`
AFTER DELETE ON `customer_tags`
BEGIN
  INSERT OR IGNORE INTO `customer_search_pending` (`customer_id`) SELECT OLD.`customer_id` WHERE coalesce((SELECT `search_deferred` FROM `audit_context`), 0);
  DELETE FROM `customer_search` WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND `rowid` = (SELECT `rowid` FROM `customers` WHERE `id` = OLD.`customer_id`);
  INSERT INTO `customer_search` (`rowid`, `customer_id`, `name`, `company`, `contact`, `tags`, `note`, `activity`)
  SELECT c.rowid AS doc_id, c.id AS customer_id, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.name, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') AS name,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(co.name, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM companies AS co WHERE co.id = c.company_id) AS company,
      coalesce(c.email, '') || ' ' || coalesce(c.phone, '') || coalesce(' ' || nullif(replace(replace(replace(replace(replace(replace(replace(c.phone, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', ''), '/', ''), c.phone), '') AS contact,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(t.tag, ', '), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM customer_tags AS t WHERE t.customer_id = c.id) AS tags,
      replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.note, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') AS note,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(a.line, char(10)), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM (
        SELECT i.type || ': ' || i.note AS line FROM customer_interactions AS i WHERE i.customer_id = c.id ORDER BY i.rowid) AS a) AS activity
    FROM customers AS c
  WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND c.id = OLD.`customer_id`;
END
--> statement-breakpoint
-- A rename (`crm tag rename` defers, so each customer is rebuilt once) or a customer id change.
CREATE TRIGGER `customer_search_tag_update`
AFTER UPDATE ON `customer_tags`
BEGIN
  INSERT OR IGNORE INTO `customer_search_pending` (`customer_id`) SELECT NEW.`customer_id` WHERE coalesce((SELECT `search_deferred` FROM `audit_context`), 0);
  DELETE FROM `customer_search` WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND `rowid` = (SELECT `rowid` FROM `customers` WHERE `id` = NEW.`customer_id`);
  INSERT INTO `customer_search` (`rowid`, `customer_id`, `name`, `company`, `contact`, `tags`, `note`, `activity`)
  SELECT c.rowid AS doc_id, c.id AS customer_id, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.name, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') AS name,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(co.name, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM companies AS co WHERE co.id = c.company_id) AS company,
      coalesce(c.email, '') || ' ' || coalesce(c.phone, '') || coalesce(' ' || nullif(replace(replace(replace(replace(replace(replace(replace(c.phone, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', ''), '/', ''), c.phone), '') AS contact,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(t.tag, ', '), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM customer_tags AS t WHERE t.customer_id = c.id) AS tags,
      replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.note, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') AS note,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(a.line, char(10)), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM (
        SELECT i.type || ': ' || i.note AS line FROM customer_interactions AS i WHERE i.customer_id = c.id ORDER BY i.rowid) AS a) AS activity
    FROM customers AS c
  WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND c.id = NEW.`customer_id`;
END
--> statement-breakpoint
CREATE TRIGGER `customer_search_tag_move`
AFTER UPDATE OF `customer_id` ON `customer_tags`
WHEN NEW.`customer_id` IS NOT OLD.`customer_id`
BEGIN
  INSERT OR IGNORE INTO `customer_search_pending` (`customer_id`) SELECT OLD.`customer_id` WHERE coalesce((SELECT `search_deferred` FROM `audit_context`), 0);
  DELETE FROM `customer_search` WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND `rowid` = (SELECT `rowid` FROM `customers` WHERE `id` = OLD.`customer_id`);
  INSERT INTO `customer_search` (`rowid`, `customer_id`, `name`, `company`, `contact`, `tags`, `note`, `activity`)
  SELECT c.rowid AS doc_id, c.id AS customer_id, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.name, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') AS name,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(co.name, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM companies AS co WHERE co.id = c.company_id) AS company,
      coalesce(c.email, '') || ' ' || coalesce(c.phone, '') || coalesce(' ' || nullif(replace(replace(replace(replace(replace(replace(replace(c.phone, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', ''), '/', ''), c.phone), '') AS contact,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(t.tag, ', '), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM customer_tags AS t WHERE t.customer_id = c.id) AS tags,
      replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.note, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') AS note,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(a.line, char(10)), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM (
        SELECT i.type || ': ' || i.note AS line FROM customer_interactions AS i WHERE i.customer_id = c.id ORDER BY i.rowid) AS a) AS activity
    FROM customers AS c
  WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND c.id = OLD.`customer_id`;
END
--> statement-breakpoint
-- A company renamed: the documents of its customers (its id changing cascades to them, which
-- the customers' trigger above sees).
CREATE TRIGGER `customer_search_company_rename`
AFTER UPDATE OF `name` ON `companies`
WHEN NEW.`name` IS NOT OLD.`name`
BEGIN
  INSERT OR IGNORE INTO `customer_search_pending` (`customer_id`) SELECT `id` FROM `customers` WHERE `company_id` = NEW.`id` AND coalesce((SELECT `search_deferred` FROM `audit_context`), 0);
  DELETE FROM `customer_search` WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND `rowid` IN (SELECT `rowid` FROM `customers` WHERE `company_id` = NEW.`id`);
  INSERT INTO `customer_search` (`rowid`, `customer_id`, `name`, `company`, `contact`, `tags`, `note`, `activity`)
  SELECT c.rowid AS doc_id, c.id AS customer_id, replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.name, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') AS name,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(co.name, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM companies AS co WHERE co.id = c.company_id) AS company,
      coalesce(c.email, '') || ' ' || coalesce(c.phone, '') || coalesce(' ' || nullif(replace(replace(replace(replace(replace(replace(replace(c.phone, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', ''), '/', ''), c.phone), '') AS contact,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(t.tag, ', '), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM customer_tags AS t WHERE t.customer_id = c.id) AS tags,
      replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(c.note, 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') AS note,
      (SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(group_concat(a.line, char(10)), 'ø', 'o'), 'Ø', 'O'), 'ł', 'l'), 'Ł', 'L'), 'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ß', 'ss'), 'ẞ', 'SS'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ı', 'i'), 'þ', 'th'), 'Þ', 'TH') FROM (
        SELECT i.type || ': ' || i.note AS line FROM customer_interactions AS i WHERE i.customer_id = c.id ORDER BY i.rowid) AS a) AS activity
    FROM customers AS c
  WHERE NOT coalesce((SELECT `search_deferred` FROM `audit_context`), 0) AND c.company_id = NEW.`id`;
END
