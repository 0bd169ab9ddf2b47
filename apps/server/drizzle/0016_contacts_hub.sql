CREATE TABLE "contact_call_links" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	"conversation_id" uuid,
	"call_id" uuid,
	"voicebot_call_id" uuid,
	"role" varchar(16) NOT NULL,
	"outcome_written_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "contact_settings" (
	"company_id" uuid PRIMARY KEY NOT NULL,
	"country" varchar(2) DEFAULT 'BR' NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "contact_identities" ALTER COLUMN "channel" SET DATA TYPE varchar(16);--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "custom_attributes" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "merged_into_id" uuid;--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "erased_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "contact_call_links" ADD CONSTRAINT "contact_call_links_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_call_links" ADD CONSTRAINT "contact_call_links_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_call_links" ADD CONSTRAINT "contact_call_links_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_settings" ADD CONSTRAINT "contact_settings_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "contact_call_links_call_contact_key" ON "contact_call_links" USING btree ("call_id","contact_id");--> statement-breakpoint
CREATE UNIQUE INDEX "contact_call_links_voicebot_contact_key" ON "contact_call_links" USING btree ("voicebot_call_id","contact_id");--> statement-breakpoint
CREATE INDEX "contact_call_links_contact_idx" ON "contact_call_links" USING btree ("company_id","contact_id","created_at");--> statement-breakpoint
CREATE INDEX "contacts_company_created_idx" ON "contacts" USING btree ("company_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);