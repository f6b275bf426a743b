CREATE TABLE `customer_interactions` (
	`id` text PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))) NOT NULL,
	`customer_id` text NOT NULL,
	`type` text NOT NULL,
	`channel` text NOT NULL,
	`note` text NOT NULL,
	`follow_up_date` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE cascade ON DELETE cascade,
	CONSTRAINT "customer_interactions_type_not_blank" CHECK(length(trim("customer_interactions"."type")) > 0),
	CONSTRAINT "customer_interactions_channel_valid" CHECK("customer_interactions"."channel" IN ('phone', 'email', 'meeting', 'chat', 'other'))
);
--> statement-breakpoint
CREATE INDEX `customer_interactions_customer_id_idx` ON `customer_interactions` (`customer_id`);--> statement-breakpoint
CREATE INDEX `customer_interactions_created_at_idx` ON `customer_interactions` (`created_at`);--> statement-breakpoint
CREATE INDEX `customer_interactions_follow_up_date_idx` ON `customer_interactions` (`follow_up_date`);--> statement-breakpoint
CREATE TABLE `customers` (
	`id` text PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))) NOT NULL,
	`name` text NOT NULL,
	`email` text,
	`phone` text,
	`product_id` text,
	`status` text DEFAULT 'lead' NOT NULL,
	`acquisition_source` text,
	`owner` text,
	`is_archived` integer DEFAULT false NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`product_id`) REFERENCES `products`(`id`) ON UPDATE cascade ON DELETE set null,
	CONSTRAINT "customers_name_not_blank" CHECK(length(trim("customers"."name")) > 0),
	CONSTRAINT "customers_status_valid" CHECK("customers"."status" IN ('lead', 'qualified', 'proposal', 'negotiation', 'closed_won', 'closed_lost')),
	CONSTRAINT "customers_is_archived_bool" CHECK("customers"."is_archived" IN (0, 1))
);
--> statement-breakpoint
CREATE INDEX `customers_status_idx` ON `customers` (`status`);--> statement-breakpoint
CREATE INDEX `customers_product_id_idx` ON `customers` (`product_id`);--> statement-breakpoint
CREATE INDEX `customers_is_archived_idx` ON `customers` (`is_archived`);--> statement-breakpoint
CREATE INDEX `customers_email_lower_idx` ON `customers` (lower("email"));--> statement-breakpoint
CREATE TABLE `products` (
	`id` text PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))) NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`is_active` integer DEFAULT true NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	CONSTRAINT "products_name_not_blank" CHECK(length(trim("products"."name")) > 0),
	CONSTRAINT "products_is_active_bool" CHECK("products"."is_active" IN (0, 1))
);
--> statement-breakpoint
CREATE INDEX `products_is_active_idx` ON `products` (`is_active`);