-- F-DLV-1…4: shipments the shop registered. The code lives on a 'delivery' challenge
-- (attempts, expiry, only the latest code); the row keeps it sealed for the shopper's
-- own deliveries page, and what the door needs: the status and who handed it over.
create table deliveries (
    id blob primary key,
    client_id blob not null references service_clients (id),
    order_id text not null,
    account_id blob not null references accounts (id),
    amount_minor integer not null,
    currency text not null,
    categories text not null,
    country text not null,
    time_zone text not null,
    carrier text not null,
    tracking_id text not null unique,
    delivery_date text not null,
    address_changed_days_ago integer,
    rules text not null,
    status text not null,
    challenge_id blob unique references challenges (id),
    code_sealed blob,
    courier_id text,
    handed_over_at integer,
    created_at integer not null,
    unique (client_id, order_id)
);
create index deliveries_by_account on deliveries (account_id, created_at);
