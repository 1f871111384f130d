-- F-INT-5, part 2: refresh tokens for offline_access, by keyed hash. Every refresh
-- token of one grant (one code's exchange and the rotations after it) shares the
-- code's hash: a refresh token used twice revokes them all, with the access tokens
-- (oidc_tokens.code_hash). used_at is set by the one rotation of each token.
create table oidc_refresh_tokens (
    token_hash blob primary key,
    code_hash blob not null,
    client_id blob not null references oidc_clients (id),
    account_id blob not null references accounts (id),
    session_id blob not null,
    scopes text not null,
    auth_time integer not null,
    methods text not null,
    created_at integer not null,
    expires_at integer not null,
    used_at integer,
    revoked_at integer
);
create index oidc_refresh_by_code on oidc_refresh_tokens(code_hash);
create index oidc_refresh_by_account on oidc_refresh_tokens(account_id);
create index oidc_tokens_by_account on oidc_tokens(account_id);

-- prompt=login, max_age and acr_values of a parked request; login_after: only a
-- session begun then or later answers it.
alter table oidc_requests add column prompt_login boolean not null default false;
alter table oidc_requests add column max_age integer;
alter table oidc_requests add column second_factor boolean not null default false;
alter table oidc_requests add column login_after integer;
