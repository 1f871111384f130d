-- F-DLV-1…4: shipments the shop registered. The code lives on a 'delivery' challenge
-- (attempts, expiry, only the latest code); the row keeps it sealed for the shopper's
-- own deliveries page, and what the door needs: the status and who handed it over.
create table deliveries (
    id uuid primary key,
    client_id uuid not null references service_clients (id),
    order_id text not null,
    account_id uuid not null references accounts (id),
    amount_minor bigint not null,
    currency text not null,
    categories text not null,
    country text not null,
    time_zone text not null,
    carrier text not null,
    tracking_id text not null unique,
    delivery_date text not null,
    address_changed_days_ago bigint,
    rules text not null,
    status text not null,
    challenge_id uuid unique references challenges (id),
    code_sealed bytea,
    courier_id text,
    handed_over_at bigint,
    created_at bigint not null,
    unique (client_id, order_id)
);
create index deliveries_by_account on deliveries (account_id, created_at);
