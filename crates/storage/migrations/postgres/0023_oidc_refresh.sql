-- F-INT-5, part 2: refresh tokens for offline_access, by keyed hash. Every refresh
-- token of one grant (one code's exchange and the rotations after it) shares the
-- code's hash: a refresh token used twice revokes them all, with the access tokens
-- (oidc_tokens.code_hash). used_at is set by the one rotation of each token.
create table oidc_refresh_tokens (
    token_hash bytea primary key,
    code_hash bytea not null,
    client_id uuid not null references oidc_clients (id),
    account_id uuid not null references accounts (id),
    session_id uuid not null,
    scopes text not null,
    auth_time bigint not null,
    methods text not null,
    created_at bigint not null,
    expires_at bigint not null,
    used_at bigint,
    revoked_at bigint
);
create index oidc_refresh_by_code on oidc_refresh_tokens(code_hash);
create index oidc_refresh_by_account on oidc_refresh_tokens(account_id);
create index oidc_tokens_by_account on oidc_tokens(account_id);

-- prompt=login, max_age and acr_values of a parked request; login_after: only a
-- session begun then or later answers it.
alter table oidc_requests add column prompt_login boolean not null default false;
alter table oidc_requests add column max_age bigint;
alter table oidc_requests add column second_factor boolean not null default false;
alter table oidc_requests add column login_after bigint;
