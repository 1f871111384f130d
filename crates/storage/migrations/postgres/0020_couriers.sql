-- F-DLV-3: the couriers of carriers without an app: each account works for one
-- carrier's service client and may take codes at the door on /courier.
create table couriers (
    account_id uuid primary key references accounts (id),
    client_id uuid not null references service_clients (id),
    created_at bigint not null
);
