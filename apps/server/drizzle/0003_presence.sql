CREATE TYPE "public"."presence_status" AS ENUM('online', 'offline', 'busy', 'away');--> statement-breakpoint
CREATE TABLE "agent_presences" (
	"company_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"status" "presence_status" DEFAULT 'offline' NOT NULL,
	"message" varchar(200),
	"last_heartbeat_at" timestamp with time zone,
	"websocket_connected" boolean DEFAULT false NOT NULL,
	"status_changed_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "agent_presences_company_id_user_id_pk" PRIMARY KEY("company_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "presence_connections" (
	"company_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"node_id" uuid NOT NULL,
	"open_sockets" integer NOT NULL,
	"seen_at" timestamp with time zone NOT NULL,
	CONSTRAINT "presence_connections_company_id_user_id_node_id_pk" PRIMARY KEY("company_id","user_id","node_id")
);
--> statement-breakpoint
ALTER TABLE "agent_presences" ADD CONSTRAINT "agent_presences_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_presences" ADD CONSTRAINT "agent_presences_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "presence_connections" ADD CONSTRAINT "presence_connections_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "presence_connections" ADD CONSTRAINT "presence_connections_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "agent_presences_sweep_idx" ON "agent_presences" USING btree ("last_heartbeat_at") WHERE "agent_presences"."status" <> 'offline';--> statement-breakpoint
CREATE INDEX "presence_connections_node_idx" ON "presence_connections" USING btree ("node_id");--> statement-breakpoint
CREATE INDEX "presence_connections_seen_idx" ON "presence_connections" USING btree ("seen_at");