-- Run in a scratch database made by `ninsho bench --no-sqlite --rounds 1 --requests 100
-- --keep-database` (it holds the schema, the bench's accounts and `bench_commits`):
-- 100 000 open challenges for the scripts to verify.
create table pgb_ids (n int primary key, id uuid not null, account_id uuid not null);
insert into pgb_ids select g, gen_random_uuid(), (select id from accounts order by id limit 1) from generate_series(1, 100000) g;
insert into challenges (id, account_id, purpose, created_at, expires_at) select id, account_id, 'sign_in', 1, 2 from pgb_ids;
analyze;
