CREATE SCHEMA "crm";
--> statement-breakpoint
CREATE TABLE "crm"."audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"team_id" text NOT NULL,
	"table_name" text NOT NULL,
	"record_id" text,
	"action" text NOT NULL,
	"old_values" text,
	"new_values" text,
	"actor" text DEFAULT session_user NOT NULL,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "crm"."customer_interactions" (
	"id" text PRIMARY KEY DEFAULT gen_random_uuid()::text NOT NULL,
	"team_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"type" text NOT NULL,
	"channel" text NOT NULL,
	"note" text NOT NULL,
	"follow_up_date" timestamp(3) with time zone,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "customer_interactions_type_not_blank" CHECK (length(trim("crm"."customer_interactions"."type")) > 0),
	CONSTRAINT "customer_interactions_channel_valid" CHECK ("crm"."customer_interactions"."channel" IN ('phone', 'email', 'meeting', 'chat', 'other'))
);
--> statement-breakpoint
CREATE TABLE "crm"."customers" (
	"id" text PRIMARY KEY DEFAULT gen_random_uuid()::text NOT NULL,
	"team_id" text NOT NULL,
	"name" text NOT NULL,
	"email" text,
	"phone" text,
	"product_id" text,
	"status" text DEFAULT 'lead' NOT NULL,
	"acquisition_source" text,
	"owner" text,
	"is_archived" boolean DEFAULT false NOT NULL,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "customers_name_not_blank" CHECK (length(trim("crm"."customers"."name")) > 0),
	CONSTRAINT "customers_status_valid" CHECK ("crm"."customers"."status" IN ('lead', 'qualified', 'proposal', 'negotiation', 'closed_won', 'closed_lost'))
);
--> statement-breakpoint
CREATE TABLE "crm"."products" (
	"id" text PRIMARY KEY DEFAULT gen_random_uuid()::text NOT NULL,
	"team_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "products_name_not_blank" CHECK (length(trim("crm"."products"."name")) > 0)
);
--> statement-breakpoint
CREATE TABLE "crm"."team_members" (
	"login" text PRIMARY KEY NOT NULL,
	"team_id" text NOT NULL,
	"is_manager" boolean DEFAULT false NOT NULL,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "crm"."teams" (
	"id" text PRIMARY KEY DEFAULT gen_random_uuid()::text NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "teams_name_unique" UNIQUE("name"),
	CONSTRAINT "teams_name_not_blank" CHECK (length(trim("crm"."teams"."name")) > 0)
);
--> statement-breakpoint
ALTER TABLE "crm"."audit_log" ADD CONSTRAINT "audit_log_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "crm"."teams"("id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "crm"."customer_interactions" ADD CONSTRAINT "customer_interactions_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "crm"."teams"("id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "crm"."customer_interactions" ADD CONSTRAINT "customer_interactions_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "crm"."customers"("id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "crm"."customers" ADD CONSTRAINT "customers_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "crm"."teams"("id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "crm"."customers" ADD CONSTRAINT "customers_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "crm"."products"("id") ON DELETE set null ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "crm"."products" ADD CONSTRAINT "products_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "crm"."teams"("id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "crm"."team_members" ADD CONSTRAINT "team_members_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "crm"."teams"("id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
CREATE INDEX "audit_log_team_id_idx" ON "crm"."audit_log" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "audit_log_created_at_idx" ON "crm"."audit_log" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "customer_interactions_team_id_idx" ON "crm"."customer_interactions" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "customer_interactions_customer_id_idx" ON "crm"."customer_interactions" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "customer_interactions_created_at_idx" ON "crm"."customer_interactions" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "customer_interactions_follow_up_date_idx" ON "crm"."customer_interactions" USING btree ("follow_up_date");--> statement-breakpoint
CREATE INDEX "customers_team_id_idx" ON "crm"."customers" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "customers_status_idx" ON "crm"."customers" USING btree ("status");--> statement-breakpoint
CREATE INDEX "customers_product_id_idx" ON "crm"."customers" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "customers_is_archived_idx" ON "crm"."customers" USING btree ("is_archived");--> statement-breakpoint
CREATE INDEX "products_team_id_idx" ON "crm"."products" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "products_is_active_idx" ON "crm"."products" USING btree ("is_active");--> statement-breakpoint
CREATE INDEX "team_members_team_id_idx" ON "crm"."team_members" USING btree ("team_id");