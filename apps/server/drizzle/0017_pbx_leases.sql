CREATE TABLE "pbx_leases" (
	"name" varchar(40) PRIMARY KEY NOT NULL,
	"holder_node_id" varchar(120) NOT NULL,
	"term" bigint NOT NULL,
	"acquired_at" timestamp with time zone NOT NULL,
	"renewed_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"previous_renewed_at" timestamp with time zone
);
