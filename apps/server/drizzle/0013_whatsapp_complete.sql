CREATE TABLE "conversation_ratings" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"conversation_id" uuid NOT NULL,
	"score" smallint NOT NULL,
	"comment" text,
	"rated_by" varchar(10) NOT NULL,
	"user_id" uuid,
	"message_id" uuid,
	"is_counted" boolean NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "customer_message_settings" (
	"company_id" uuid PRIMARY KEY NOT NULL,
	"language" varchar(10) DEFAULT 'pt-BR' NOT NULL,
	"is_rating_enabled" boolean DEFAULT false NOT NULL,
	"texts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_by" uuid,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "message_uploads" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"kind" varchar(10) NOT NULL,
	"mime_type" varchar(255) NOT NULL,
	"filename" varchar(255),
	"size_bytes" integer NOT NULL,
	"sha256" varchar(64) NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "whatsapp_templates" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"template_id" varchar(64) NOT NULL,
	"name" varchar(512) NOT NULL,
	"language" varchar(15) NOT NULL,
	"status" varchar(32) NOT NULL,
	"category" varchar(32),
	"parameter_format" varchar(16) DEFAULT 'POSITIONAL' NOT NULL,
	"components" jsonb NOT NULL,
	"status_reason" varchar(500),
	"synced_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "rated_by" varchar(10);--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "rated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "rating_requested_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "window_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "content" jsonb;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "reply_to_message_id" uuid;--> statement-breakpoint
ALTER TABLE "whatsapp_channels" ADD COLUMN "business_account_id" varchar(32);--> statement-breakpoint
ALTER TABLE "whatsapp_channels" ADD COLUMN "templates_synced_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "conversation_ratings" ADD CONSTRAINT "conversation_ratings_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversation_ratings" ADD CONSTRAINT "conversation_ratings_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversation_ratings" ADD CONSTRAINT "conversation_ratings_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversation_ratings" ADD CONSTRAINT "conversation_ratings_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_message_settings" ADD CONSTRAINT "customer_message_settings_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_message_settings" ADD CONSTRAINT "customer_message_settings_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_uploads" ADD CONSTRAINT "message_uploads_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_uploads" ADD CONSTRAINT "message_uploads_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "whatsapp_templates" ADD CONSTRAINT "whatsapp_templates_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "conversation_ratings_conversation_idx" ON "conversation_ratings" USING btree ("company_id","conversation_id","created_at");--> statement-breakpoint
CREATE INDEX "message_uploads_company_idx" ON "message_uploads" USING btree ("company_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "whatsapp_templates_name_language_key" ON "whatsapp_templates" USING btree ("company_id","name","language");--> statement-breakpoint
CREATE INDEX "whatsapp_templates_template_id_idx" ON "whatsapp_templates" USING btree ("company_id","template_id");--> statement-breakpoint
-- The window of conversations already open: 24 h after the contact's last message.
UPDATE "conversations" AS c SET "window_expires_at" = m."last_at" + interval '24 hours'
FROM (
	SELECT "conversation_id", max(coalesce("channel_sent_at", "created_at")) AS "last_at"
	FROM "messages" WHERE "direction" = 'inbound' GROUP BY "conversation_id"
) AS m
WHERE m."conversation_id" = c."id" AND c."channel" = 'whatsapp';
