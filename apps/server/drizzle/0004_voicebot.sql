CREATE TABLE "voicebot_calls" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"status" varchar(16) NOT NULL,
	"outcome" varchar(16),
	"end_reason" varchar(40),
	"visitor_audiosocket_uuid" varchar(36) NOT NULL,
	"resident_audiosocket_uuid" varchar(36),
	"unit_id" uuid,
	"unit_number" varchar(32),
	"resident_id" uuid,
	"resident_name" varchar(120),
	"visitor_name" varchar(120),
	"purpose" varchar(200),
	"gate_status" varchar(16) DEFAULT 'not_requested' NOT NULL,
	"gate_attempts" integer DEFAULT 0 NOT NULL,
	"gate_http_status" integer,
	"gate_error" varchar(200),
	"gate_at" timestamp with time zone,
	"started_at" timestamp with time zone NOT NULL,
	"resident_answered_at" timestamp with time zone,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "voicebot_residents" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"unit_id" uuid NOT NULL,
	"name" varchar(120) NOT NULL,
	"phone" varchar(32),
	"sip_extension" varchar(40),
	"priority" integer DEFAULT 0 NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "voicebot_settings" (
	"company_id" uuid PRIMARY KEY NOT NULL,
	"intercom_uuid" uuid NOT NULL,
	"gate_webhook_url" text,
	"gate_webhook_secret" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "voicebot_transcript_lines" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"call_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"who" varchar(16) NOT NULL,
	"leg" varchar(16) NOT NULL,
	"kind" varchar(16) NOT NULL,
	"text" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "voicebot_units" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"number" varchar(32) NOT NULL,
	"label" varchar(120),
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "voicebot_calls" ADD CONSTRAINT "voicebot_calls_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voicebot_calls" ADD CONSTRAINT "voicebot_calls_unit_id_voicebot_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."voicebot_units"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voicebot_calls" ADD CONSTRAINT "voicebot_calls_resident_id_voicebot_residents_id_fk" FOREIGN KEY ("resident_id") REFERENCES "public"."voicebot_residents"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voicebot_residents" ADD CONSTRAINT "voicebot_residents_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voicebot_residents" ADD CONSTRAINT "voicebot_residents_unit_id_voicebot_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."voicebot_units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voicebot_settings" ADD CONSTRAINT "voicebot_settings_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voicebot_transcript_lines" ADD CONSTRAINT "voicebot_transcript_lines_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voicebot_transcript_lines" ADD CONSTRAINT "voicebot_transcript_lines_call_id_voicebot_calls_id_fk" FOREIGN KEY ("call_id") REFERENCES "public"."voicebot_calls"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voicebot_units" ADD CONSTRAINT "voicebot_units_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "voicebot_calls_company_started_idx" ON "voicebot_calls" USING btree ("company_id","started_at","id");--> statement-breakpoint
CREATE INDEX "voicebot_calls_company_outcome_idx" ON "voicebot_calls" USING btree ("company_id","outcome");--> statement-breakpoint
CREATE INDEX "voicebot_residents_company_unit_idx" ON "voicebot_residents" USING btree ("company_id","unit_id","priority");--> statement-breakpoint
CREATE INDEX "voicebot_residents_company_created_idx" ON "voicebot_residents" USING btree ("company_id","created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "voicebot_settings_intercom_uuid_key" ON "voicebot_settings" USING btree ("intercom_uuid");--> statement-breakpoint
CREATE UNIQUE INDEX "voicebot_transcript_lines_call_seq_key" ON "voicebot_transcript_lines" USING btree ("call_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "voicebot_units_company_number_key" ON "voicebot_units" USING btree ("company_id","number");--> statement-breakpoint
CREATE INDEX "voicebot_units_company_created_idx" ON "voicebot_units" USING btree ("company_id","created_at","id");