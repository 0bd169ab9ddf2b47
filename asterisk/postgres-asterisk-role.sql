-- The PostgreSQL role Asterisk's res_config_pgsql logs in with (res_pgsql.conf).
--
-- Run it as a PostgreSQL superuser, in Switchboard's database, after Switchboard has
-- started once (its migrations create the ps_* tables):
--   psql -d switchboard -v asterisk_password='<the dbpass of res_pgsql.conf>' \
--        -f postgres-asterisk-role.sql
--
-- Asterisk gets exactly what it needs: it reads agents' endpoints, auths and AORs,
-- and keeps registrations in ps_contacts. Nothing else in Switchboard's database is
-- visible to it. ps_auths holds SIP passwords in clear (ADR 0007): this role's
-- password is as sensitive as the PBX.

CREATE ROLE asterisk LOGIN PASSWORD :'asterisk_password';

-- CHANGE_ME if your database is not called switchboard.
GRANT CONNECT ON DATABASE switchboard TO asterisk;
GRANT USAGE ON SCHEMA public TO asterisk;

GRANT SELECT ON ps_endpoints, ps_auths, ps_aors TO asterisk;
GRANT SELECT, INSERT, UPDATE, DELETE ON ps_contacts TO asterisk;

-- pg_hba.conf then lets it in from the Asterisk host only, with a password, e.g.:
--   hostssl  switchboard  asterisk  10.0.0.10/32  scram-sha-256
