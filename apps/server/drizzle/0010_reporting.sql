CREATE TABLE "dispositions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"code" varchar(40) NOT NULL,
	"label" varchar(120) NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "item_dispositions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"call_id" uuid,
	"conversation_id" uuid,
	"disposition_id" uuid NOT NULL,
	"code" varchar(40) NOT NULL,
	"label" varchar(120) NOT NULL,
	"agent_id" uuid NOT NULL,
	"queue_id" uuid,
	"channel" varchar(10) NOT NULL,
	"note" varchar(500),
	"set_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "report_entry_facts" (
	"entry_id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"queue_id" uuid NOT NULL,
	"service_level_seconds" integer NOT NULL,
	"wrap_up_until" timestamp with time zone,
	"recorded_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "supervisor_actions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"actor_id" uuid NOT NULL,
	"action" varchar(30) NOT NULL,
	"target_user_id" uuid,
	"entry_id" uuid,
	"reason" varchar(200),
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "dispositions" ADD CONSTRAINT "dispositions_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "item_dispositions" ADD CONSTRAINT "item_dispositions_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "item_dispositions" ADD CONSTRAINT "item_dispositions_disposition_id_dispositions_id_fk" FOREIGN KEY ("disposition_id") REFERENCES "public"."dispositions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "item_dispositions" ADD CONSTRAINT "item_dispositions_agent_id_users_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_entry_facts" ADD CONSTRAINT "report_entry_facts_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supervisor_actions" ADD CONSTRAINT "supervisor_actions_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supervisor_actions" ADD CONSTRAINT "supervisor_actions_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "dispositions_company_code_key" ON "dispositions" USING btree ("company_id","code") WHERE "dispositions"."deleted_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "item_dispositions_call_key" ON "item_dispositions" USING btree ("call_id") WHERE "item_dispositions"."call_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "item_dispositions_conversation_key" ON "item_dispositions" USING btree ("conversation_id") WHERE "item_dispositions"."conversation_id" is not null;--> statement-breakpoint
CREATE INDEX "item_dispositions_company_set_idx" ON "item_dispositions" USING btree ("company_id","set_at");--> statement-breakpoint
CREATE INDEX "report_entry_facts_company_idx" ON "report_entry_facts" USING btree ("company_id","queue_id");--> statement-breakpoint
CREATE INDEX "supervisor_actions_company_at_idx" ON "supervisor_actions" USING btree ("company_id","at");