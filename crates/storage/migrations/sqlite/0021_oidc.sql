-- F-INT-5: ninsho as an OpenID Connect provider.

-- The keys that sign ID tokens, private halves sealed with the master key. The one
-- that signs has active = 1; the unique slot keeps it one, so instances starting
-- together cannot both make a first key. A retired key stays published (in the
-- JWKS) until published_until, when the last token it signed has expired.
create table oidc_signing_keys (
    kid text primary key,
    alg text not null,
    private_key blob not null,
    public_key blob not null,
    created_at integer not null,
    active integer unique,
    retired_at integer,
    published_until integer
);

-- The applications the operator registered. public: no secret, PKCE proves the
-- client. URIs one a line, compared exactly; scopes space-separated.
create table oidc_clients (
    id blob primary key,
    name text not null,
    public boolean not null,
    secret_hash blob,
    redirect_uris text not null,
    post_logout_uris text not null,
    scopes text not null,
    created_at integer not null,
    removed_at integer
);
create unique index oidc_clients_name on oidc_clients(name) where removed_at is null;

-- Authorization requests waiting while the user signs in on ninsho's pages.
create table oidc_requests (
    id blob primary key,
    client_id blob not null references oidc_clients (id),
    redirect_uri text not null,
    scopes text not null,
    state text,
    nonce text,
    code_challenge text,
    prompt_none boolean not null,
    created_at integer not null,
    expires_at integer not null,
    used_at integer
);

-- Authorization codes, by keyed hash; consumed_at is set by the one exchange.
-- methods: what had authenticated the session (amr values, space-separated).
create table oidc_codes (
    code_hash blob primary key,
    client_id blob not null references oidc_clients (id),
    account_id blob not null references accounts (id),
    session_id blob not null,
    redirect_uri text not null,
    scopes text not null,
    nonce text,
    code_challenge text,
    auth_time integer not null,
    methods text not null,
    created_at integer not null,
    expires_at integer not null,
    consumed_at integer
);

-- Access tokens, by keyed hash, with the code they came from: a replayed code
-- revokes them all.
create table oidc_tokens (
    token_hash blob primary key,
    code_hash blob not null,
    client_id blob not null references oidc_clients (id),
    account_id blob not null references accounts (id),
    session_id blob not null,
    scopes text not null,
    created_at integer not null,
    expires_at integer not null,
    revoked_at integer
);
create index oidc_tokens_by_code on oidc_tokens(code_hash);
create index oidc_tokens_by_client on oidc_tokens(client_id);
