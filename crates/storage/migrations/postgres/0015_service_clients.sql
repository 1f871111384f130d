-- F-INT-1: the shop's services that call ninsho. A secret is kept only as a keyed
-- hash; after a rotation the previous one works until previous_valid_until.
create table service_clients (
    id uuid primary key,
    name text not null unique,
    scopes text not null,
    secret_hash bytea not null unique,
    previous_secret_hash bytea unique,
    previous_valid_until bigint,
    rate_per_minute bigint not null,
    created_at bigint not null,
    revoked_at bigint
);
