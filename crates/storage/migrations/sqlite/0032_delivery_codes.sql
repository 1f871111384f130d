-- F-DLV-2…4: a delivery keeps its own code. It was a 'delivery' challenge beside the
-- delivery: one row, three index entries and two reference checks more per shipment,
-- for a code that must answer no challenge endpoint anyway (F-DLV-4). The code's hash,
-- expiry, wrong tries, latest message and deny move onto the delivery; a message
-- names the delivery it carries a code for. A code issued before keeps working: its
-- hash stays keyed with its challenge's id (`code_hashed_with`), and the deny link of
-- its message, which names that challenge, finds the delivery by it.
create table deliveries_0032 (
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
    code_hash blob,
    code_sealed blob,
    code_expires_at integer,
    attempts integer not null default 0,
    code_message_id blob,
    code_denied_at integer,
    code_hashed_with blob,
    courier_id text,
    handed_over_at integer,
    created_at integer not null,
    unique (client_id, order_id)
);
insert into deliveries_0032 (id, client_id, order_id, account_id, amount_minor, currency, categories, country, time_zone, carrier, tracking_id,
        delivery_date, address_changed_days_ago, rules, status, code_hash, code_sealed, code_expires_at, attempts, code_message_id, code_denied_at,
        code_hashed_with, courier_id, handed_over_at, created_at)
    select d.id, d.client_id, d.order_id, d.account_id, d.amount_minor, d.currency, d.categories, d.country, d.time_zone, d.carrier, d.tracking_id,
        d.delivery_date, d.address_changed_days_ago, d.rules, d.status, c.code_hash, d.code_sealed, c.code_expires_at, coalesce(c.attempts, 0),
        c.code_message_id, c.cancelled_at, c.id, d.courier_id, d.handed_over_at, d.created_at
    from deliveries d left join challenges c on c.id = d.challenge_id;
alter table outbox add column delivery_id blob;
update outbox set delivery_id = (select d.id from deliveries d where d.challenge_id = outbox.challenge_id), challenge_id = null
    where challenge_id in (select challenge_id from deliveries where challenge_id is not null);
drop table deliveries;
alter table deliveries_0032 rename to deliveries;
create index deliveries_by_account on deliveries (account_id, created_at);
create index deliveries_hashed_with on deliveries (code_hashed_with) where code_hashed_with is not null;
-- A code denied before: the delivery is held, as a deny now does.
update deliveries set status = 'held' where status = 'pending' and code_denied_at is not null;
delete from challenges where purpose = 'delivery';
