CREATE TYPE "public"."call_direction" AS ENUM('inbound', 'outbound', 'internal');--> statement-breakpoint
CREATE TYPE "public"."call_status" AS ENUM('initiated', 'ringing', 'in_progress', 'completed', 'failed', 'busy', 'no_answer', 'canceled', 'transferred');--> statement-breakpoint
CREATE TABLE "call_notes" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"call_id" uuid NOT NULL,
	"author_id" uuid NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "call_recordings" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"call_id" uuid NOT NULL,
	"asterisk_name" varchar(200) NOT NULL,
	"format" varchar(16) NOT NULL,
	"status" varchar(16) NOT NULL,
	"duration_seconds" integer,
	"size_bytes" bigint,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "call_transitions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"call_id" uuid NOT NULL,
	"from_status" "call_status",
	"to_status" "call_status" NOT NULL,
	"source" varchar(80) NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"details" jsonb
);
--> statement-breakpoint
CREATE TABLE "calls" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"agent_id" uuid,
	"direction" "call_direction" NOT NULL,
	"status" "call_status" NOT NULL,
	"from_number" varchar(64) NOT NULL,
	"to_number" varchar(64) NOT NULL,
	"asterisk_unique_id" varchar(150),
	"agent_channel_id" varchar(150),
	"customer_channel_id" varchar(150),
	"asterisk_bridge_id" varchar(150),
	"ringing_at" timestamp with time zone,
	"answered_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"duration_seconds" integer,
	"billable_seconds" integer,
	"hangup_cause" integer,
	"hangup_cause_text" varchar(120),
	"ended_by" varchar(16),
	"transferred_to" varchar(64),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "call_notes" ADD CONSTRAINT "call_notes_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_notes" ADD CONSTRAINT "call_notes_call_id_calls_id_fk" FOREIGN KEY ("call_id") REFERENCES "public"."calls"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_notes" ADD CONSTRAINT "call_notes_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_recordings" ADD CONSTRAINT "call_recordings_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_recordings" ADD CONSTRAINT "call_recordings_call_id_calls_id_fk" FOREIGN KEY ("call_id") REFERENCES "public"."calls"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_transitions" ADD CONSTRAINT "call_transitions_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_transitions" ADD CONSTRAINT "call_transitions_call_id_calls_id_fk" FOREIGN KEY ("call_id") REFERENCES "public"."calls"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calls" ADD CONSTRAINT "calls_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calls" ADD CONSTRAINT "calls_agent_id_users_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "call_notes_call_idx" ON "call_notes" USING btree ("company_id","call_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "call_recordings_call_key" ON "call_recordings" USING btree ("call_id");--> statement-breakpoint
CREATE INDEX "call_recordings_company_idx" ON "call_recordings" USING btree ("company_id");--> statement-breakpoint
CREATE INDEX "call_transitions_call_idx" ON "call_transitions" USING btree ("company_id","call_id","occurred_at");--> statement-breakpoint
CREATE INDEX "calls_company_created_idx" ON "calls" USING btree ("company_id","created_at","id");--> statement-breakpoint
CREATE INDEX "calls_company_agent_created_idx" ON "calls" USING btree ("company_id","agent_id","created_at");--> statement-breakpoint
CREATE INDEX "calls_company_status_idx" ON "calls" USING btree ("company_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "calls_agent_channel_key" ON "calls" USING btree ("agent_channel_id");--> statement-breakpoint
CREATE UNIQUE INDEX "calls_customer_channel_key" ON "calls" USING btree ("customer_channel_id");