-- F-INT-1: the shop's services that call ninsho. A secret is kept only as a keyed
-- hash; after a rotation the previous one works until previous_valid_until.
create table service_clients (
    id blob primary key,
    name text not null unique,
    scopes text not null,
    secret_hash blob not null unique,
    previous_secret_hash blob unique,
    previous_valid_until integer,
    rate_per_minute integer not null,
    created_at integer not null,
    revoked_at integer
);
