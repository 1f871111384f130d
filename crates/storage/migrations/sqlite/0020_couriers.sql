-- F-DLV-3: the couriers of carriers without an app: each account works for one
-- carrier's service client and may take codes at the door on /courier.
create table couriers (
    account_id blob primary key references accounts (id),
    client_id blob not null references service_clients (id),
    created_at integer not null
);
