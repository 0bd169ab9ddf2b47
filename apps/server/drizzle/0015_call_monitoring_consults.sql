CREATE TABLE "call_consults" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"call_id" uuid NOT NULL,
	"agent_id" uuid,
	"target" varchar(64) NOT NULL,
	"target_kind" varchar(16) NOT NULL,
	"target_user_id" uuid,
	"channel_id" varchar(150) NOT NULL,
	"bridge_id" varchar(150) NOT NULL,
	"status" varchar(16) NOT NULL,
	"end_reason" varchar(40),
	"timeline" jsonb NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"answered_at" timestamp with time zone,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "call_monitors" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"call_id" uuid NOT NULL,
	"supervisor_id" uuid NOT NULL,
	"mode" varchar(16) NOT NULL,
	"status" varchar(16) NOT NULL,
	"modes" jsonb NOT NULL,
	"supervisor_channel_id" varchar(150) NOT NULL,
	"snoop_channel_id" varchar(150),
	"bridge_id" varchar(150) NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"answered_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"end_reason" varchar(40)
);
--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "held_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "call_consults" ADD CONSTRAINT "call_consults_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_consults" ADD CONSTRAINT "call_consults_call_id_calls_id_fk" FOREIGN KEY ("call_id") REFERENCES "public"."calls"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_consults" ADD CONSTRAINT "call_consults_agent_id_users_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_consults" ADD CONSTRAINT "call_consults_target_user_id_users_id_fk" FOREIGN KEY ("target_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_monitors" ADD CONSTRAINT "call_monitors_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_monitors" ADD CONSTRAINT "call_monitors_call_id_calls_id_fk" FOREIGN KEY ("call_id") REFERENCES "public"."calls"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_monitors" ADD CONSTRAINT "call_monitors_supervisor_id_users_id_fk" FOREIGN KEY ("supervisor_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "call_consults_call_idx" ON "call_consults" USING btree ("company_id","call_id","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "call_consults_channel_key" ON "call_consults" USING btree ("channel_id");--> statement-breakpoint
CREATE UNIQUE INDEX "call_consults_open_key" ON "call_consults" USING btree ("call_id") WHERE "call_consults"."ended_at" is null;--> statement-breakpoint
CREATE INDEX "call_monitors_call_idx" ON "call_monitors" USING btree ("company_id","call_id","started_at");--> statement-breakpoint
CREATE INDEX "call_monitors_supervisor_idx" ON "call_monitors" USING btree ("company_id","supervisor_id","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "call_monitors_supervisor_channel_key" ON "call_monitors" USING btree ("supervisor_channel_id");--> statement-breakpoint
CREATE UNIQUE INDEX "call_monitors_open_key" ON "call_monitors" USING btree ("call_id","supervisor_id") WHERE "call_monitors"."ended_at" is null;