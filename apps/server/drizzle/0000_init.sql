CREATE TYPE "public"."sip_template" AS ENUM('webrtc', 'sip');--> statement-breakpoint
CREATE TYPE "public"."user_role" AS ENUM('admin', 'supervisor', 'agent');--> statement-breakpoint
CREATE TYPE "public"."ast_bool_values" AS ENUM('0', '1', 'off', 'on', 'false', 'true', 'no', 'yes');--> statement-breakpoint
CREATE TYPE "public"."pjsip_100rel_values_v2" AS ENUM('no', 'required', 'peer_supported', 'yes');--> statement-breakpoint
CREATE TYPE "public"."pjsip_auth_type_values_v2" AS ENUM('md5', 'userpass', 'google_oauth');--> statement-breakpoint
CREATE TYPE "public"."pjsip_cid_privacy_values" AS ENUM('allowed_not_screened', 'allowed_passed_screened', 'allowed_failed_screened', 'allowed', 'prohib_not_screened', 'prohib_passed_screened', 'prohib_failed_screened', 'prohib', 'unavailable');--> statement-breakpoint
CREATE TYPE "public"."pjsip_connected_line_method_values" AS ENUM('invite', 'reinvite', 'update');--> statement-breakpoint
CREATE TYPE "public"."pjsip_direct_media_glare_mitigation_values" AS ENUM('none', 'outgoing', 'incoming');--> statement-breakpoint
CREATE TYPE "public"."pjsip_dtls_setup_values" AS ENUM('active', 'passive', 'actpass');--> statement-breakpoint
CREATE TYPE "public"."pjsip_dtmf_mode_values_v3" AS ENUM('rfc4733', 'inband', 'info', 'auto', 'auto_info');--> statement-breakpoint
CREATE TYPE "public"."pjsip_incoming_call_offer_pref_values" AS ENUM('local', 'local_first', 'remote', 'remote_first');--> statement-breakpoint
CREATE TYPE "public"."pjsip_media_encryption_values" AS ENUM('no', 'sdes', 'dtls');--> statement-breakpoint
CREATE TYPE "public"."pjsip_outgoing_call_offer_pref_values" AS ENUM('local', 'local_merge', 'local_first', 'remote', 'remote_merge', 'remote_first');--> statement-breakpoint
CREATE TYPE "public"."pjsip_redirect_method_values" AS ENUM('user', 'uri_core', 'uri_pjsip');--> statement-breakpoint
CREATE TYPE "public"."pjsip_t38udptl_ec_values" AS ENUM('none', 'fec', 'redundancy');--> statement-breakpoint
CREATE TYPE "public"."pjsip_timer_values" AS ENUM('forced', 'no', 'required', 'yes');--> statement-breakpoint
CREATE TYPE "public"."security_negotiation_values" AS ENUM('no', 'mediasec');--> statement-breakpoint
CREATE TYPE "public"."sha_hash_values" AS ENUM('SHA-1', 'SHA-256');--> statement-breakpoint
CREATE TABLE "companies" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" varchar(120) NOT NULL,
	"sip_prefix" varchar(12) NOT NULL,
	"extension_range_start" integer DEFAULT 1000 NOT NULL,
	"extension_range_end" integer DEFAULT 1999 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "companies_sip_prefix_unique" UNIQUE("sip_prefix")
);
--> statement-breakpoint
CREATE TABLE "refresh_tokens" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"family_id" uuid NOT NULL,
	"token_hash" varchar(64) NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"replaced_by_id" uuid,
	"user_agent" text,
	"ip" varchar(64)
);
--> statement-breakpoint
CREATE TABLE "sip_devices" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"extension" integer NOT NULL,
	"endpoint_id" varchar(40) NOT NULL,
	"template" "sip_template" NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"password_rotated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deactivated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"email" varchar(254) NOT NULL,
	"name" varchar(120) NOT NULL,
	"role" "user_role" NOT NULL,
	"phone" varchar(32),
	"password_hash" varchar(255) NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"tokens_valid_after" timestamp with time zone DEFAULT now() NOT NULL,
	"last_login_at" timestamp with time zone,
	"deactivated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ps_aors" (
	"id" varchar(255) NOT NULL,
	"contact" varchar(255),
	"default_expiration" integer,
	"mailboxes" varchar(80),
	"max_contacts" integer,
	"minimum_expiration" integer,
	"remove_existing" "ast_bool_values",
	"qualify_frequency" integer,
	"authenticate_qualify" "ast_bool_values",
	"maximum_expiration" integer,
	"outbound_proxy" varchar(255),
	"support_path" "ast_bool_values",
	"qualify_timeout" double precision,
	"voicemail_extension" varchar(40),
	"remove_unavailable" "ast_bool_values",
	"qualify_2xx_only" "ast_bool_values",
	CONSTRAINT "ps_aors_id_key" UNIQUE("id")
);
--> statement-breakpoint
CREATE TABLE "ps_auths" (
	"id" varchar(255) NOT NULL,
	"auth_type" "pjsip_auth_type_values_v2",
	"nonce_lifetime" integer,
	"md5_cred" varchar(40),
	"password" varchar(80),
	"realm" varchar(255),
	"username" varchar(40),
	"refresh_token" varchar(255),
	"oauth_clientid" varchar(255),
	"oauth_secret" varchar(255),
	"password_digest" varchar(1024),
	"supported_algorithms_uas" varchar(1024),
	"supported_algorithms_uac" varchar(1024),
	CONSTRAINT "ps_auths_id_key" UNIQUE("id")
);
--> statement-breakpoint
CREATE TABLE "ps_contacts" (
	"id" varchar(255) NOT NULL,
	"uri" varchar(511),
	"expiration_time" bigint,
	"qualify_frequency" integer,
	"outbound_proxy" varchar(255),
	"path" text,
	"user_agent" varchar(255),
	"qualify_timeout" double precision,
	"reg_server" varchar(255),
	"authenticate_qualify" "ast_bool_values",
	"via_addr" varchar(40),
	"via_port" integer,
	"call_id" varchar(255),
	"endpoint" varchar(255),
	"prune_on_boot" "ast_bool_values",
	"qualify_2xx_only" "ast_bool_values",
	CONSTRAINT "ps_contacts_id_key" UNIQUE("id"),
	CONSTRAINT "ps_contacts_uq" UNIQUE("id","reg_server")
);
--> statement-breakpoint
CREATE TABLE "ps_endpoints" (
	"id" varchar(255) NOT NULL,
	"transport" varchar(40),
	"aors" varchar(2048),
	"auth" varchar(255),
	"context" varchar(40),
	"disallow" varchar(200),
	"allow" varchar(200),
	"direct_media" "ast_bool_values",
	"connected_line_method" "pjsip_connected_line_method_values",
	"direct_media_method" "pjsip_connected_line_method_values",
	"direct_media_glare_mitigation" "pjsip_direct_media_glare_mitigation_values",
	"disable_direct_media_on_nat" "ast_bool_values",
	"dtmf_mode" "pjsip_dtmf_mode_values_v3",
	"external_media_address" varchar(40),
	"force_rport" "ast_bool_values",
	"ice_support" "ast_bool_values",
	"identify_by" varchar(80),
	"mailboxes" varchar(40),
	"moh_suggest" varchar(40),
	"outbound_auth" varchar(255),
	"outbound_proxy" varchar(255),
	"rewrite_contact" "ast_bool_values",
	"rtp_ipv6" "ast_bool_values",
	"rtp_symmetric" "ast_bool_values",
	"send_diversion" "ast_bool_values",
	"send_pai" "ast_bool_values",
	"send_rpid" "ast_bool_values",
	"timers_min_se" integer,
	"timers" "pjsip_timer_values",
	"timers_sess_expires" integer,
	"callerid" varchar(40),
	"callerid_privacy" "pjsip_cid_privacy_values",
	"callerid_tag" varchar(40),
	"100rel" "pjsip_100rel_values_v2",
	"aggregate_mwi" "ast_bool_values",
	"trust_id_inbound" "ast_bool_values",
	"trust_id_outbound" "ast_bool_values",
	"use_ptime" "ast_bool_values",
	"use_avpf" "ast_bool_values",
	"media_encryption" "pjsip_media_encryption_values",
	"inband_progress" "ast_bool_values",
	"call_group" varchar(40),
	"pickup_group" varchar(40),
	"named_call_group" varchar(40),
	"named_pickup_group" varchar(40),
	"device_state_busy_at" integer,
	"fax_detect" "ast_bool_values",
	"t38_udptl" "ast_bool_values",
	"t38_udptl_ec" "pjsip_t38udptl_ec_values",
	"t38_udptl_maxdatagram" integer,
	"t38_udptl_nat" "ast_bool_values",
	"t38_udptl_ipv6" "ast_bool_values",
	"tone_zone" varchar(40),
	"language" varchar(40),
	"one_touch_recording" "ast_bool_values",
	"record_on_feature" varchar(40),
	"record_off_feature" varchar(40),
	"rtp_engine" varchar(40),
	"allow_transfer" "ast_bool_values",
	"allow_subscribe" "ast_bool_values",
	"sdp_owner" varchar(40),
	"sdp_session" varchar(40),
	"tos_audio" varchar(10),
	"tos_video" varchar(10),
	"sub_min_expiry" integer,
	"from_domain" varchar(40),
	"from_user" varchar(40),
	"mwi_from_user" varchar(40),
	"dtls_verify" varchar(40),
	"dtls_rekey" varchar(40),
	"dtls_cert_file" varchar(200),
	"dtls_private_key" varchar(200),
	"dtls_cipher" varchar(200),
	"dtls_ca_file" varchar(200),
	"dtls_ca_path" varchar(200),
	"dtls_setup" "pjsip_dtls_setup_values",
	"srtp_tag_32" "ast_bool_values",
	"media_address" varchar(40),
	"redirect_method" "pjsip_redirect_method_values",
	"set_var" text,
	"cos_audio" integer,
	"cos_video" integer,
	"message_context" varchar(40),
	"force_avp" "ast_bool_values",
	"media_use_received_transport" "ast_bool_values",
	"accountcode" varchar(80),
	"user_eq_phone" "ast_bool_values",
	"moh_passthrough" "ast_bool_values",
	"media_encryption_optimistic" "ast_bool_values",
	"rpid_immediate" "ast_bool_values",
	"g726_non_standard" "ast_bool_values",
	"rtp_keepalive" integer,
	"rtp_timeout" integer,
	"rtp_timeout_hold" integer,
	"bind_rtp_to_media_address" "ast_bool_values",
	"voicemail_extension" varchar(40),
	"mwi_subscribe_replaces_unsolicited" "ast_bool_values",
	"deny" varchar(95),
	"permit" varchar(95),
	"acl" varchar(40),
	"contact_deny" varchar(95),
	"contact_permit" varchar(95),
	"contact_acl" varchar(40),
	"subscribe_context" varchar(40),
	"fax_detect_timeout" integer,
	"contact_user" varchar(80),
	"preferred_codec_only" "ast_bool_values",
	"asymmetric_rtp_codec" "ast_bool_values",
	"rtcp_mux" "ast_bool_values",
	"allow_overlap" "ast_bool_values",
	"refer_blind_progress" "ast_bool_values",
	"notify_early_inuse_ringing" "ast_bool_values",
	"max_audio_streams" integer,
	"max_video_streams" integer,
	"webrtc" "ast_bool_values",
	"dtls_fingerprint" "sha_hash_values",
	"incoming_mwi_mailbox" varchar(40),
	"bundle" "ast_bool_values",
	"dtls_auto_generate_cert" "ast_bool_values",
	"follow_early_media_fork" "ast_bool_values",
	"accept_multiple_sdp_answers" "ast_bool_values",
	"suppress_q850_reason_headers" "ast_bool_values",
	"trust_connected_line" "ast_bool_values",
	"send_connected_line" "ast_bool_values",
	"ignore_183_without_sdp" "ast_bool_values",
	"codec_prefs_incoming_offer" varchar(128),
	"codec_prefs_outgoing_offer" varchar(128),
	"codec_prefs_incoming_answer" varchar(128),
	"codec_prefs_outgoing_answer" varchar(128),
	"stir_shaken" "ast_bool_values",
	"send_history_info" "ast_bool_values",
	"allow_unauthenticated_options" "ast_bool_values",
	"t38_bind_udptl_to_media_address" "ast_bool_values",
	"geoloc_incoming_call_profile" varchar(80),
	"geoloc_outgoing_call_profile" varchar(80),
	"incoming_call_offer_pref" "pjsip_incoming_call_offer_pref_values",
	"outgoing_call_offer_pref" "pjsip_outgoing_call_offer_pref_values",
	"stir_shaken_profile" varchar(80),
	"security_negotiation" "security_negotiation_values",
	"security_mechanisms" varchar(512),
	"send_aoc" "ast_bool_values",
	"overlap_context" varchar(80),
	"tenantid" varchar(80),
	"suppress_moh_on_sendonly" "ast_bool_values",
	"follow_redirect_methods" varchar(95),
	"rtp_port_start" integer,
	"rtp_port_end" integer,
	CONSTRAINT "ps_endpoints_id_key" UNIQUE("id")
);
--> statement-breakpoint
ALTER TABLE "refresh_tokens" ADD CONSTRAINT "refresh_tokens_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sip_devices" ADD CONSTRAINT "sip_devices_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sip_devices" ADD CONSTRAINT "sip_devices_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "refresh_tokens_user_idx" ON "refresh_tokens" USING btree ("company_id","user_id");--> statement-breakpoint
CREATE INDEX "refresh_tokens_family_idx" ON "refresh_tokens" USING btree ("family_id");--> statement-breakpoint
CREATE INDEX "refresh_tokens_expires_idx" ON "refresh_tokens" USING btree ("expires_at") WHERE "refresh_tokens"."revoked_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "sip_devices_active_extension_key" ON "sip_devices" USING btree ("company_id","extension") WHERE "sip_devices"."is_active";--> statement-breakpoint
CREATE UNIQUE INDEX "sip_devices_active_user_key" ON "sip_devices" USING btree ("user_id") WHERE "sip_devices"."is_active";--> statement-breakpoint
CREATE UNIQUE INDEX "sip_devices_active_endpoint_key" ON "sip_devices" USING btree ("endpoint_id") WHERE "sip_devices"."is_active";--> statement-breakpoint
CREATE INDEX "sip_devices_company_idx" ON "sip_devices" USING btree ("company_id","extension");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key" ON "users" USING btree ("email");--> statement-breakpoint
CREATE INDEX "users_company_created_idx" ON "users" USING btree ("company_id","created_at","id");--> statement-breakpoint
CREATE INDEX "ps_aors_id" ON "ps_aors" USING btree ("id");--> statement-breakpoint
CREATE INDEX "ps_aors_qualifyfreq_contact" ON "ps_aors" USING btree ("qualify_frequency","contact");--> statement-breakpoint
CREATE INDEX "ps_auths_id" ON "ps_auths" USING btree ("id");--> statement-breakpoint
CREATE INDEX "ps_contacts_id" ON "ps_contacts" USING btree ("id");--> statement-breakpoint
CREATE INDEX "ps_contacts_qualifyfreq_exp" ON "ps_contacts" USING btree ("qualify_frequency","expiration_time");--> statement-breakpoint
CREATE INDEX "ps_endpoints_id" ON "ps_endpoints" USING btree ("id");