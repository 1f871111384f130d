-- F-INT-3: confirmations a shop service asks of a shopper. The challenge holds the
-- code, the attempts and the expiry; a row here holds what the service reads back.
create table service_step_ups (
    id uuid primary key,
    client_id uuid not null references service_clients (id),
    account_id uuid not null references accounts (id),
    challenge_id uuid not null unique references challenges (id),
    reason_kind text not null,
    amount_minor bigint,
    currency text,
    reason_text text,
    return_url text,
    weak boolean not null,
    created_at bigint not null,
    completed_at bigint,
    method text
);
create index service_step_ups_by_client on service_step_ups (client_id, created_at);

-- Where a hosted page may send the shopper back to: origins, one per line.
alter table service_clients add column origins text not null default '';
