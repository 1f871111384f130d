-- F-INT-5: ninsho as an OpenID Connect provider.

-- The keys that sign ID tokens, private halves sealed with the master key. The one
-- that signs has active = 1; the unique slot keeps it one, so instances starting
-- together cannot both make a first key. A retired key stays published (in the
-- JWKS) until published_until, when the last token it signed has expired.
create table oidc_signing_keys (
    kid text primary key,
    alg text not null,
    private_key bytea not null,
    public_key bytea not null,
    created_at bigint not null,
    active integer unique,
    retired_at bigint,
    published_until bigint
);

-- The applications the operator registered. public: no secret, PKCE proves the
-- client. URIs one a line, compared exactly; scopes space-separated.
create table oidc_clients (
    id uuid primary key,
    name text not null,
    public boolean not null,
    secret_hash bytea,
    redirect_uris text not null,
    post_logout_uris text not null,
    scopes text not null,
    created_at bigint not null,
    removed_at bigint
);
create unique index oidc_clients_name on oidc_clients(name) where removed_at is null;

-- Authorization requests waiting while the user signs in on ninsho's pages.
create table oidc_requests (
    id uuid primary key,
    client_id uuid not null references oidc_clients (id),
    redirect_uri text not null,
    scopes text not null,
    state text,
    nonce text,
    code_challenge text,
    prompt_none boolean not null,
    created_at bigint not null,
    expires_at bigint not null,
    used_at bigint
);

-- Authorization codes, by keyed hash; consumed_at is set by the one exchange.
-- methods: what had authenticated the session (amr values, space-separated).
create table oidc_codes (
    code_hash bytea primary key,
    client_id uuid not null references oidc_clients (id),
    account_id uuid not null references accounts (id),
    session_id uuid not null,
    redirect_uri text not null,
    scopes text not null,
    nonce text,
    code_challenge text,
    auth_time bigint not null,
    methods text not null,
    created_at bigint not null,
    expires_at bigint not null,
    consumed_at bigint
);

-- Access tokens, by keyed hash, with the code they came from: a replayed code
-- revokes them all.
create table oidc_tokens (
    token_hash bytea primary key,
    code_hash bytea not null,
    client_id uuid not null references oidc_clients (id),
    account_id uuid not null references accounts (id),
    session_id uuid not null,
    scopes text not null,
    created_at bigint not null,
    expires_at bigint not null,
    revoked_at bigint
);
create index oidc_tokens_by_code on oidc_tokens(code_hash);
create index oidc_tokens_by_client on oidc_tokens(client_id);
