-- F-INT-4: the receivers of event webhooks, registered by the operator. The signing
-- secret is sealed with the master key: ninsho signs with it, so a hash would not do.
create table webhook_endpoints (
    id blob primary key,
    name text not null,
    url text not null,
    secret blob not null,
    created_at integer not null,
    removed_at integer
);
-- A name names one live endpoint; a removed endpoint's name may be used again.
create unique index webhook_endpoints_name on webhook_endpoints(name) where removed_at is null;

-- What each endpoint hears: one topic name a row, or '*' for every topic.
create table webhook_endpoint_topics (
    endpoint_id blob not null references webhook_endpoints(id),
    topic text not null,
    primary key (endpoint_id, topic)
);

-- One row per announcement and endpoint, written in the transaction of its event.
-- webhook_id is derived from the event and the topic: a retry sends the same one.
-- status: pending, delivered, failed (given up), dropped (the endpoint was removed).
create table webhook_deliveries (
    id integer primary key,
    webhook_id text not null,
    endpoint_id blob not null references webhook_endpoints(id),
    event_id blob not null,
    topic text not null,
    body text not null,
    status text not null,
    attempts integer not null,
    next_attempt_at integer not null,
    lease_until integer,
    created_at integer not null,
    delivered_at integer,
    last_error text,
    unique (webhook_id, endpoint_id)
);
create index webhook_deliveries_due on webhook_deliveries(status, next_attempt_at);
