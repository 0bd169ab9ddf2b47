CREATE TABLE "webchat_channels" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"name" varchar(100) NOT NULL,
	"allowed_origins" jsonb NOT NULL,
	"greeting" varchar(500),
	"prechat_fields" jsonb NOT NULL,
	"default_queue_id" uuid,
	"offline_message" varchar(500),
	"colors" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webchat_uploads" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"visitor_id" uuid NOT NULL,
	"kind" varchar(16) NOT NULL,
	"mime_type" varchar(100) NOT NULL,
	"filename" text,
	"size_bytes" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webchat_visitors" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"channel_id" uuid NOT NULL,
	"name" varchar(100),
	"email" varchar(254),
	"phone" varchar(20),
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "webchat_channels" ADD CONSTRAINT "webchat_channels_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webchat_channels" ADD CONSTRAINT "webchat_channels_default_queue_id_queues_id_fk" FOREIGN KEY ("default_queue_id") REFERENCES "public"."queues"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webchat_uploads" ADD CONSTRAINT "webchat_uploads_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webchat_uploads" ADD CONSTRAINT "webchat_uploads_visitor_id_webchat_visitors_id_fk" FOREIGN KEY ("visitor_id") REFERENCES "public"."webchat_visitors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webchat_visitors" ADD CONSTRAINT "webchat_visitors_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webchat_visitors" ADD CONSTRAINT "webchat_visitors_channel_id_webchat_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."webchat_channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "webchat_channels_company_idx" ON "webchat_channels" USING btree ("company_id","created_at");--> statement-breakpoint
CREATE INDEX "webchat_uploads_visitor_idx" ON "webchat_uploads" USING btree ("visitor_id");--> statement-breakpoint
CREATE INDEX "webchat_visitors_channel_idx" ON "webchat_visitors" USING btree ("channel_id");