CREATE TYPE "public"."queue_entry_state" AS ENUM('waiting', 'offered', 'assigned', 'abandoned', 'overflowed', 'completed');--> statement-breakpoint
CREATE TYPE "public"."queue_offer_mode" AS ENUM('auto', 'accept');--> statement-breakpoint
CREATE TYPE "public"."queue_strategy" AS ENUM('longest_idle', 'least_busy', 'round_robin', 'ring_all');--> statement-breakpoint
CREATE TYPE "public"."routing_channel" AS ENUM('voice', 'whatsapp', 'webchat');--> statement-breakpoint
CREATE TYPE "public"."routing_offer_state" AS ENUM('offered', 'accepted', 'rejected', 'expired', 'cancelled');--> statement-breakpoint
CREATE TABLE "agent_status_changes" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"status" varchar(10) NOT NULL,
	"pause_reason_id" uuid,
	"pause_reason" varchar(60),
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pause_reasons" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"name" varchar(60) NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "queue_entries" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"queue_id" uuid NOT NULL,
	"channel" "routing_channel" NOT NULL,
	"call_id" uuid,
	"conversation_id" uuid,
	"label" varchar(120),
	"priority" integer DEFAULT 0 NOT NULL,
	"enqueued_at" timestamp with time zone NOT NULL,
	"original_enqueued_at" timestamp with time zone NOT NULL,
	"is_front" boolean DEFAULT false NOT NULL,
	"state" "queue_entry_state" NOT NULL,
	"offered_to" uuid,
	"attempts" integer DEFAULT 0 NOT NULL,
	"declined_by" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"offered_agents" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"assigned_to" uuid,
	"assigned_at" timestamp with time zone,
	"wait_seconds" integer,
	"ended_at" timestamp with time zone,
	"end_reason" varchar(40),
	"overflow_action" jsonb,
	"previous_entry_id" uuid,
	"sla_breached" boolean DEFAULT false NOT NULL,
	"last_announced_at" timestamp with time zone,
	"last_announced_position" integer,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "queue_members" (
	"company_id" uuid NOT NULL,
	"queue_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "queue_members_queue_id_user_id_pk" PRIMARY KEY("queue_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "queues" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"name" varchar(80) NOT NULL,
	"channels" jsonb NOT NULL,
	"strategy" "queue_strategy" DEFAULT 'longest_idle' NOT NULL,
	"offer_mode" "queue_offer_mode" DEFAULT 'auto' NOT NULL,
	"offer_timeout_seconds" integer DEFAULT 20 NOT NULL,
	"required_skills" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"service_level_seconds" integer DEFAULT 20 NOT NULL,
	"service_level_target" real DEFAULT 0.8 NOT NULL,
	"max_wait_seconds" integer,
	"overflow" jsonb,
	"wrap_up_seconds" integer DEFAULT 0 NOT NULL,
	"announce_position" boolean DEFAULT false NOT NULL,
	"business_hours" jsonb,
	"last_chosen_agent_id" uuid,
	"stats_published_at" timestamp with time zone,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "routing_agents" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"whatsapp_capacity" smallint DEFAULT 3 NOT NULL,
	"webchat_capacity" smallint DEFAULT 3 NOT NULL,
	"last_item_ended_at" timestamp with time zone,
	"wrap_up_until" timestamp with time zone,
	"missed_offers" integer DEFAULT 0 NOT NULL,
	"status_before_busy" varchar(10),
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "routing_entry_points" (
	"company_id" uuid NOT NULL,
	"channel" "routing_channel" NOT NULL,
	"address" varchar(32) DEFAULT '' NOT NULL,
	"default_queue_id" uuid,
	"menu" jsonb,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "routing_entry_points_company_id_channel_address_pk" PRIMARY KEY("company_id","channel","address")
);
--> statement-breakpoint
CREATE TABLE "routing_menu_sessions" (
	"conversation_id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"channel" "routing_channel" NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "routing_offers" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"entry_id" uuid NOT NULL,
	"queue_id" uuid NOT NULL,
	"agent_id" uuid NOT NULL,
	"channel" "routing_channel" NOT NULL,
	"state" "routing_offer_state" NOT NULL,
	"is_ring_all" boolean DEFAULT false NOT NULL,
	"offered_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"responded_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "routing_settings" (
	"company_id" uuid PRIMARY KEY NOT NULL,
	"time_zone" varchar(64) DEFAULT 'America/Sao_Paulo' NOT NULL,
	"language" varchar(10) DEFAULT 'pt-BR' NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "user_skills" (
	"company_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"name" varchar(60) NOT NULL,
	"level" smallint NOT NULL,
	CONSTRAINT "user_skills_user_id_name_pk" PRIMARY KEY("user_id","name")
);
--> statement-breakpoint
ALTER TABLE "agent_presences" ADD COLUMN "pause_reason_id" uuid;--> statement-breakpoint
ALTER TABLE "agent_presences" ADD COLUMN "pause_reason" varchar(60);--> statement-breakpoint
ALTER TABLE "agent_status_changes" ADD CONSTRAINT "agent_status_changes_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_status_changes" ADD CONSTRAINT "agent_status_changes_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pause_reasons" ADD CONSTRAINT "pause_reasons_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "queue_entries" ADD CONSTRAINT "queue_entries_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "queue_entries" ADD CONSTRAINT "queue_entries_queue_id_queues_id_fk" FOREIGN KEY ("queue_id") REFERENCES "public"."queues"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "queue_members" ADD CONSTRAINT "queue_members_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "queue_members" ADD CONSTRAINT "queue_members_queue_id_queues_id_fk" FOREIGN KEY ("queue_id") REFERENCES "public"."queues"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "queue_members" ADD CONSTRAINT "queue_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "queues" ADD CONSTRAINT "queues_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routing_agents" ADD CONSTRAINT "routing_agents_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routing_agents" ADD CONSTRAINT "routing_agents_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routing_entry_points" ADD CONSTRAINT "routing_entry_points_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routing_entry_points" ADD CONSTRAINT "routing_entry_points_default_queue_id_queues_id_fk" FOREIGN KEY ("default_queue_id") REFERENCES "public"."queues"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routing_menu_sessions" ADD CONSTRAINT "routing_menu_sessions_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routing_offers" ADD CONSTRAINT "routing_offers_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routing_offers" ADD CONSTRAINT "routing_offers_entry_id_queue_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."queue_entries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routing_offers" ADD CONSTRAINT "routing_offers_queue_id_queues_id_fk" FOREIGN KEY ("queue_id") REFERENCES "public"."queues"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routing_offers" ADD CONSTRAINT "routing_offers_agent_id_users_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routing_settings" ADD CONSTRAINT "routing_settings_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_skills" ADD CONSTRAINT "user_skills_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_skills" ADD CONSTRAINT "user_skills_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "agent_status_changes_user_idx" ON "agent_status_changes" USING btree ("company_id","user_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "pause_reasons_company_name_key" ON "pause_reasons" USING btree ("company_id","name") WHERE "pause_reasons"."deleted_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "queue_entries_active_conversation_key" ON "queue_entries" USING btree ("conversation_id") WHERE "queue_entries"."state" in ('waiting', 'offered', 'assigned') and "queue_entries"."conversation_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "queue_entries_active_call_key" ON "queue_entries" USING btree ("call_id") WHERE "queue_entries"."state" in ('waiting', 'offered', 'assigned') and "queue_entries"."call_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "queue_entries_agent_voice_key" ON "queue_entries" USING btree ("assigned_to") WHERE "queue_entries"."state" = 'assigned' and "queue_entries"."channel" = 'voice';--> statement-breakpoint
CREATE INDEX "queue_entries_waiting_idx" ON "queue_entries" USING btree ("queue_id","priority" DESC NULLS LAST,"is_front" DESC NULLS LAST,"enqueued_at") WHERE "queue_entries"."state" = 'waiting';--> statement-breakpoint
CREATE INDEX "queue_entries_agent_idx" ON "queue_entries" USING btree ("assigned_to") WHERE "queue_entries"."state" = 'assigned';--> statement-breakpoint
CREATE INDEX "queue_entries_queue_ended_idx" ON "queue_entries" USING btree ("queue_id","ended_at");--> statement-breakpoint
CREATE INDEX "queue_members_user_idx" ON "queue_members" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "queues_company_name_key" ON "queues" USING btree ("company_id","name") WHERE "queues"."deleted_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "routing_offers_live_entry_key" ON "routing_offers" USING btree ("entry_id") WHERE "routing_offers"."state" = 'offered' and not "routing_offers"."is_ring_all";--> statement-breakpoint
CREATE UNIQUE INDEX "routing_offers_live_agent_entry_key" ON "routing_offers" USING btree ("entry_id","agent_id") WHERE "routing_offers"."state" = 'offered';--> statement-breakpoint
CREATE UNIQUE INDEX "routing_offers_live_agent_voice_key" ON "routing_offers" USING btree ("agent_id") WHERE "routing_offers"."state" = 'offered' and "routing_offers"."channel" = 'voice';--> statement-breakpoint
CREATE INDEX "routing_offers_expiry_idx" ON "routing_offers" USING btree ("expires_at") WHERE "routing_offers"."state" = 'offered';--> statement-breakpoint
CREATE INDEX "routing_offers_agent_idx" ON "routing_offers" USING btree ("agent_id","state");