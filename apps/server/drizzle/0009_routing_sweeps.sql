CREATE TABLE "routing_sweeps" (
	"name" varchar(40) PRIMARY KEY NOT NULL,
	"node_id" uuid NOT NULL,
	"ran_at" timestamp with time zone NOT NULL
);
