CREATE TABLE "media_downloads" (
	"message_id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"claimed_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "media_downloads" ADD CONSTRAINT "media_downloads_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "media_downloads" ADD CONSTRAINT "media_downloads_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "media_downloads_due_idx" ON "media_downloads" USING btree ("next_attempt_at") WHERE "media_downloads"."next_attempt_at" is not null;--> statement-breakpoint
-- Media received before this migration: fetch it too (the channel may still have it).
INSERT INTO "media_downloads" ("message_id", "company_id", "next_attempt_at", "created_at", "updated_at")
SELECT "id", "company_id", now(), now(), now() FROM "messages"
WHERE "type" = 'media' AND "direction" = 'inbound' AND "media" IS NOT NULL;--> statement-breakpoint
UPDATE "messages" SET "media" = "media" || '{"status": "pending"}'::jsonb
WHERE "type" = 'media' AND "direction" = 'inbound' AND "media" IS NOT NULL;
