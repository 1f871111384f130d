-- A session keeps what signed it in (RFC 8176 `amr` values, space-separated) and what
-- last stepped it up: once 2SV is on, only a second factor satisfies a sensitive
-- change. Sessions from before have no method on record, so their step-ups count as
-- weak (fail closed).
alter table sessions add column auth_methods text not null default '';
alter table sessions add column step_up_method text;
